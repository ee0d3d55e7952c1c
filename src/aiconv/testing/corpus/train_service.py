"""``train`` hard negatives, service: forms, read-backs, verification, troubleshooting,
surveys, negotiation and language drills, where templated lines recur with new values.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from aiconv.testing.corpus.draft import Draft, Template, draft, pick, some

PEOPLE = (
    "Maria Lopez",
    "Tom Becker",
    "Aisha Khan",
    "Lars Nilsson",
    "Chen Wei",
    "Nora Quinn",
    "Samuel Adeyemi",
    "Ines Duarte",
)
_FIELDS: tuple[tuple[str, Callable[[random.Random], str]], ...] = (
    (
        "date of birth",
        lambda r: f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(1950, 2004)}",
    ),
    (
        "postcode",
        lambda r: (
            f"{pick(r, ('N', 'SE', 'LS', 'M', 'BS'))}{r.randint(1, 20)} "
            f"{r.randint(1, 9)}{pick(r, ('AB', 'QT', 'RX', 'HW', 'JD'))}"
        ),
    ),
    ("phone number", lambda r: f"07700 {r.randint(900000, 900999)}"),
    ("employer", lambda r: pick(r, ("Hallam Logistics", "City Council", "Brightwave Ltd"))),
    ("annual income", lambda r: f"{r.randrange(18000, 90000, 500):,} pounds"),
    ("number of dependants", lambda r: str(r.randint(0, 4))),
)
_PROMPTS = (
    "Thanks{name}. Please enter your {field}.",
    "Got it{name}. What's your {field}?",
    "Thank you{name}. Next, your {field}, please.",
)


def form_fields(rng: random.Random) -> Draft:
    person = pick(rng, PEOPLE)
    first = f", {person.split()[0]}"
    prompt = pick(rng, _PROMPTS)
    messages = [("bot", "Let's start your application. What's your full name?"), ("user", person)]
    for field, value in some(rng, _FIELDS, 5):
        messages.append(("bot", prompt.format(name=first, field=field)))
        messages.append(("user", value(rng)))
    return draft("healthy", "form bot with one templated prompt per field", *messages)


def card_readback(rng: random.Random) -> Draft:
    last4, amount = (
        f"{rng.randint(0, 9999):04d}",
        f"{rng.randint(20, 400)}.{rng.randint(0, 99):02d}",
    )
    brand = pick(rng, ("Visa", "Mastercard", "Amex"))
    expiry = f"{rng.randint(1, 12):02d}/{rng.randint(26, 31)}"
    check = pick(rng, ("correct?", "is that right?", "have I got that right?"))
    return draft(
        "healthy",
        "card payment with read-backs of each detail",
        ("agent", f"The balance is {amount}. Which card would you like to pay with?"),
        ("customer", f"My {brand}, the one ending {last4}."),
        ("agent", f"So that's the {brand} card ending {last4}, {check}"),
        ("customer", f"Yes, ending {last4}."),
        ("agent", "And the expiry date?"),
        ("customer", expiry),
        ("agent", f"Expiry {expiry}, {check}"),
        ("customer", "Correct."),
        (
            "agent",
            f"Thank you. {amount} has been taken from the {brand} ending {last4}; "
            f"your receipt number is {rng.randint(100000, 999999)}.",
        ),
    )


_SECURITY = (
    ("the name of your first school", ("St Anne's Primary", "Hillside Juniors", "Oakfield")),
    ("your mother's maiden name", ("Fitzgerald", "Okafor", "Lindqvist")),
    ("the town you were born in", ("Hull", "Dundee", "Cork")),
    ("the amount of your last payment", ("45 pounds 20", "112 pounds", "19.99")),
    ("the month you opened the account", ("March 2015", "June 2019", "October 2008")),
    ("the last four digits of your debit card", ("8830", "1407", "5562")),
)


def security_questions(rng: random.Random) -> Draft:
    ack = pick(
        rng, ("Thank you, that's verified.", "Thanks, that matches.", "Great, that's right.")
    )
    messages: list[tuple[str, str]] = []
    for question, answers in some(rng, _SECURITY, 3):
        lead = f"{ack} " if messages else "Before we go on, I need to verify you. "
        messages.append(("agent", f"{lead}Could you tell me {question}?"))
        messages.append(("customer", f"It's {pick(rng, answers)}."))
    messages.append(("agent", f"{ack} You're fully verified now. What can I help with?"))
    messages.append(
        (
            "customer",
            "I'd like to order a new card, mine is "
            + pick(rng, ("bent", "worn out", "lost", "not reading at tills"))
            + ".",
        )
    )
    return draft(
        "healthy", "verification: the same acknowledgement before every question", *messages
    )


_ORDERS = (
    "cheeseburger",
    "veggie wrap",
    "chicken salad",
    "portion of fries",
    "side salad",
    "chocolate shake",
    "lemon iced tea",
    "cinnamon doughnut",
    "fish sandwich",
)


def order_correction(rng: random.Random) -> Draft:
    items = some(rng, _ORDERS, 5)
    first, fixed = items[:3], [items[0], items[1], items[3]]

    def listed(chosen: list[str]) -> str:
        return f"one {chosen[0]}, one {chosen[1]} and one {chosen[2]}"

    frame = pick(
        rng,
        (
            "Let me read that back: {}. Is that right?",
            "So that's {}. Correct?",
            "I have {}. Anything to change?",
        ),
    )
    return draft(
        "healthy",
        "drive-through order read back, changed, read back again",
        ("customer", f"Hi, can I get a {first[0]}, a {first[1]} and a {first[2]}?"),
        ("staff", frame.format(listed(first))),
        ("customer", f"Actually, swap the {first[2]} for a {items[3]}."),
        ("staff", frame.format(listed(fixed))),
        ("customer", "Yes, that's it."),
        (
            "staff",
            f"That's {rng.randint(9, 24)}.{rng.choice(('20', '45', '90'))} at the next "
            "window, please.",
        ),
    )


def troubleshoot_status(rng: random.Random) -> Draft:
    light = pick(rng, ("flashing red", "solid amber", "off"))
    steps = some(
        rng,
        (
            "switch the router off at the wall, wait a minute and switch it back on",
            "check the cable from the wall socket is firmly in the port marked DSL",
            "press the reset button on the back for ten seconds with a paperclip",
            "try the spare filter that came in the box between the socket and the router",
            "plug the router into the master socket by the front door instead",
        ),
        3,
    )
    statuses = ("Still {}.", "No change, still {}.", "It's still {}, sorry.", "Same, {}.")
    messages = [("customer", f"My internet is down and the light on the router is {light}.")]
    for step, status in zip(steps, some(rng, statuses, 3), strict=True):
        messages.append(("support", f"Let's try this: {step}."))
        messages.append(("customer", status.format(light)))
    messages.append(
        (
            "support",
            "Thanks for trying those. The line test shows a fault outside "
            "your home, so I've booked an engineer for "
            + pick(rng, ("Monday", "Tuesday", "Friday"))
            + " morning.",
        )
    )
    return draft(
        "healthy", "troubleshooting: the customer reports the same status each time", *messages
    )


_ASPECTS = (
    "the speed of delivery",
    "the packaging",
    "the product quality",
    "the price",
    "our customer service",
    "the ease of ordering",
    "the returns process",
)


def survey_stem(rng: random.Random) -> Draft:
    stem = pick(
        rng,
        (
            "On a scale of 1 to 10, how would you rate {}?",
            "From 1 to 5, how happy were you with {}?",
        ),
    )
    messages: list[tuple[str, str]] = []
    for aspect in some(rng, _ASPECTS, 5):
        messages.append(("survey", stem.format(aspect)))
        messages.append(
            (
                "customer",
                f"{rng.randint(2, 9)}"
                + pick(rng, ("", ", it was fine.", ", could be better.", "!")),
            )
        )
    return draft("healthy", "survey: one question stem for every aspect", *messages)


def counter_offers(rng: random.Random) -> Draft:
    low, high = rng.randint(30, 60), 0
    high = low + rng.randint(12, 20)
    units, weeks = rng.randrange(500, 5000, 250), rng.randint(4, 10)
    item = pick(rng, ("office chairs", "laptops", "solar panels", "pallets of paper"))
    lines = [("buyer", f"Proposal: {units} {item} at {low} each, delivery in {weeks} weeks.")]
    for round_ in range(4):
        if round_ % 2 == 0:
            high -= rng.randint(2, 4)
            side, terms = "seller", f"{units} {item} at {high} each, delivery in {weeks + 1} weeks"
        else:
            low += rng.randint(2, 4)
            units += 250
            side, terms = "buyer", f"{units} {item} at {low} each, delivery in {weeks} weeks"
        lines.append((side, f"Counter-proposal: {terms}."))
    middle = (low + high) // 2
    lines.append(("seller", f"Let's meet at {middle}: {units} {item}, delivery in {weeks} weeks."))
    lines.append(("buyer", f"Agreed at {middle} each. Please send the contract."))
    return draft("healthy", "negotiation: counter-proposals in one frame, numbers moving", *lines)


_DRILL = (
    "Ich hätte gern ein Glas Wasser, bitte.",
    "Wo ist die nächste U-Bahn-Station?",
    "Können Sie mir bitte helfen?",
    "Ich komme aus Kanada und wohne in Wien.",
    "Wie viel kostet das Ticket nach Salzburg?",
    "Entschuldigung, ich habe mich verlaufen.",
)


def repeat_after_me(rng: random.Random) -> Draft:
    messages: list[tuple[str, str]] = []
    praise = ""
    for sentence in some(rng, _DRILL, 3):
        cue = pick(rng, ("Repeat after me: {}", "Say it after me: {}", "Now repeat: {}"))
        messages.append(("teacher", praise + cue.format(sentence)))
        messages.append(("student", sentence))
        praise = pick(rng, ("Sehr gut! ", "Good, nice rhythm. ", "Almost, stress it more. "))
    messages.append(("teacher", praise + "That's the set for today."))
    return draft("healthy", "language drill: the student repeats each sentence as asked", *messages)


TEMPLATES: tuple[Template, ...] = (
    form_fields,
    card_readback,
    security_questions,
    order_correction,
    troubleshoot_status,
    survey_stem,
    counter_offers,
    repeat_after_me,
)
