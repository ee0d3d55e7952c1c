"""Loop detection over the recent messages of a conversation; pure, no I/O, no clock.

``detect_loop`` is called on every new message with the recent window (the new message last) and
says whether the conversation is going round in circles: a participant repeating itself
(repetition), repeating another (echo), two participants restating their previous turns
(ping_pong), a run of messages that only reword earlier content (paraphrase), or an exchange
that has shrunk to pleasantries (collapse). Quoted text, greetings and short acknowledgements
never count as restatements, so a quoted question or a repeated greeting does not trip it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TypeVar

from rapidfuzz.distance import Indel


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopConfig:
    """Thresholds of the detector; similarities are in [0, 1]."""

    window: int = 8
    """How many of the most recent messages are considered (the new one included)."""
    repetition: float = 0.92
    """Character similarity at which a participant repeats one of its own messages."""
    echo: float = 0.92
    """Character similarity at which a participant repeats another's message."""
    reorder: float = 0.97
    """Similarity of the sorted words at which a reordered message counts as a repeat."""
    ping_pong: float = 0.45
    """Content overlap both A-A and B-B pairs of an A-B-A-B cycle must reach."""
    ping_pong_gap: float = 0.12
    """How much less A and B must resemble each other than themselves (else a paraphrase)."""
    paraphrase: float = 0.45
    """Mean content-word or shingle overlap of a run of messages with earlier ones."""
    paraphrase_floor: float = 0.3
    """Overlap every message of that run must reach on its own."""
    paraphrase_run: int = 4
    """Consecutive restating messages that make a paraphrase loop."""
    min_chars: int = 24
    """Messages shorter than this (normalised) never count as repeats."""
    min_content_words: int = 3
    """Messages with fewer content words never count as paraphrases."""
    collapse_run: int = 4
    """Consecutive pleasantries (from at least two senders) that make a collapse."""
    collapse_max_words: int = 16
    """Longest message still considered a pleasantry."""

    def __post_init__(self) -> None:
        if self.window < 0 or self.paraphrase_run < 2 or self.collapse_run < 2:
            raise ValueError("window must be >= 0 (0 = everything) and runs must be >= 2")


LOOP_KINDS = ("repetition", "echo", "ping_pong", "paraphrase", "collapse")


@dataclass(frozen=True, slots=True, kw_only=True)
class Utterance:
    """One participant message as the detectors see it."""

    sequence: int
    sender: str
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Loop:
    """A detected loop: its ``kind`` (one of ``LOOP_KINDS``), a ``score`` in [0, 1], the
    ``sequences`` of the messages involved and a human ``detail``."""

    kind: str
    score: float
    sequences: tuple[int, ...]
    detail: str


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _word_set(
    """a an the and or but if then so of to in on at by for with from as is are was were be been
    being am do does did doing have has had having i me my we us our you your he she it its they
    them their this that these those there here what which who whom when where why how all any
    both each few more most other some such no nor not only own same than too very can will just
    should would could may might must shall now also about into over under again further once
    up down out off through during before after above below between because while until let lets
    im ive id youre youve youll were weve well its thats theres dont doesnt isnt arent wont cant
    yours mine ours theirs hers especially particularly
    one really quite still even much many get got make made go going think say said"""
)
PHATIC_WORDS = _word_set(
    """hi hello hey morning afternoon evening everyone everybody folks team welcome back thanks
    thank thx ty appreciate appreciated pleasure problem worries glad happy help helped helping
    great good nice awesome perfect cool ok okay sure noted understood agreed agree absolutely
    exactly indeed right yes yeah yep definitely totally again anytime day today meet meeting
    bye goodbye care soon later cheers sounds sound wonderful amazing fantastic lovely likewise
    kind kindly lot means mean tons truly sincerely welcome assist assistance question questions
    else anything point fair true point hear hope luck best excellent brilliant super job done
    congrats congratulations enjoy"""
)
_GREETINGS = _word_set("hi hello hey morning good welcome greetings")
_WORD = re.compile(r"[^\W\d_]+|\d+")  # letters of any script, or digits
_QUOTED = re.compile(
    r"^[ \t]*>.*$|\"[^\"\n]{8,}\"|“[^”\n]{8,}”|‘[^’\n]{8,}’|(?<!\w)'[^'\n]{8,}'(?!\w)|`[^`\n]+`",
    re.MULTILINE,
)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•]|\d+[.)]|\[[ xX✓]\])[ \t]+", re.MULTILINE)
_SUFFIXES = tuple(  # longest first, so "ations" wins over "s"
    sorted(
        _word_set(
            "ational ations ivity ation ities ments ment ness ings ists ures ing ist ure ity ive"
            " ers ies er ed ly al es s"
        ),
        key=len,
        reverse=True,
    )
)


