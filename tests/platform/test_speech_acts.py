"""``speech_acts.acts`` tries its patterns only where a wording can start: the first words it
lists must cover every wording of ``_ACTS`` (derived here from the parsed patterns), and the
result must be what a scan of every position (``finditer``) finds."""

from __future__ import annotations

import json
import re
import re._constants as sre
import re._parser as sre_parse  # private, but only this test reads it
from pathlib import Path
from typing import Any

import pytest

from aiconv.platform import speech_acts
from aiconv.platform.act_dispatch import Dispatch, Start, branches, openings, start_of, whole
from aiconv.platform.speech_act_words import OTHER_LANGUAGES
from aiconv.platform.speech_acts import _FIRST_PREFIXES, _FIRST_WORDS, acts

pytestmark = pytest.mark.timeout(60)
DATA = Path(__file__).parents[1] / "data"
_ANY_ACT = whole(speech_acts._ACTS)  # the reference: one alternation of every wording
_OTHER_ACT = whole(OTHER_LANGUAGES)

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
        (_OTHER_ACT, speech_acts._OTHER_FIRST_WORDS, speech_acts._OTHER_PREFIXES),
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


def _corpus_texts() -> list[str]:
    texts = []
    for name in ("detection_corpus.jsonl", "detection_heldout.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            texts += [m["content"] for m in json.loads(line)["messages"]]
    return texts


@pytest.mark.parametrize(
    ("pattern", "dispatch"),
    [(_ANY_ACT, speech_acts._ENGLISH_AT), (_OTHER_ACT, speech_acts._OTHER_AT)],
    ids=["english-and-added", "other-languages"],
)
def test_the_patterns_cut_down_to_a_word_match_as_the_whole_pattern_at_every_word(
    pattern: re.Pattern[str], dispatch: Dispatch
) -> None:
    """At the start of every word of every message of both labelled corpora (~9,000 messages,
    eight languages), the alternation cut down to that word matches exactly as the whole one:
    the same act, ending at the same place (or neither matches); at the text's start, the
    wordings anchored there too."""
    compared = matched = 0
    for text in _corpus_texts():
        lowered = text.lower().replace("’", "'")
        for word in re.finditer(r"\w+", lowered):
            whole = pattern.match(lowered, word.start())
            expected = (whole.lastgroup, whole.end()) if whole else None
            assert dispatch.match(lowered, word.start(), word.group()) == expected, (text, word)
            compared += 1
            matched += whole is not None
    assert compared > 80_000 and matched > 100, (compared, matched)


def test_a_branch_is_split_at_its_leading_plain_group_only() -> None:
    assert branches(r"\b(?:can'?t|(?:isn|aren)'?t (?:so|an option))\b|^\W*so you") == [
        r"\bcan'?t\b",
        r"\bisn'?t (?:so|an option)\b",
        r"\baren'?t (?:so|an option)\b",
        r"^\W*so you",
    ]
    assert branches(r"\b(?:very )*sorry") == [r"\b(?:very )*sorry"]  # repeated: whole
    assert branches(r"\b(?:(?:it )?depends|(?<=well )(?:said|put))") == [
        r"\bit depends",  # an optional group: with it first, then without
        r"\bdepends",
        r"\b(?<=well )said",
        r"\b(?<=well )put",
    ]
    assert [start_of(b) for b in branches(r"\b(?:can'?t|unable to|(?<=good )point)|^so")] == [
        Start("can", prefix=True),
        Start("unable", prefix=False),
        Start("point", prefix=True),  # past its lookbehind
        Start("", prefix=False, anchored=True),
    ]
    assert Start("can", prefix=True).admits("cant") and not Start("can", prefix=False).admits(
        "cant"
    )


def test_a_branch_opens_with_the_literal_text_every_match_of_it_begins_with() -> None:
    """``acts`` looks for these openings to find the words worth trying: each must begin every
    match (what consumes nothing passed over, alternatives and optional groups expanded), and
    where that cannot be told the opening is empty, which every text begins with."""
    assert openings(r"\bthe (?:group|team) (?:decided|agreed)\b") == (
        "the group agreed",
        "the group decided",
        "the team agreed",
        "the team decided",
    )
    assert openings(r"\bi'?ll (?:wait|check)") == (
        "i'll check",
        "i'll wait",
        "ill check",
        "ill wait",
    )
    assert openings(r"\b(?<=well )said so") == ("said so",)
    assert openings(r"\bis (?:totally |completely )?valid") == (
        "is completely valid",
        "is totally valid",
        "is valid",
    )
    assert openings(r"\bsorry(?: about|,) \w+") == ("sorry about ", "sorry, ")  # up to \\w
    assert openings(r"\b(?:very )*sorry") == ("",)  # a repeat: nothing can be told
    assert openings(r"(?i)\bsorry") == ("",)  # nor of a pattern ignoring case


def test_acts_look_only_at_the_words_where_an_opening_begins() -> None:
    """A text where no wording's opening begins is judged without trying a word: "the" and
    "i" start wordings ("the team agreed", "i'll wait"), not "the point" or "it is"."""
    assert speech_acts._starts("but the sky is blue and i think it is") == [0]
    assert speech_acts._starts("ok, i'll wait; the team agreed") == [0, 4, 15, 24]  # "agreed" too
    assert acts("ok, i'll wait; the team agreed") == acts("i'll wait") | acts("the team agreed")


def test_the_candidate_scan_finds_the_word_starts_a_look_behind_finds() -> None:
    """The scan of ``_starts`` consumes the character before a word, so that ``re`` skips the
    characters inside words: it finds exactly the word starts (and the text's start) that
    ``(?<!\\w)`` before the openings found, on every corpus message and at a text's edges."""
    tree = speech_acts._CANDIDATES.pattern.removeprefix(r"\W(?=").removesuffix(")")
    reference = re.compile(r"(?<!\w)(?:^|(?=" + tree + "))")
    edges = ["", " ", "the", " the", "--the team agreed", "x\nthe group agreed", "¿i'll", "é i"]
    for text in [*_corpus_texts(), *edges]:
        lowered = text.lower().replace("’", "'")
        expected = [m.start() for m in reference.finditer(lowered)]
        assert speech_acts._starts(lowered) == expected, text


def _acts_by_whole_patterns(content: str) -> frozenset[str]:
    """``acts`` as it was before the patterns were cut down per word (the reference)."""
    lowered = content.lower().replace("’", "'")
    found: set[str] = set()
    end = 0
    opening = _ANY_ACT.match(lowered)
    if opening:
        found.add(str(opening.lastgroup))
        end = opening.end()
    for word in re.finditer(r"\w+", lowered):
        if word.start() < end:
            continue
        text = word.group()
        if text in speech_acts._STARTS:
            kind = speech_acts._STARTS[text]
        elif text.startswith(speech_acts._ALL_PREFIXES):
            kind = 1 if text.startswith(_FIRST_PREFIXES) else 2
        else:
            continue
        match = _ANY_ACT.match(lowered, word.start()) if kind & 1 else None
        if match is None and kind & 2:
            match = _OTHER_ACT.match(lowered, word.start())
        if match:
            found.add(str(match.lastgroup))
            end = match.end()
    return frozenset(found)


def test_acts_are_those_the_whole_patterns_find_on_every_message_of_the_corpora() -> None:
    texts = _corpus_texts()
    with_acts = 0
    for text in texts:
        expected = _acts_by_whole_patterns(text)
        assert acts.__wrapped__(text) == expected, text  # type: ignore[attr-defined]
        with_acts += bool(expected)
    assert with_acts > 1000, with_acts


def test_a_wording_whose_start_cannot_be_told_still_wins_when_it_comes_first() -> None:
    """A branch that may start at any word (here a class of letters) and a later one that
    starts with the word at hand both match: the earlier wins, as in the whole pattern."""
    wordings = {"first": r"\b[pq]oint\b", "second": r"\bpoint of\b"}
    dispatch = Dispatch(wordings)
    whole = re.compile("|".join(f"(?P<{act}>{p})" for act, p in wordings.items()))
    text = "a point of order"
    found = whole.match(text, 2)
    assert found is not None and found.lastgroup == "first"
    assert dispatch.match(text, 2, "point") == ("first", found.end())
    assert dispatch.match("a point", 2, "point") == ("first", 7)
    assert Dispatch({"second": r"\bpoint of\b"}).match(text, 2, "point") == ("second", 10)


def test_first_words_no_wording_starts_with_are_never_looked_up() -> None:
    """Real texts open with thousands of different words: only those a wording can start with
    get a cut-down alternation (each new one costs a pass over every branch), so the table of
    them stays as small as the list of first words."""
    before = len(speech_acts._ENGLISH_AT._by_word)
    for n in range(2000):
        acts.__wrapped__(f"Zork{n} here. I cannot share that, sorry.")  # type: ignore[attr-defined]
    grown = len(speech_acts._ENGLISH_AT._by_word) - before
    assert grown <= 5, grown


def test_pushing_back_is_found_where_the_pattern_after_a_word_boundary_finds_it() -> None:
    """``pushes_back`` matches its wordings at the text's start or after a character that is
    no letter: exactly where the one pattern led by ``\\b`` finds one, on every corpus message
    and at a text's edges."""
    reference = re.compile(r"\b" + speech_acts._PUSHBACK_WORDS)
    edges = ["still", " still", "-still", "stillness", "xstill", "i did", "i did not", ""]
    found = 0
    for text in [*_corpus_texts(), *edges]:
        expected = reference.search(text.lower().replace("’", "'")) is not None
        assert speech_acts.pushes_back.__wrapped__(text) == expected, text  # type: ignore[attr-defined]
        found += expected
    assert found > 500, found
