"""``speech_acts.acts`` tries its patterns only where a wording can start: the first words it
lists must cover every wording of ``_ACTS`` (derived here from the parsed patterns), and the
result must be what a scan of every position (``finditer``) finds."""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse  # private, but only this test reads it
from typing import Any

import pytest

from aiconv.platform import speech_acts
from aiconv.platform.speech_acts import _ANY_ACT, _FIRST_PREFIXES, _FIRST_WORDS, acts

pytestmark = pytest.mark.timeout(60)

State = tuple[str, str]
"""(the word read so far, "open" | "closed" | "prefix" | "anchored")."""


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _step(state: State, op: Any, av: Any, bounded: bool) -> set[State] | None:
    """The states after one item of a pattern, or None when the item is a group to walk."""
    word, _ = state
    if op is sre.AT:
        if av is sre.AT_BEGINNING and not word:
            return {("", "anchored")}
        return {(word, "closed" if word and av is sre.AT_BOUNDARY else "open")}
    if op is sre.LITERAL and _is_word(chr(av)):
        assert word or bounded, f"a wording starts with {chr(av)!r} without a \\b"
        return {(word + chr(av), "open")}
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return {state}
    if op in (sre.SUBPATTERN, sre.BRANCH) or (op is sre.MAX_REPEAT and av[1] == 1):
        return None
    assert word, f"a wording starts with {op} {av}: no first word"
    return {(word, "closed" if op is sre.LITERAL else "prefix")}


def _walk(states: set[State], items: list[Any], bounded: bool = False) -> set[State]:
    for op, av in items:
        done = {s for s in states if s[1] != "open"}
        opened = {s for s in states if s[1] == "open"}
        if not opened:
            return states
        bounded = bounded or (op is sre.AT and av is sre.AT_BOUNDARY)
        states = set(done)
        for state in opened:
            stepped = _step(state, op, av, bounded)
            if stepped is not None:
                states |= stepped
            elif op is sre.SUBPATTERN:
                states |= _walk({state}, av[-1].data, bounded)
            elif op is sre.BRANCH:
                states |= set().union(*(_walk({state}, alt.data, bounded) for alt in av[1]))
            else:  # an optional group: without it, or once
                states |= {state} if av[0] == 0 else set()
                states |= _walk({state}, av[2].data, bounded)
    return states


@pytest.mark.parametrize(
    ("pattern", "words", "starts"),
    [
        (_ANY_ACT, _FIRST_WORDS, _FIRST_PREFIXES),
        (speech_acts._OTHER_ACT, speech_acts._OTHER_FIRST_WORDS, speech_acts._OTHER_PREFIXES),
    ],
    ids=["english-and-added", "other-languages"],
)
def test_the_listed_first_words_cover_every_wording(
    pattern: re.Pattern[str], words: frozenset[str], starts: tuple[str, ...]
) -> None:
    walked = _walk({("", "open")}, sre_parse.parse(pattern.pattern).data)
    derived = {(word, "prefix" if kind == "open" else kind) for word, kind in walked}
    assert {w for w, kind in derived if kind == "closed"} <= words
    prefixes = {w for w, kind in derived if kind == "prefix"}
    assert all(p.startswith(starts) for p in prefixes)


def test_acts_finds_what_a_scan_of_every_position_finds() -> None:
    texts = [
        "So you're saying it can't be done? I can't, and it's frustrating; overall, soon.",
        "I'm not able to share that. Frustratingly, non-refundable. Anything else?",
        "  so, you want me to wait? Once I have the file, I'll review it. Lamentablemente no.",
        "Which format do you need, and can you confirm who you are?",
        "Is that possible? It isn't possible: consult a lawyer, or talk to your doctor.",
        "Nobody knows; no one can say. Hard to say: it depends on the weather.",
    ]
    for text in texts:
        lowered = text.lower()
        expected = frozenset(str(m.lastgroup) for m in _ANY_ACT.finditer(lowered))
        assert acts(text) == expected, text
    assert len(speech_acts._ACTS) == len(_ANY_ACT.groupindex)
