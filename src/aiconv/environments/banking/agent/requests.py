"""What the customer is asking for: requests read from the messages that raise them.

A customer message raises requests when it opens the conversation or answers "anything else?"
/ "how can I help?" (or follows a message that asked nothing); a message that answers a
question (a name, "yes", an address) raises nothing, so answering never starts a request over.
Several requests in one message keep the order they were mentioned in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from aiconv.environments.banking.agent.memory import Item, Memory

_CARD = r"(?:card|wallet|purse)"
#: (kind, pattern) in order of precedence; see ``_EXCLUDES`` for kinds that rule others out.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE | re.DOTALL))
    for kind, pattern in (
        ("bereavement", r"\b(passed away|died|deceased|death of|bereave\w*)\b"),
        (
            "third_party",
            r"\b(?:calling|phoning|here|asking) (?:for|on behalf of) (?:my|a) "
            r"\w+|\bon behalf of\b|\b(?:her|his|their) (?:\w+ )?(?:account|card|balance)\b",
        ),
        (
            "fraud",
            r"\b(?:didn'?t|did not|never) (?:make|authori[sz]e)\b|\b(?:don'?t|do not) "
            r"recogni[sz]e\b|\bunauthori[sz]ed\b|\b(?:wasn'?t|weren'?t) me\b|\bthie(?:f|ves)\b",
        ),
        ("found", r"\bfound (?:my|the|it)\b|\bturned up\b|\bfound it\b"),
        (
            "status",
            r"\bwhere(?: is|'s) (?:my|the) (?:new|replacement) card\b|\b(?:new|"
            r"replacement) (?:\w+ )?card\b.{0,80}\b(?:arrive|arrived|status|track|on its way|"
            r"where it is)\b",
        ),
        (
            "card",
            rf"\b(?:lost|misplaced|can'?t find|cannot find|stolen|taken|pickpocket\w*|"
            rf"damaged|broken|snapped|cracked|stopped working|chip (?:isn'?t|is not|"
            rf"doesn'?t|does not) work)\b.{{0,60}}{_CARD}|{_CARD}\b.{{0,60}}\b(?:lost|"
            rf"stolen|damaged|broken|snapped|cracked|stopped working|not working|"
            rf"no longer works?)\b",
        ),
        (
            "dispute",
            r"\bdisputed?\b|\bcharged me\b|\bcharged (?:me )?twice\b|\bdouble[- ]charged\b|"
            r"\bduplicate\b|\bi cancell?ed\b|"
            r"\bovercharged\b|\bwrong amount\b|\binstead of \$|\bnever (?:arrived|came|"
            r"received)\b|\b(?:didn'?t|did not) (?:receive|arrive|get)\b|\bcancell?ed "
            r"(?:my|the|that|it)\b",
        ),
        (
            "balance",
            r"\bbalances?\b|\bhow much (?:money )?(?:do i have|is (?:there )?in|"
            r"have i got|(?:do )?i owe)\b",
        ),
        (
            "transactions",
            r"\b(?:last|latest|recent|most recent) (?:payment|purchase|charge|"
            r"transaction)s?\b|\bhow much (?:was|did i (?:pay|spend))\b|"
            r"\bpending\b|\bnot showing\b|\bdoesn'?t show\b|\bgone through\b",
        ),
        ("lending", r"\b(?:loan|mortgage|credit limit|borrow)\b"),
        ("close", r"\bclos(?:e|ing) (?:my|the|a|an|this) (?:\w+ )?account\b"),
        (
            "address",
            r"\b(?:change|update) (?:my|the) (?:home |delivery |postal )?address\b|"
            r"\bmoved house\b",
        ),
        ("complaint", r"\b(?:complain|complaint|rude)\b"),
        (
            "human",
            r"\b(?:speak|talk|chat) (?:to|with) (?:a |an )?(?:human|person|real person|"
            r"someone|manager|representative)\b|\breal person\b",
        ),
        (
            "out_of_scope",
            r"\b(?:invest\w*|stocks?|shares|crypto\w*|bitcoin|tax advice|"
            r"legal advice|funds? should i)\b",
        ),
    )
)
#: A kind found in a message rules out these kinds in the same message.
_EXCLUDES = {
    "bereavement": {"third_party", "close", "balance"},
    "fraud": {"card", "dispute", "transactions"},
    "found": {"card"},
    "status": {"dispute", "card"},
    "dispute": {"transactions"},
    "third_party": {"balance", "transactions", "card", "dispute"},
}
#: An own message ending like this invites a new request.
_INVITES = re.compile(
    r"(anything else|how can i help|what can i do for you|how may i help)[^?]*\?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """One thing the customer asked for, and the message that asked."""

    kind: str
    at: int
    text: str
    #: Where the next request-raising message starts (None: this is the newest).
    until: int | None = None

    def scope(self, memory: Memory) -> str:
        """What the customer said about this request: its message and the answers after it."""
        return memory.customer_text(self.at - 1, self.until)


def requests_of(memory: Memory) -> list[Request]:
    """The customer's requests, in the order they were raised."""
    raising = [item for item in memory.customer() if is_raising(memory, item)]
    found: list[Request] = []
    for number, item in enumerate(raising):
        until = raising[number + 1].index if number + 1 < len(raising) else None
        found += [replace(r, until=until) for r in kinds_of(item)]
    return found


def is_raising(memory: Memory, item: Item) -> bool:
    """Whether customer message ``item`` may raise requests (not an answer to a question)."""
    before = [i for i in memory.own() if i.index < item.index]
    if not before:
        return True
    last = before[-1].text.strip()
    return bool(_INVITES.search(last)) or "?" not in last


def kinds_of(item: Item) -> list[Request]:
    """The requests one customer message raises."""
    hits = []
    for kind, pattern in PATTERNS:
        match = pattern.search(item.text)
        if match:
            hits.append((match.start(), kind))
    kinds = {kind for _, kind in hits}
    excluded = set().union(*(_EXCLUDES.get(k, set()) for k in kinds))
    return [
        Request(kind=kind, at=item.index, text=item.text)
        for _, kind in sorted(hits)
        if kind not in excluded
    ]
