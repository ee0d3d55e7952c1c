"""The ``train`` family's hard positives: loops in settings that usually make progress (a form
re-asking, a quiz re-asking, a frozen negotiation, a review that never converges, a read-back
on repeat, a translator that parrots, an agreement restated, thanks that never end).
"""

from __future__ import annotations

import random

from aiconv.testing.corpus.draft import Draft, Template, draft, pick, some
from aiconv.testing.corpus.train_learning import FACTS
from aiconv.testing.corpus.train_making import FUNCTIONS, SENTENCES
from aiconv.testing.corpus.train_service import PEOPLE


def form_reasks(rng: random.Random) -> Draft:
    field = pick(rng, ("policy number", "membership number", "customer id", "order number"))
    ask = pick(
        rng,
        (
            "Please provide your {} so I can continue.",
            "I need your {} before we can go any further.",
            "To continue, please enter your {}.",
        ),
    )
    value = f"{rng.randint(100000, 999999)}"
    return draft(
        "loop:repetition",
        "form bot asks for the same field after it was given",
        ("bot", ask.format(field)),
        ("user", f"My {field} is {value}."),
        ("bot", ask.format(field)),
        ("user", f"I just gave it to you: {value}."),
        ("bot", ask.format(field)),
    )


def quiz_reasks(rng: random.Random) -> Draft:
    ((question, answer, _),) = some(rng, FACTS, 1)
    line = f"{pick(rng, ('Question 2:', 'Next question:', 'Here we go:'))} {question}"
    return draft(
        "loop:repetition",
        "quiz bot re-asks a question that was just answered",
        ("quizmaster", line),
        ("player", f"{answer}."),
        ("quizmaster", line),
        ("player", f"I answered that already. {answer}."),
        ("quizmaster", line),
    )


def negotiation_frozen(rng: random.Random) -> Draft:
    low, high = rng.randrange(200, 400, 10), rng.randrange(450, 700, 10)
    thing = pick(rng, ("the design work", "the annual maintenance", "the catering", "the audit"))
    return draft(
        "loop:ping_pong",
        "negotiation where both sides restate their price",
        ("client", f"We can pay {low} a day for {thing}, and that is our budget limit."),
        ("agency", f"Our day rate for {thing} is {high}; we can't discount it further."),
        ("client", f"Our budget limit is {low} a day for {thing}, we can't pay more."),
        ("agency", f"We can't discount {thing} further, our day rate is {high}."),
        ("client", f"As we said, {low} a day is the budget limit for {thing}."),
    )


def review_never_converges(rng: random.Random) -> Draft:
    function = pick(rng, FUNCTIONS)
    issue = pick(
        rng,
        (
            "still swallows the timeout error",
            "still writes to the log in clear",
            "still ignores the retry limit",
            "still returns None on failure",
        ),
    )
    return draft(
        "loop:repetition",
        "author claims a fix each round, the reviewer posts the same finding again",
        ("reviewer", f"{function} {issue.removeprefix('still ')}; please fix it before merge."),
        ("author", f"Fixed {function} as you asked, please re-review."),
        ("reviewer", f"{function} {issue}; please fix it before merge."),
        ("author", f"I fixed {function} as you asked, re-review please."),
        ("reviewer", f"No, {function} {issue}; fix it before merge, please."),
    )


def readback_repeats(rng: random.Random) -> Draft:
    person = pick(rng, PEOPLE)
    time = f"{rng.randint(8, 17)}:{pick(rng, ('00', '15', '30', '45'))}"
    day = pick(rng, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"))
    line = f"To confirm: an appointment for {person} on {day} at {time}. Is that correct?"
    return draft(
        "loop:repetition",
        "booking bot reads the same appointment back after every yes",
        ("patient", f"I'd like an appointment on {day} at {time}, please, for {person}."),
        ("bot", line),
        ("patient", "Yes."),
        ("bot", line),
        ("patient", pick(rng, ("Yes, correct!", "Yes, I said yes."))),
        ("bot", line),
    )


def translator_parrots(rng: random.Random) -> Draft:
    english = pick(rng, SENTENCES)[0]
    return draft(
        "loop:echo",
        "translator returns the English source instead of translating",
        ("manager", pick(rng, ("Into French:", "Translate to French:")) + f" {english}"),
        ("translator", english),
        ("manager", "That's the English again. I need it in French."),
        ("translator", "That's the English again. I need it in French."),
    )


def agreement_restated(rng: random.Random) -> Draft:
    units, price, weeks = rng.randrange(500, 5000, 100), rng.randint(20, 90), rng.randint(3, 9)
    item = pick(rng, ("desks", "monitors", "uniforms", "helmets"))
    return draft(
        "loop:paraphrase",
        "two agents confirm the same agreed terms over and over",
        (
            "buyer",
            f"Great, so we're agreed on {units} {item} at {price} each within {weeks} weeks.",
        ),
        (
            "seller",
            f"Yes, agreed: {units} {item}, {price} per unit, delivered within {weeks} weeks.",
        ),
        (
            "buyer",
            f"Perfect, {units} {item} at {price} per unit and delivery within {weeks} weeks.",
        ),
        (
            "seller",
            f"Confirmed, {price} each for {units} {item}, with delivery within {weeks} weeks.",
        ),
        (
            "buyer",
            f"Wonderful, then it's {units} {item} at {price} each, delivered in {weeks} weeks.",
        ),
    )


def thanks_never_end(rng: random.Random) -> Draft:
    thanks = ("Thanks so much!", "Thank you!", "Thanks again!", "Really appreciate it!")
    replies = ("You're welcome!", "Anytime!", "My pleasure!", "Happy to help!")
    opening = pick(
        rng,
        (
            "Your refund is on its way.",
            "The engineer is booked for Monday.",
            "Your new card will arrive in three days.",
        ),
    )
    messages = [("agent", opening)]
    for thank, reply in zip(some(rng, thanks, 3), some(rng, replies, 3), strict=True):
        messages += [("customer", thank), ("agent", reply)]
    return draft("loop:collapse", "customer and agent trade thanks after the fix", *messages[:6])


def hint_reworded(rng: random.Random) -> Draft:
    a, b = rng.randint(2, 9), rng.randint(10, 40)
    hints = (
        f"To solve {a}x = {b}, divide both sides of the equation by {a} so that x stands alone.",
        f"Divide both sides by {a}; then x stands alone on one side of the equation {a}x = {b}.",
        f"In {a}x = {b}, x stands alone once you divide both sides of the equation by {a}.",
        f"Remember: divide both sides of {a}x = {b} by {a} and x stands alone.",
    )
    stuck = ("I don't get it.", "Still confused.", "What do you mean?")
    messages: list[tuple[str, str]] = []
    for hint, reply in zip(hints, (*stuck, ""), strict=True):
        messages.append(("tutor", hint))
        if reply:
            messages.append(("student", reply))
    return draft(
        "loop:paraphrase", "tutor rewords one hint while the student stays stuck", *messages
    )


TEMPLATES: tuple[Template, ...] = (
    form_reasks,
    quiz_reasks,
    negotiation_frozen,
    review_never_converges,
    readback_repeats,
    translator_parrots,
    agreement_restated,
    thanks_never_end,
    hint_reworded,
)
