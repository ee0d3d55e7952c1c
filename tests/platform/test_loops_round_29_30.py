"""What blind rounds 29 and 30 taught (README, "Rounds 29 and 30, read and tuned on"). Examples
written anew, not the rounds' lines."""

from __future__ import annotations

import pytest

from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_a_status_polled_and_found_moved_each_time_is_no_restated_point() -> None:
    # The learned model reads the replies without their quoted stages ("Status: . Your laptop
    # is being repaired.") and took them for one point restated (1.51 > 1.33).
    history = chat(
        "owner: Hi, I sent my laptop for repair on May 3. Repair number 2026-RX-55120. What's the "
        "status?",
        "support: Thanks. Status for 2026-RX-55120: 'Received – awaiting diagnosis'. Current "
        "repair time is 5-8 days for standard service.",
        "owner: I have an exam on May 20. Can I speed it up?",
        "support: Yes. You can upgrade to priority service (2-3 days) for an extra $45 by calling "
        "the Repair Center with your repair number, or online via the 'Upgrade' link in your "
        "status page. Since your exam is close, it's worth doing.",
        "owner: Did it online, paid $45.",
        "support: I can see the upgrade: status now 'Received – priority'. Expected completion by "
        "May 12.",
        "owner: Checking again, anything new?",
        "support: Yes: status is now 'In diagnosis'. That means it's being reviewed by an "
        "engineer.",
        "owner: Any change today?",
        "support: Status: 'Approved'. Your laptop is being repaired.",
        "owner: And now?",
        "support: Status: 'Shipped' on May 11, courier tracking 7720 4419 0032. Expected delivery "
        "May 13.",
        "owner: Perfect, thanks!",
    )
    assert first_loop(history) is None


def test_a_student_saying_back_the_hint_and_the_choice_instead_of_answering_is_an_echo() -> None:
    # A presented item (after a colon) said back is a drill only when the frame asks nothing of
    # its own and the reply is the item; a hint to a question left unanswered, or the choice
    # said back with its frame, hands the message back.
    history = chat(
        "tutor: Today: plate tectonics. The Earth's crust is broken into plates that move a few "
        "centimetres a year. Can you name the layer the plates float on?",
        "student: The asthenosphere, I believe?",
        "tutor: Correct! Where plates pull apart, magma rises and forms new crust, as along the "
        "Mid-Atlantic Ridge. What do we call a boundary where plates collide?",
        "student: Magma rises and forms new crust along the Mid-Atlantic Ridge.",
        "tutor: That is what I said. But what is the colliding kind called? Hint: it starts with "
        "the same letter as the word converge.",
        "student: It starts with the same letter as the word converge.",
        "tutor: Yes, converge, so a convergent boundary. Which plate sinks there, the denser "
        "one or the lighter one?",
        "student: The denser one or the lighter one.",
        "tutor: Please choose: the denser one or the lighter one?",
        "student: Choose: the denser one or the lighter one.",
    )
    found = first_loop(history[:8])
    assert found is not None and found.kind == "echo"
    assert first_loop(history[:5]) is None


def test_an_offer_asked_again_in_the_same_words_keeps_a_terse_collapse_going() -> None:
    # Hungarian: after the answer, "Segíthetek még valamiben?" comes round again between emoji
    # and thanks; a question used to break every collapse check, but one its sender asked in
    # the same words before is an offer going round, not a new question.
    history = chat(
        "ügyfél: Jó napot, hánykor nyit a győri iroda szombaton?",
        "ügyintéző: Jó napot! Szombaton 9 és 13 óra között van nyitva, a Baross úton.",
        "ügyfél: Rendben, köszönöm szépen.",
        "ügyintéző: Szívesen. Még valami?",
        "ügyfél: Nem, köszönöm 🙂",
        "ügyintéző: Én köszönöm 🙂",
        "ügyfél: 🙂",
        "ügyintéző: Még valami?",
        "ügyfél: nem, köszi",
        "ügyintéző: 👍",
        "ügyfél: 🙂",
        "ügyintéző: Köszönöm.",
        "ügyfél: köszi",
        "ügyintéző: Még valami? 🙂",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "collapse"
