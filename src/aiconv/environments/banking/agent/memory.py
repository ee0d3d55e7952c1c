"""What the bank agent remembers: the conversation as it was sent (its own lines, the
customer's, its tool calls and their results), and the facts a support agent reads from it.

The agent keeps nothing between turns: every reply is planned from this reading of the request,
as a real agent reads the chat window and its tool panel.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from aiconv.agents.messages import ChatRequest

Kind = Literal["customer", "own", "call"]

_MONTHS = tuple(calendar.month_name[1:])
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_US = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_WORDY = re.compile(r"\b([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_PROPER = r"([A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|de|van|von|da))*\s+[A-Z][\w'’-]+)"
#: A name after words that introduce one, in any case ("I'm Marcus Vasquez", "name: …"); the
#: name itself is capitalised, so "I am sure that is right" names nobody.
_NAME = re.compile(r"(?i:full name is|name is|name's|name:|i am|i'm|this is)\s+" + _PROPER)
#: A name said on its own, as the answer to a question asking for it ("Marcus Vasquez.").
_BARE_NAME = re.compile(r"(?<![\w'’-])" + _PROPER + r"(?![\w'’-])")
#: Capitalised words that start a sentence or a greeting, never a name.
_NOT_NAMES = frozenset(
    {"hi", "hello", "hey", "yes", "no", "sure", "okay", "ok", "please", "thanks", "thank"}
    | {"let", "this", "my", "it", "the", "i", "i'm", "as"}
)
_ZIP = re.compile(r"\b(?:zip|postcode|postal code)\b\D{0,25}?(\d{5})\b", re.IGNORECASE)
_BARE_ZIP = re.compile(r"(?<![\d$.,-])\b(\d{5})\b(?![\d-])")
_LAST4 = re.compile(
    r"\b(?:end(?:s|ing)?(?:\s+in)?|last\s+(?:four|4)(?:\s+digits)?(?:\s+(?:are|is))?:?)\s*"
    r"(\d{4})\b",
    re.IGNORECASE,
)
_AMOUNT = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)")
_YES = re.compile(
    r"^\W*(yes|yeah|yep|sure|ok|okay|alright|please do|please go ahead|go ahead|that's (right|"
    r"correct|fine)|correct|sounds good|absolutely|of course|that works)\b",
    re.IGNORECASE,
)
_NO = re.compile(r"^\W*(no|nope|not really|don't|do not|i'd rather not|never mind)\b", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One entry of the timeline: a customer message, an own message, or an own tool call."""

    index: int
    kind: Kind
    text: str = ""
    tool: str = ""
    arguments: Mapping[str, Any] = field(default_factory=dict)
    result: Any = None
    is_error: bool = False


