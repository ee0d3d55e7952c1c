"""What the other side does with a message (blind round 25): questions that each get an answer
with news, however alike their opening, and requests whose presented change the other makes,
however alike the requests, are progress. Examples written anew, not round 25's lines."""

from __future__ import annotations

import pytest

from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_questions_under_one_reference_each_answered_with_news_are_no_rewording() -> None:
    history = chat(
        "guest: Booking #K-4412: hi, what time is check-in at the lodge?",
        "desk: Hi! Booking #K-4412 (Pine Lodge, two nights, lake view) opens check-in at 3 pm "
        "and the front desk stays open until 10 pm.",
        "guest: Booking #K-4412: will someone carry the luggage up to the 2nd floor? My knee "
        "is bad.",
        "desk: Yes, your rate includes our porter service, so the luggage goes up to any floor. "
        "Leave the bags at the entrance; the porter comes within 10 minutes.",
        "guest: Booking #K-4412: will they take away the firewood boxes after?",
        "desk: They will. Clearing the boxes is part of the porter service at no extra cost.",
        "guest: Booking #K-4412: can they also take my bike to storage? How much would that be?",
        "desk: We can store a bike for £12 a night. It needs to be booked at least 24 hours "
        "before arrival, so you're still in time. Shall I add it?",
        "guest: Booking #K-4412: yes add it please, and send me the new confirmation.",
        "desk: Done: bike storage (£12 a night) added to booking #K-4412. The new confirmation "
        "(total £418.00) is in your inbox. Anything else?",
    )
    assert first_loop(history) is None


def test_requests_whose_presented_change_the_other_makes_are_no_restated_point() -> None:
    history = chat(
        "writer: Draft 1 of the release note:\n“Version 4.2 adds dark mode to the mobile app. "
        "It also fixes several crashes. Update from the store today.”",
        "editor: Good start. One change: say 'fixes a crash when opening shared albums' so "
        "it's concrete.",
        "writer: Draft 2:\n“Version 4.2 adds dark mode to the mobile app. It also fixes a crash "
        "when opening shared albums. Update from the store today.”",
        "editor: Better. One more: mention how people turn it on — settings toggle under "
        "display preferences.",
        "writer: Draft 3:\n“Version 4.2 adds dark mode to the mobile app; switch it on with the "
        "toggle under display preferences. It also fixes a crash when opening shared albums. "
        "Update from the store today.”",
        "editor: Nearly there. Replace 'the mobile app' with 'the phone and tablet apps' — the web "
        "version comes later.",
        "writer: Draft 4:\n“Version 4.2 adds dark mode to the phone and tablet apps; switch it on "
        "with the toggle under display preferences. It also fixes a crash when opening shared "
        "albums. Update from the store today.”",
        "editor: Approved. I'll post draft 4 in the store listing and the newsletter.",
    )
    assert first_loop(history) is None