@dataclass(frozen=True, slots=True)
class _Features:
    raw: str
    text: str
    sorted_text: str
    content: frozenset[str]
    numbers: frozenset[str]
    shingles: frozenset[tuple[str, str]]
    words: int
    phatic: bool
    structured: bool


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """A light stemmer: one suffix off, a final e/y off, then a 6-letter prefix.

    "arrival", "arrived" and "arrive" meet at "arriv"; "stays" and "stay" at "sta".
    """
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if not (suffix == "s" and word.endswith("ss")):
                word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] in "ey":
        word = word[:-1]
    return word[:6]


@lru_cache(maxsize=2048)
def _features(content: str) -> _Features:
    """Normalised views of ``content``, memoised because every call sees the window again."""
    unquoted = _QUOTED.sub(" ", content).lower().replace("’", "").replace("'", "")
    structured = "```" in content or len(_LIST_ITEM.findall(content)) >= 3
    words = _WORD.findall(unquoted)
    meaningful = [w for w in words if w not in STOP_WORDS]
    stems = [_stem(w) for w in meaningful if w not in PHATIC_WORDS]
    greeting = bool(words) and words[0] in _GREETINGS
    # A pleasantry says "thanks", "great", "hi"… or nothing in words at all (👍); text in a
    # language the vocabulary does not cover is never taken for one.
    polite = not words or any(w in PHATIC_WORDS for w in words)
    phatic = polite and len(words) <= 24 and len(stems) <= (3 if greeting else 1)
    return _Features(
        raw=" ".join(content.lower().split()),
        text=" ".join(words),
        sorted_text=" ".join(sorted(words)),
        content=frozenset(stems),
        numbers=frozenset(w for w in words if w.isdigit()),
        shingles=frozenset(pairwise(stems)),
        words=len(words),
        phatic=phatic,
        structured=structured,
    )


_T = TypeVar("_T")


