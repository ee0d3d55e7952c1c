"""Someone else will call back, promised in new words each time (blind round 20: an insurance
agent promising a supervisor's call): "a manager reaches out to you", "to give you a call",
"our team will get back to you" put off as "will be in touch" does. Written anew."""

from __future__ import annotations

import pytest

from aiconv.platform.speech_acts import acts
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    "text",
    [
        "A team lead reaches out to you this week.",
        "I'll ask a specialist to give you a call about it.",
        "Our billing team will get back to you on this.",
    ],
)
def test_someone_else_calling_back_puts_off(text: str) -> None:
    assert "puts_off" in acts(text)


def test_i_will_get_back_to_you_stays_a_promise_to_look() -> None:
    assert "promises_look" in acts("I will get back to you on this.")


def test_a_callback_promised_again_in_new_words_is_a_loop() -> None:
    history = chat(
        "tenant: The heating in flat 4B has been off for nine days. The landlord's office "
        "promised an engineer on Monday. Nobody came.",
        "office: I'm sorry to hear that. A supervisor will be in touch with you.",
        "tenant: When exactly? I need a day.",
        "office: Of course. I'll have a manager give you a call about the heating.",
        "tenant: Today? Tomorrow? Which manager?",
        "office: Noted. Our maintenance team will get back to you on the repair.",
        "tenant: You keep promising a call. Just give me a date for the engineer.",
        "office: Understood. A senior coordinator reaches out to you about it shortly.",
    )
    assert first_loop(history) is not None
