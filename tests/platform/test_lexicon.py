"""Pre-screens of the lexicon's patterns: a text without any of the listed words is not
searched, so every wording of the pattern must contain one (checked on the parsed pattern)."""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse  # private, but only this test reads it
from typing import Any

import pytest

from aiconv.platform.lexicon import (
    ASKS_REPEAT,
    COMPLAINS_REPEAT,
    COMPLAINS_REPEAT_WORDS,
    CUES,
    INVITES_ECHO,
)

pytestmark = pytest.mark.timeout(60)

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
