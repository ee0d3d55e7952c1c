"""A message turned around: the newest message says the one just before it, from another
participant, back with two of its items traded ("Appena ho le specifiche parto con i test." -
"Appena ho i test parto con le specifiche."), each item a thing both sides named before in the
window. Two agents each waiting for the other: I need your X before my Y, I need your Y before
my X. The same words in the same frame, only the two things exchanged, which have gone round
already. A read-back that moves the call sign to the end ("Speedbird 284, descend 6,000 feet" -
"Descend 6,000 feet, Speedbird 284") trades a name for an instruction said once, not two things
of a size; a counter-proposal said once ("the morning shift for you" - "the evening shift for you")
trades things named for the first time; "you draft and I review" - "I draft and you review"
trades who, not what (a language's verbs change with the person, English's pronouns are no
words of content).
Pure; run by ``loops.detect_loop``; on structure, not on any word list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.text_memo import windowed
from aiconv.platform.wording import features

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W_]+")
"""A word, or one character of the scripts written without spaces (Chinese, Japanese)."""
_SIZES = 1.5
"""How much longer one traded item may be than the other (a call sign for an instruction is
no trade of two things)."""
_PUNCTUATION = 4
"""How many characters longer one text may be than the other it trades the words of."""
_NAMED = 3
"""Earlier messages that must name each traded item (both sides among them)."""


@windowed()
def _tokens(content: str) -> tuple[str, ...]:
    return tuple(token.lower() for token in _TOKEN.findall(content))


def _traded(said: tuple[str, ...], back: tuple[str, ...]) -> tuple[str, str] | None:
    """The two items ``back`` trades of ``said`` (``P X M Y S`` said back as ``P Y M X S``),
    by their longest word, or None."""
    start = 0
    while said[start] == back[start]:
        start += 1
    end = 0
    while said[-1 - end] == back[-1 - end]:
        end += 1
    middle, turned = said[start : len(said) - end], back[start : len(back) - end]
    size = len(middle)
    for x in range(1, size):
        for y in range(1, size - x + 1):
            first, second = middle[:x], middle[size - y :]
            if first != second and turned == second + middle[x : size - y] + first:
                if max(x, y) > _SIZES * min(x, y):
                    continue
                return max(first, key=len), max(second, key=len)
    return None


def turned_around(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest message trades two items of the one before it, both said before (above)."""
    if len(history) < 2 + _NAMED or history[-1].sender == history[-2].sender:
        return None
    if abs(len(history[-1].content) - len(history[-2].content)) > _PUNCTUATION:
        return None  # a trade keeps every word: the texts differ by their punctuation at most
    said, back = _tokens(history[-2].content), _tokens(history[-1].content)
    if len(said) != len(back) or said == back or sorted(said) != sorted(back):
        return None  # the cheap tests first: most messages use other words than the last
    items = _traded(said, back)
    if items is None or not all(features(item).facts for item in items):
        return None  # "you draft and I review" - "I draft and you review": who, not what
    sides = (history[-2].sender, history[-1].sender)
    earlier = [(u.sender, set(_tokens(u.content))) for u in history[:-2]]
    for item in items:
        naming = [sender for sender, words in earlier if item in words]
        if len(naming) < _NAMED or not set(sides) <= set(naming):
            return None
    detail = f"{sides[1]} turns {sides[0]}'s words around: {items[0]} for {items[1]}"
    return make_loop("ping_pong", 1.0, tuple(history[-4:]), detail)