def _jaccard(a: frozenset[_T], b: frozenset[_T]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _structured_similarity(fa: _Features, fb: _Features) -> float | None:
    """A checklist or a code block only repeats when posted unchanged: a ticked item or an
    edited line is progress, however similar the rest."""
    if fa.structured or fb.structured:
        return 1.0 if fa.raw == fb.raw else 0.0
    return None


def char_similarity(a: str, b: str, cutoff: float = 0.0) -> float:
    """Indel similarity of the normalised texts (1.0 = identical; 0.0 when below ``cutoff``)."""
    fa, fb = _features(a), _features(b)
    listed = _structured_similarity(fa, fb)
    if listed is not None:
        return listed
    return Indel.normalized_similarity(fa.text, fb.text, score_cutoff=cutoff)


def _repeat_similarity(a: str, b: str, limit: float, config: LoopConfig) -> float:
    """Character similarity, or the same words reordered ("B and A" for "A and B").

    A number in ``b`` that ``a`` lacks makes it a new fact, never a repeat ("the X300" after
    "the X200", "order 4472" after "order 4471"). Scores below ``limit`` come back as 0.
    """
    fa, fb = _features(a), _features(b)
    if fb.numbers - fa.numbers:
        return 0.0
    in_order = char_similarity(a, b, limit)
    if in_order or fa.structured or fb.structured:
        return in_order
    cutoff = max(limit, config.reorder)
    return Indel.normalized_similarity(fa.sorted_text, fb.sorted_text, score_cutoff=cutoff)


def content_similarity(a: str, b: str) -> float:
    """Overlap of the stemmed content words or word pairs (a paraphrase keeps the words)."""
    fa, fb = _features(a), _features(b)
    listed = _structured_similarity(fa, fb)
    if listed is not None:
        return listed
    return max(_jaccard(fa.content, fb.content), _jaccard(fa.shingles, fb.shingles))


def _is_substantive(f: _Features, config: LoopConfig) -> bool:
    """Whether a message carries content that can be restated (not a greeting or an ack)."""
    return not f.phatic and len(f.text) >= config.min_chars


def _repeats(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    new = history[-1]
    features = _features(new.content)
    if not _is_substantive(features, config):
        return None
    for earlier in reversed(history[:-1]):
        same = earlier.sender == new.sender
        limit = config.repetition if same else config.echo
        score = _repeat_similarity(earlier.content, new.content, limit, config)
        if score >= limit:
            kind = "repetition" if same else "echo"
            who = f"{new.sender} repeats " + ("itself" if same else earlier.sender)
            return _loop(kind, score, (earlier, new), who)
    return None


def _similarity(a: Utterance, b: Utterance) -> float:
    # Content words only: character ratios of unrelated English sit around 0.4, too noisy here.
    return content_similarity(a.content, b.content)


def _ping_pong(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    if len(history) < 4:
        return None
    a1, b1, a2, b2 = history[-4:]
    if a1.sender != a2.sender or b1.sender != b2.sender or a2.sender == b2.sender:
        return None
    if not all(_is_substantive(_features(u.content), config) for u in (a1, b1, a2, b2)):
        return None
    score = min(_similarity(a1, a2), _similarity(b1, b2))
    if score < config.ping_pong:
        return None
    if min(_similarity(b1, a2), _similarity(a2, b2)) > score - config.ping_pong_gap:
        # Both sides say the same thing: not two positions bouncing, one point reworded.
        detail = f"{a2.sender} and {b2.sender} keep rewording the same point"
        return _loop("paraphrase", score, (a1, b1, a2, b2), detail)
    detail = f"{a2.sender} and {b2.sender} restate their previous turns"
    return _loop("ping_pong", score, (a1, b1, a2, b2), detail)


def _restates(index: int, history: Sequence[Utterance], config: LoopConfig) -> float:
    """The best overlap of message ``index`` with any earlier message (0 if not restatable)."""
    features = _features(history[index].content)
    if len(features.content) < config.min_content_words:
        return 0.0
    best = 0.0
    for earlier in history[:index]:
        best = max(best, content_similarity(earlier.content, history[index].content))
    return best


def _paraphrase(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    run = config.paraphrase_run
    if len(history) < run + 1:
        return None
    scores = [_restates(i, history, config) for i in range(len(history) - run, len(history))]
    mean = sum(scores) / run
    if min(scores) < config.paraphrase_floor or mean < config.paraphrase:
        return None
    involved = history[-run - 1 :]
    detail = f"the last {run} messages reword earlier ones"
    return _loop("paraphrase", mean, tuple(involved), detail)


def _collapse(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    run = history[-config.collapse_run :]
    if len(run) < config.collapse_run or len({u.sender for u in run}) < 2:
        return None
    features = [_features(u.content) for u in run]
    if not all(f.phatic and f.words <= config.collapse_max_words for f in features):
        return None
    half = len(features) // 2
    first = sum(f.words for f in features[:half]) / half
    second = sum(f.words for f in features[half:]) / (len(features) - half)
    if second > first + 1:
        return None
    score = min(1.0, first / max(second, 1.0) / 2 + 0.5)
    return _loop("collapse", score, tuple(run), f"{len(run)} pleasantries in a row")


def _loop(kind: str, score: float, involved: Sequence[Utterance], detail: str) -> Loop:
    sequences = tuple(u.sequence for u in involved)
    return Loop(kind=kind, score=round(score, 3), sequences=sequences, detail=detail)


_DETECTORS = (_ping_pong, _repeats, _paraphrase, _collapse)


def detect_loop(history: Sequence[Utterance], config: LoopConfig = LoopConfig()) -> Loop | None:
    """The loop the newest message (``history[-1]``) closes, or None.

    Only the last ``config.window`` messages are looked at; pass participant messages only
    (moderator notes are not part of the exchange).
    """
    recent = history[-config.window :] if config.window > 0 else history
    if not recent:
        return None
    for detector in _DETECTORS:
        found = detector(recent, config)
        if found is not None:
            return found
    return None
