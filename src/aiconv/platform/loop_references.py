"""Volatile tokens: reference numbers that change every turn while nothing else does.

A stuck agent that opens "ticket 4471982", then "ticket 4472310", then "case CS-88517" looks
as if it brought a new fact each time. A reference counts as news only when another
participant takes it up (reads it back, asks about it); one that nobody else ever mentions in
the window is volatile, and the detectors judge the message as if it were not there. Amounts
("$48,213"), times, short numbers (years, quantities) and model names ("X200") are never
references; but a time of day that moves on a few minutes with each of a sender's messages, as
the clock does, and that nobody else mentions, is the message's own timestamp ("weitergeleitet
(Ticket 88213, 09:14 Uhr)", then "09:16 Uhr"): volatile too. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from aiconv.platform.loop_types import Utterance, WindowAnswers
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


_NONE: frozenset[str] = frozenset()
_CLOCK = re.compile(r"(?<![\d:.,])(?:[01]?\d|2[0-3]):[0-5]\d(?![\d:])")
_TICK = 15
"""Most minutes a timestamp moves on between two messages of its sender."""


@windowed()
def _clock_times(content: str) -> tuple[str, ...]:
    """The times of day ("09:14", "9:16") ``content`` states."""
    return tuple(_CLOCK.findall(content)) if ":" in content else ()


def _minutes(time: str) -> int:
    hours, minutes = time.split(":")
    return 60 * int(hours) + int(minutes)


def _timestamps(history: Sequence[Utterance], sender: str) -> frozenset[str]:
    """The times of ``sender``'s messages when each that has one has exactly one, there are
    two or more, each a few minutes after the one before, and no one else mentions them. A
    time every one of those messages states is no stamp but a fact they repeat, left aside
    ("Status update (2:16 PM): … Estimated restoration: 4:00 PM.", then "(2:17 PM)")."""
    stamped = [_clock_times(u.content) for u in history if u.sender == sender]
    stamped = [t for t in stamped if t]
    if len(stamped) >= 2 and any(len(t) > 1 for t in stamped):
        fixed = frozenset(stamped[0]).intersection(*stamped[1:])
        stamped = [tuple(time for time in t if time not in fixed) for t in stamped]
    times = [t[0] for t in stamped if len(t) == 1]
    if len(times) < 2 or len(times) < sum(map(bool, stamped)):
        return frozenset()
    steps = [_minutes(b) - _minutes(a) for a, b in pairwise(times)]
    if any(not 0 < step <= _TICK for step in steps):
        return frozenset()
    mentioned = {t for u in history if u.sender != sender for t in _clock_times(u.content)}
    return frozenset(times) if mentioned.isdisjoint(times) else frozenset()


#: ``volatile``'s answers for the window last judged, by sender: ``_repeats`` and
#: ``stands_still`` ask it of the same window.
_VOLATILE: WindowAnswers[str, frozenset[str]] = WindowAnswers()


def volatile(history: Sequence[Utterance], sender: str) -> frozenset[str]:
    """The references ``sender`` gave in ``history`` that no other participant mentions, once
    the others have let one of them pass (replied without taking it up): before that, a new
    reference may be the very subject of the message ("and order 48299?"); and its
    ``_timestamps``."""
    answers = _VOLATILE.of(history)
    tokens = answers.get(sender)
    if tokens is None:
        tokens = answers[sender] = _volatile(history, sender)
    return tokens


def _volatile(history: Sequence[Utterance], sender: str) -> frozenset[str]:
    given: list[tuple[int, frozenset[str]]] = []
    taken_up: set[str] = set()
    newest = ""
    for index, message in enumerate(history):
        found = references(message.content)
        if message.sender == sender:
            newest = message.content
            if found:
                given.append((index, found))
        elif found:
            taken_up.update(found)
    # a timestamp only when the sender's newest message states a time (most state none)
    stamps = _timestamps(history, sender) if ":" in newest and _clock_times(newest) else _NONE
    if not given:
        return stamps
    replied = [i for i, u in enumerate(history) if u.sender != sender]
    let_pass = any(found - taken_up and replied and replied[-1] > index for index, found in given)
    own = frozenset().union(*(found for _, found in given))
    return (own - taken_up if let_pass else frozenset()) | stamps


def masked(content: str, tokens: frozenset[str]) -> str:
    """``content`` with the digit runs (or times) in ``tokens`` replaced by "#" (a word nothing
    counts)."""
    if not tokens:
        return content
    return _DIGITS.sub(lambda m: "#" if m.group() in tokens else m.group(), content)


_DIGITS = re.compile(r"(?<!\d)\d{1,2}:\d\d(?!\d)|\d+")
"""A time of day, or a run of digits."""
