"""A generator of realistic synthetic support transcripts with planted structure (no real data).

Every conversation has a planted intent, outcome and customer persona; customers reply after
delays drawn from per-persona log-normal distributions and sometimes double-text. Details carry
fictitious but realistic e-mail addresses (reserved example domains), phone numbers (fictional
ranges), card numbers (test prefixes, valid Luhn digit) and account numbers (IBANs with valid
check digits), so redaction has something to find. ``truth`` records what was planted, for the
tests that check discovery, the timing fit, retrieval and redaction.

    python -m aiconv.learning OUTDIR --conversations 300 --seed 7
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiconv.learning import closings, fictitious, phrases

INTENTS = tuple(phrases.OPENINGS)
OUTCOMES = ("resolved", "escalated", "follow_up", "abandoned")
_OUTCOME_WEIGHTS = (0.45, 0.2, 0.2, 0.15)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlantedPersona:
    """How one kind of customer writes and how fast they answer (log-normal reply delays)."""

    name: str
    share: float
    delay_median_s: float
    delay_sigma: float
    double_text: float


PERSONAS = (
    PlantedPersona(
        name="polite", share=0.4, delay_median_s=45.0, delay_sigma=0.5, double_text=0.05
    ),
    PlantedPersona(name="terse", share=0.35, delay_median_s=12.0, delay_sigma=0.6, double_text=0.4),
    PlantedPersona(
        name="frustrated", share=0.25, delay_median_s=20.0, delay_sigma=0.7, double_text=0.25
    ),
)
AGENT_DELAY = (30.0, 0.5)  # median seconds, sigma
FOLLOW_UP_DELAY = (6.0, 0.5)  # a double text's gap after the customer's own message

#: Distinctive openings planted once each, with a differently worded query that must find them.
NEEDLES = (
    (
        "delivery_delay",
        "The courier left my parcel with the neighbour at number 42 but they moved away last week",
        "parcel left with a neighbour who has moved away",
    ),
    (
        "lost_card",
        "A seagull grabbed my purse on the pier and my debit card was inside it",
        "bird snatched my purse with the card",
    ),
    (
        "refund_request",
        "I sent back the espresso machine with the cracked water tank and the refund never came",
        "refund for returned espresso machine, cracked tank",
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One message: ``customer`` or ``agent``, its text and Unix time."""

    role: str
    text: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SyntheticConversation:
    """A generated conversation and what was planted in it."""

    conversation_id: str
    intent: str
    outcome: str
    persona: str
    lines: tuple[Line, ...]
    pii: tuple[tuple[str, str], ...] = ()
    needle: str | None = None


@dataclass(slots=True, kw_only=True)
class _Person:
    name: str
    email: str
    phone: str
    card: str
    account: str
    order: str
    city: str
    used: list[tuple[str, str]] = field(default_factory=list)


