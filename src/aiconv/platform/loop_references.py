"""Volatile tokens: reference numbers that change every turn while nothing else does.

A stuck agent that opens "ticket 4471982", then "ticket 4472310", then "case CS-88517" looks
as if it brought a new fact each time. A reference counts as news only when another
participant takes it up (reads it back, asks about it); one that nobody else ever mentions in
the window is volatile, and the detectors judge the message as if it were not there. Amounts
("$48,213"), times, short numbers (years, quantities) and model names ("X200") are never
references. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiconv.platform.loop_types import Utterance
from aiconv.platform.text_memo import windowed

_REFERENCE = re.compile(
    r"(?:#(\d{3,})|\b[A-Za-z]{1,6}-?(\d{4,}))\b(?![.,:/]\d)|"  # "#447", "CS-88213", "REF2207"
    r"(?<![\d.,:/$€£#-])\b(\d{5,})\b(?![.,:/]\d)"  # "4471982", not "48,213" or "10:30"
)

_DIGIT = re.compile(r"\d")


@windowed()
def references(content: str) -> frozenset[str]:
    """The digit runs of ``content`` that look like reference numbers (see the docstring)."""
    if not _DIGIT.search(content):
        return frozenset()
    return frozenset(next(filter(None, groups)) for groups in _REFERENCE.findall(content))


def volatile(history: Sequence[Utterance], sender: str) -> frozenset[str]:
    """The references ``sender`` gave in ``history`` that no other participant mentions, once
    the others have let one of them pass (replied without taking it up): before that, a new
    reference may be the very subject of the message ("and order 48299?")."""
    given: list[tuple[int, frozenset[str]]] = []
    taken_up: set[str] = set()
    for index, message in enumerate(history):
        found = references(message.content)
        if found and message.sender == sender:
            given.append((index, found))
        elif found:
            taken_up.update(found)
    if not given:
        return frozenset()
    replied = [i for i, u in enumerate(history) if u.sender != sender]
    let_pass = any(found - taken_up and replied and replied[-1] > index for index, found in given)
    own = frozenset().union(*(found for _, found in given))
    return own - taken_up if let_pass else frozenset()


def masked(content: str, tokens: frozenset[str]) -> str:
    """``content`` with the digit runs in ``tokens`` replaced by "#" (a word nothing counts)."""
    if not tokens:
        return content
    return re.sub(r"\d+", lambda m: "#" if m.group() in tokens else m.group(), content)
