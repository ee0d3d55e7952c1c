"""The ``heldout`` family's loops, in the settings of ``heldout_healthy``: a stuck
verification, a frozen negotiation, an answer echoed back, pleasantries after a booking, a
read-back on repeat.
"""

from __future__ import annotations

import random

from aiconv.testing.corpus.draft import Draft, Template, draft, pick
from aiconv.testing.corpus.heldout_healthy import GUESTS, MONTHS, ROOMS, TRIVIA

_DIGIT_ASKS = (
    "Please tell me the last four digits of the card on the account.",
    "Could you give me the last four digits of your registered card?",
    "For security, what are the final four digits of the card we hold for you?",
    "I need the last four digits of the card linked to this account, please.",
)


def verification_stuck(rng: random.Random) -> Draft:
    digits = f"{rng.randint(0, 9999):04d}"
    ask = pick(rng, _DIGIT_ASKS)
    sorry = pick(rng, ("Sorry, I didn't catch that.", "I'm afraid that didn't register."))
    return draft(
        "loop:repetition",
        "verification agent asks for the same digits after every answer",
        ("agent", ask),
        ("caller", f"{digits}."),
        ("agent", f"{sorry} {ask}"),
        ("caller", f"{' '.join(digits)}. {digits}."),
        ("agent", f"{sorry} {ask}"),
    )


def rent_frozen(rng: random.Random) -> Draft:
    asking = rng.randrange(1400, 2400, 50)
    offer = asking - rng.randrange(150, 300, 50)
    return draft(
        "loop:ping_pong",
        "rent negotiation where neither side moves",
        ("tenant", f"My offer stands at {offer} a month for the flat, that's my limit."),
        ("landlord", f"The rent is {asking} a month for the flat, I won't go lower."),
        ("tenant", f"Like I said, {offer} a month for the flat is my limit."),
        ("landlord", f"Like I said, {asking} a month for the flat, no lower."),
        ("tenant", f"{offer} a month is my limit for the flat, I can't do more."),
    )


def quiz_echo(rng: random.Random) -> Draft:
    (question, answer) = pick(rng, TRIVIA)
    return draft(
        "loop:echo",
        "quiz host copies the contestant's answer as its next message",
        ("host", f"Question one: {question}"),
        ("contestant", f"I'm fairly sure {answer[0].lower()}{answer[1:]}, final answer."),
        ("host", f"I'm fairly sure {answer[0].lower()}{answer[1:]}, final answer."),
        ("contestant", "Is that a yes? Did I get it right?"),
    )


def booking_pleasantries(rng: random.Random) -> Draft:
    code = f"H{rng.randint(10000, 99999)}"
    return draft(
        "loop:collapse",
        "two booking agents trading thanks after the booking is done",
        ("reception", f"All set, your booking {code} is confirmed."),
        ("guest", "Wonderful, thank you!"),
        ("reception", pick(rng, ("My pleasure!", "You're very welcome!"))),
        ("guest", pick(rng, ("Thanks again!", "Really, thank you!"))),
        ("reception", pick(rng, ("Anytime!", "Happy to help!"))),
        ("guest", "Thanks!"),
    )


def readback_on_repeat(rng: random.Random) -> Draft:
    guest, month, day = pick(rng, GUESTS), pick(rng, MONTHS), rng.randint(2, 26)
    line = (
        f"Just to confirm, that's {pick(rng, ROOMS)} for {guest}, arriving {day} {month}. "
        "Is everything correct?"
    )
    return draft(
        "loop:repetition",
        "the read-back is repeated after every confirmation",
        ("guest", f"Please book it under {guest}, arriving {day} {month}."),
        ("reception", line),
        ("guest", "Yes, everything is correct."),
        ("reception", line),
        ("guest", "Yes! As I said, it's all correct."),
        ("reception", line),
    )


TEMPLATES: tuple[Template, ...] = (
    verification_stuck,
    rent_frozen,
    quiz_echo,
    booking_pleasantries,
    readback_on_repeat,
)