def generate(conversations: int = 300, *, seed: int = 7) -> list[SyntheticConversation]:
    """``conversations`` synthetic transcripts, deterministic for ``seed``."""
    if conversations < 1:
        raise ValueError("conversations must be at least 1")
    rng = random.Random(seed)
    start = datetime(2025, 3, 3, 8, 0, tzinfo=UTC).timestamp()
    made = []
    for index in range(conversations):
        intent = INTENTS[index % len(INTENTS)]
        needle = NEEDLES[index // len(INTENTS)] if index // len(INTENTS) < len(NEEDLES) else None
        opening = needle[1] if needle is not None and needle[0] == intent else None
        at = start + index * 1800 + rng.uniform(0, 1500)
        made.append(_conversation(rng, f"chat-{index + 1:05d}", intent, at, opening))
    return made


def _conversation(
    rng: random.Random, cid: str, intent: str, at: float, opening: str | None
) -> SyntheticConversation:
    outcome = rng.choices(OUTCOMES, weights=_OUTCOME_WEIGHTS)[0]
    persona = rng.choices(PERSONAS, weights=[p.share for p in PERSONAS])[0]
    person = _person(rng)
    script = _Script(rng=rng, persona=persona, person=person, at=at)
    core, reason = rng.choice(phrases.OPENINGS[intent]), rng.choice(phrases.REASONS[intent])
    joined = f"{core} {reason}" if core.endswith(("?", "!")) else f"{core}. {reason}"
    first = opening or joined.rstrip(" .")
    script.customer(first, styled=opening is None)
    script.agent(rng.choice(phrases.HANDLING[intent]))
    script.customer(_fill(rng.choice(phrases.DETAILS[intent]), person), styled=False)
    if rng.random() < 0.5:
        script.agent("Thanks. Let me check that for you, one moment.")
        script.customer(_fill(rng.choice(phrases.DETAILS[intent]), person), styled=False)
    agent_pools, customer_pools = closings.CLOSINGS[outcome]
    script.agent(_compose(rng, agent_pools))
    script.customer(_compose(rng, customer_pools), styled=False, double=False)
    return SyntheticConversation(
        conversation_id=cid,
        intent=intent,
        outcome=outcome,
        persona=persona.name,
        lines=tuple(script.lines),
        pii=tuple(person.used),
        needle=opening,
    )


@dataclass(slots=True, kw_only=True)
class _Script:
    rng: random.Random
    persona: PlantedPersona
    person: _Person
    at: float
    lines: list[Line] = field(default_factory=list)

    def customer(self, text: str, *, styled: bool, double: bool = True) -> None:
        if self.lines:
            self.at += _lognormal(self.rng, self.persona.delay_median_s, self.persona.delay_sigma)
        self.lines.append(
            Line(role="customer", text=_style(self.rng, self.persona, text, styled), at=self.at)
        )
        if double and self.rng.random() < self.persona.double_text:
            self.at += _lognormal(self.rng, *FOLLOW_UP_DELAY)
            self.lines.append(
                Line(role="customer", text=self.rng.choice(phrases.FOLLOW_UPS), at=self.at)
            )

    def agent(self, text: str) -> None:
        self.at += _lognormal(self.rng, *AGENT_DELAY)
        self.lines.append(Line(role="agent", text=text, at=self.at))


def _compose(rng: random.Random, pools: tuple[tuple[str, ...], ...]) -> str:
    return " ".join(part for part in (rng.choice(pool) for pool in pools) if part)


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return round(rng.lognormvariate(math.log(median), sigma), 3)


def _style(rng: random.Random, persona: PlantedPersona, text: str, styled: bool) -> str:
    if not styled:
        return text.lower() if persona.name == "terse" else text
    if persona.name == "polite":
        before, after = rng.choice(phrases.POLITE_WRAPS)
        return f"{before}{text[0].lower()}{text[1:]}{after}"
    if persona.name == "frustrated" and rng.random() < 0.7:
        before, after = rng.choice(phrases.FRUSTRATED_WRAPS)
        return f"{before}{text}{after}"
    if persona.name == "terse":
        return text.split(",")[0].lower().rstrip("?.!")
    return f"{rng.choice(phrases.GREETINGS)}{text}{rng.choice(phrases.SIGN_OFFS)}"


def _person(rng: random.Random) -> _Person:
    first, last = rng.choice(fictitious.FIRST_NAMES), rng.choice(fictitious.LAST_NAMES)
    mailbox = f"{first}.{last}{rng.randrange(10, 99)}"
    return _Person(
        name=f"{first} {last}",
        email=f"{mailbox}@{rng.choice(fictitious.EMAIL_DOMAINS)}".lower(),
        phone=_phone(rng),
        card=_card(rng),
        account=_iban(rng),
        order=f"#{rng.randrange(100000, 999999)}",
        city=rng.choice(fictitious.CITIES),
    )


def _fill(template: str, person: _Person) -> str:
    for kind in ("name", "email", "phone", "card", "account"):
        value = getattr(person, kind)
        if "{" + kind + "}" in template:
            person.used.append((kind, value))
    return template.format(
        name=person.name,
        email=person.email,
        phone=person.phone,
        card=person.card,
        account=person.account,
        order=person.order,
        city=person.city,
    )


def _phone(rng: random.Random) -> str:
    """A number from ranges reserved for fiction (US 555-01xx, UK 07700 900xxx, London 7946 0)."""
    kind = rng.randrange(3)
    if kind == 0:
        return f"+1 ({rng.randrange(200, 999)}) 555-01{rng.randrange(100):02d}"
    if kind == 1:
        return f"07700 900{rng.randrange(1000):03d}"
    return f"+44 20 7946 0{rng.randrange(1000):03d}"


def luhn_digit(digits: str) -> str:
    """The Luhn check digit that completes ``digits``."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def _card(rng: random.Random) -> str:
    prefix = rng.choice(fictitious.CARD_PREFIXES)
    length = 15 if prefix.startswith("37") else 16
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    number = body + luhn_digit(body)
    if length == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return " ".join(number[i : i + 4] for i in range(0, 16, 4))


def _iban(rng: random.Random) -> str:
    """A UK-format IBAN with valid check digits."""
    bank = rng.choice(("WEST", "NWBK", "MIDL"))
    bban = bank + "".join(str(rng.randrange(10)) for _ in range(14))
    numeric = "".join(str(int(c, 36)) for c in bban + "GB00")
    check = 98 - int(numeric) % 97
    iban = f"GB{check:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