class Memory:
    """The timeline of one conversation as the agent's request carries it."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items

    @classmethod
    def of(cls, request: ChatRequest) -> Memory:
        """The timeline of ``request`` (the injected topic line is not the customer's)."""
        items: list[Item] = []
        messages = list(request.messages)
        if _topic_first(request):
            messages = messages[1:]  # not the customer's: the topic put before the first line
        results: dict[str, tuple[Any, bool]] = {}
        for message in messages:
            for result in message.tool_results:
                results[result.call_id] = (_parsed(result.content), result.is_error)
        for message in messages:
            if message.role == "user":
                items.append(Item(index=len(items), kind="customer", text=message.content))
            elif message.role == "assistant" and message.tool_calls:
                for call in message.tool_calls:
                    result, is_error = results.get(call.id, (None, True))
                    items.append(
                        Item(
                            index=len(items),
                            kind="call",
                            tool=call.name,
                            arguments=dict(call.arguments),
                            result=result,
                            is_error=is_error,
                        )
                    )
            elif message.role == "assistant" and message.content.strip():
                items.append(Item(index=len(items), kind="own", text=message.content))
        return cls(items)

    def customer(self, after: int = -1) -> list[Item]:
        """The customer's messages after index ``after``."""
        return [i for i in self.items if i.kind == "customer" and i.index > after]

    def own(self) -> list[Item]:
        """The agent's own posted messages."""
        return [i for i in self.items if i.kind == "own"]

    def calls(self, tool: str, *, ok: bool = True, after: int = -1) -> list[Item]:
        """The calls of ``tool`` after index ``after`` (by default only the successful ones)."""
        return [
            i
            for i in self.items
            if i.kind == "call"
            and i.tool == tool
            and i.index > after
            and (not ok or not i.is_error)
        ]

    def said_after(self, index: int) -> bool:
        """Whether the agent posted a message after index ``index``."""
        return any(i.kind == "own" and i.index > index for i in self.items)

    def customer_text(self, after: int = -1, until: int | None = None) -> str:
        """Everything the customer wrote after index ``after`` (and before ``until``)."""
        return "\n".join(i.text for i in self.customer(after) if until is None or i.index < until)

    def answer_to(self, phrase: str, after: int = -1) -> Item | None:
        """The customer's reply to the agent's last message containing ``phrase`` (asked
        after index ``after``)."""
        asked = [i for i in self.own() if i.index > after and phrase.lower() in i.text.lower()]
        if not asked:
            return None
        replies = self.customer(asked[-1].index)
        return replies[0] if replies else None

    def asked(self, phrase: str) -> bool:
        """Whether the agent has asked ``phrase`` (its own wording)."""
        return any(phrase.lower() in i.text.lower() for i in self.own())

    def asked_before(self, index: int, word: str) -> bool:
        """Whether the agent's last message before index ``index`` was a question with
        ``word`` in it."""
        before = [i for i in self.own() if i.index < index]
        return bool(before) and "?" in before[-1].text and word in before[-1].text.lower()


def _topic_first(request: ChatRequest) -> bool:
    """Whether the request opens with the topic rather than a message: nobody has spoken yet,
    or the agent spoke first (then there is one more line than messages posted)."""
    messages = request.messages
    turn = request.context.get("turn")
    if not messages or messages[0].role != "user" or not isinstance(turn, int):
        return False
    if turn == 1:
        return True
    posted = [m for m in messages if m.role != "tool" and not m.tool_calls]
    return messages[0].content == request.context.get("topic") and len(posted) == turn


def _parsed(content: str) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content


def polarity(text: str) -> bool | None:
    """True for a yes, False for a no, None for anything else."""
    if _NO.search(text):
        return False
    if _YES.search(text):
        return True
    return None


def dates_in(text: str) -> list[date]:
    """The dates ``text`` gives (ISO, US ``m/d/yyyy`` or ``March 12, 1984``), in order."""
    found: list[tuple[int, date]] = []
    for match in _ISO.finditer(text):
        found += _date(match.start(), int(match[1]), int(match[2]), int(match[3]))
    for match in _US.finditer(text):
        found += _date(match.start(), int(match[3]), int(match[1]), int(match[2]))
    for match in _WORDY.finditer(text):
        if match[1].capitalize() in _MONTHS:
            month = _MONTHS.index(match[1].capitalize()) + 1
            found += _date(match.start(), int(match[3]), month, int(match[2]))
    return [d for _, d in sorted(found)]


def _date(at: int, year: int, month: int, day: int) -> list[tuple[int, date]]:
    try:
        return [(at, date(year, month, day))]
    except ValueError:
        return []


def full_name_in(text: str) -> str | None:
    """The full name the customer gives ("my full name is Dana Whitfield", "I'm Dana
    Whitfield")."""
    found = _NAME.findall(text)
    return found[-1] if found else None


def bare_name_in(text: str) -> str | None:
    """A full name said on its own ("Let me repeat it: Dana Whitfield."), for an answer to a
    question that asked for the name: the last run of two or more capitalised words whose first
    word does not open a sentence ("Thank You" is no name)."""
    found = [name for name in _BARE_NAME.findall(text) if name.split()[0].lower() not in _NOT_NAMES]
    return found[-1] if found else None


def zip_in(text: str) -> str | None:
    """The ZIP code the customer gives."""
    found = _ZIP.findall(text)
    if found:
        return str(found[-1])
    bare = _BARE_ZIP.findall(_ISO.sub(" ", text))
    return str(bare[-1]) if bare and "$" not in text else None


def last4_in(text: str) -> list[str]:
    """The card endings the customer mentions, in order."""
    return [str(m) for m in _LAST4.findall(text)]


def amounts_in(text: str) -> list[Decimal]:
    """The dollar amounts the customer mentions, in order."""
    return [Decimal(m.replace(",", "")) for m in _AMOUNT.findall(text)]
