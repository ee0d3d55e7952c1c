"""Pre-screens of the lexicon's patterns: a text without any of the listed words is not
searched, so every wording of the pattern must contain one (checked on the parsed pattern)."""

from __future__ import annotations

import json
import re
import re._constants as sre
import re._parser as sre_parse  # private, but only this test reads it
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiconv.platform import wording
from aiconv.platform.lexicon import (
    ASKS_REPEAT,
    COMPLAINS_REPEAT,
    COMPLAINS_REPEAT_WORDS,
    CUES,
    INVITES_ECHO,
    NEGATED,
    QUOTE_MARK,
    has_quote_mark,
)

pytestmark = pytest.mark.timeout(60)

_DATA = Path(__file__).resolve().parent.parent / "data"

_ANY = "\0"
"""Stands for a character the pattern leaves open (a class, a repeat): no listed word has it."""


def _then(heads: set[str], tails: set[str]) -> set[str]:
    return {head + tail for head in heads for tail in tails}


def _wordings(items: list[Any]) -> set[str]:
    """Every string the pattern matches, with ``_ANY`` where it leaves characters open."""
    out = {""}
    for op, av in items:
        if op is sre.LITERAL:
            out = _then(out, {chr(av)})
        elif op is sre.SUBPATTERN:
            out = _then(out, _wordings(av[-1].data))
        elif op is sre.BRANCH:
            out = _then(out, set().union(*(_wordings(alt.data) for alt in av[1])))
        elif op is sre.MAX_REPEAT and av[1] == 1:
            out = _then(out, _wordings(av[2].data) | ({""} if av[0] == 0 else set()))
        elif op not in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):  # those match no character
            out = _then(out, {_ANY})
        assert len(out) < 20_000
    return out


def test_every_wording_of_complains_repeat_has_a_listed_word() -> None:
    wordings = _wordings(sre_parse.parse(COMPLAINS_REPEAT.pattern).data)
    assert len(wordings) > 100
    missing = [w for w in wordings if not any(word in w for word in COMPLAINS_REPEAT_WORDS)]
    assert missing == []


def test_the_check_catches_a_wording_without_a_listed_word() -> None:
    wordings = _wordings(sre_parse.parse(r"\bas i (?:said|wrote)\b|\bnot again\b").data)
    assert "not again" in wordings
    assert any(not any(word in w for word in COMPLAINS_REPEAT_WORDS) for w in wordings)


@pytest.mark.parametrize("pattern", [ASKS_REPEAT, INVITES_ECHO], ids=["asks", "invites"])
def test_every_wording_of_a_request_to_repeat_has_a_cue(pattern: re.Pattern[str]) -> None:
    wordings = _wordings(sre_parse.parse(pattern.pattern).data)
    assert len(wordings) > 20
    assert [w for w in wordings if not any(cue in w for cue in CUES)] == []


_COMPLAINS_REPEAT_BEFORE = re.compile(
    r"\b(?:i|we) (?:just|already) (?:did|said|told|answered|gave|sent|mentioned|explained|"
    r"confirmed)\b|\bi(?:'ve| have) already (?:said|told|answered|given|sent|mentioned|"
    r"explained|confirmed)\b|\bas i (?:said|mentioned|told you|explained|wrote)\b|"
    r"\bi (?:just )?told you\b|\byou(?:'ve| have)? (?:already|just) asked\b|"
    r"\byou asked (?:me )?(?:that|this) (?:already|before)\b|\byou keep (?:asking|saying|"
    r"repeating|telling)\b|\byou(?:'re| are) repeating\b|\bdid (?:that|this|it) already\b|"
    r"\bthe (?:second|third|fourth|fifth|\d+(?:nd|rd|th)) time\b|\bhow many times\b|"
    r"\balready said\b|\bsaid (?:so|that) already\b|\bsame question\b|"
    r"\byou(?:'ve| have)? already (?:asked|guessed|tried|said|sent|suggested)\b|"
    r"\b(?:said|specified|explained|answered|told you|described|asked)(?: (?:it|this|that|"
    r"the \w+))? (?:twice|(?:two|three|four|five|several|\d+) times)\b"
)
"""COMPLAINS_REPEAT as it was, every wording led by a word boundary (before 2026-12-03)."""


def _corpus_texts() -> list[str]:
    texts = []
    for name in ("detection_corpus.jsonl", "detection_heldout.jsonl"):
        for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
            texts += [m["content"] for m in json.loads(line)["messages"]]
    return texts


def test_a_complaint_of_repetition_is_found_where_the_pattern_after_a_word_boundary_finds_it() -> (
    None
):
    """``_complains`` matches COMPLAINS_REPEAT's wordings at the text's start or after a
    character that is no letter, and looks for a negation before the wording: exactly what the
    pattern led by ``\\b`` says, on every corpus message and at a text's edges."""
    edges = [
        "",
        "i just told you",
        " i just told you",
        "-i just told you",
        "xi just told you",
        "hi just told you",
        "i don't want to say i just told you",
        "i won't say i told you, but as i said before",
        "not as i said",
        "notas i said",
        "don't—as i said",
        "this is the 2nd time. how many times",
        "i told youth",
        "said it twice",
        "said it twice ",
        "ah,said it twice",
        "éas i said",
        "_as i said",
        "1as i said",
        "you keep asking you keep asking",
        "never you keep asking; you keep asking",
    ]
    found = 0
    for text in [*_corpus_texts(), *edges]:
        lowered = text.lower().replace("’", "'")
        expected = any(
            not NEGATED.search(lowered[: m.start()])
            for m in _COMPLAINS_REPEAT_BEFORE.finditer(lowered)
        )
        assert wording._complains(lowered) == expected, text
        found += expected
    assert found > 50, found


@settings(max_examples=500)
@given(st.text(alphabet="a Z9_'’\"“‘`>-.\né", max_size=30))
def test_a_quote_mark_is_found_where_the_pattern_finds_one(text: str) -> None:
    """``has_quote_mark`` takes a shortcut in ASCII text: the same answers as ``QUOTE_MARK``."""
    assert has_quote_mark(text) == (QUOTE_MARK.search(text) is not None), text


def test_every_corpus_message_has_a_quote_mark_where_the_pattern_finds_one() -> None:
    texts = [
        m["content"]
        for name in ("detection_corpus.jsonl", "detection_heldout.jsonl")
        for line in (_DATA / name).read_text(encoding="utf-8").splitlines()
        for m in json.loads(line)["messages"]
    ]
    found = [has_quote_mark(t) for t in texts]
    assert found == [QUOTE_MARK.search(t) is not None for t in texts]
    assert 100 < sum(found) < len(texts)  # (both answers occur)
