"""What a message says, as the loop detectors compare it; pure, no I/O.

``features`` turns a message into normalised views, memoised because every message is seen again
while it stays in the window: its words with quoted text left out (quoting is not restating),
numbers kept whole ("4.2.0", "3/4", "6,500" = "6500"), stemmed content words, word pairs, and
cues about what the message does: asks the others to say something again ("can you repeat
that?"), invites an echo ("repeat after me: …"), reads back what was just said ("got it: …",
"… is that correct?"), or asks for something new (a question, "tell me about …").
It measures; deciding what is a loop is ``loops``' job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import TypeVar

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from aiconv.platform import unspaced
from aiconv.platform.lexicon import (
    ASKS_REPEAT,
    CLEARANCE,
    COMPLAINS_REPEAT,
    COMPLAINS_REPEAT_OPENING,
    COMPLAINS_REPEAT_WORDS,
    COMPOUND_NUMBER,
    COURTESY,
    CUES,
    FOREIGN_AGREEMENT,
    FOREIGN_COURTESY,
    FOREIGN_SOCIAL,
    FOREIGN_THANKS,
    FORMULA_SIGNS,
    GREETINGS,
    GROUPED,
    HAS_WORD,
    INSTRUCTION_AFTER,
    INSTRUCTION_OPENING,
    INVITES_ECHO,
    JAPANESE_COURTESY,
    JAPANESE_REQUEST,
    KANA,
    LIST_ITEM,
    NEGATED,
    NEGATIONS,
    NOT_CONTENT,
    NUMBER_WORDS,
    PHATIC_WORDS,
    POLITE_MARKERS,
    QUOTED,
    READ_BACK_CHECK,
    READ_BACK_OPENING,
    REQUEST_AFTER,
    REQUEST_OPENING,
    SOCIAL_WORDS,
    SPOKEN_DIGITS,
    SUFFIXES,
    THOUSANDS,
    UNSPACED,
    WORD,
    compound_number,
    has_quote_mark,
)
from aiconv.platform.synonyms import GROUPS as SYNONYM_GROUPS
from aiconv.platform.text_memo import windowed


@dataclass(frozen=True, slots=True)
class Features:
    """Normalised views of one message (see the module docstring). ``raw``, ``sorted_text``,
    ``instructs``, ``asks_repeat`` and ``invites_echo`` are made on first use: most messages
    never need them (~10 µs of the ~55 µs a new message's views cost; the last two, asked of
    ~1 in 5 mock messages, ~7 µs more: a search for each of ``CUES`` in the text)."""

    source: str
    """The message as written."""
    text: str
    content: frozenset[str]
    facts: frozenset[str]
    numbers: frozenset[str]
    shingles: frozenset[int]
    """The pairs of neighbouring content words, each by its hash (a tuple of two words weighs
    more than its words; only their overlap is ever measured)."""
    words: int
    phatic: bool
    pleasantry: bool
    structured: bool
    reads_back: bool
    asks: bool
    negated: bool
    complains_repeat: bool
    """Says it was asked or told this already ("I just did", "as I said", "you keep asking")."""
    _raw: str | None = field(default=None, init=False, compare=False, repr=False)
    _sorted_text: str | None = field(default=None, init=False, compare=False, repr=False)
    _instructs: bool | None = field(default=None, init=False, compare=False, repr=False)
    _repeat_cues: tuple[bool, bool] | None = field(
        default=None, init=False, compare=False, repr=False
    )

    @property
    def raw(self) -> str:
        """The message lower-cased, its spacing normalised (quotes and all)."""
        raw = self._raw
        if raw is None:
            raw = " ".join(self.source.lower().split())
            object.__setattr__(self, "_raw", raw)  # made once (frozen to everyone else)
        return raw

    @property
    def sorted_text(self) -> str:
        """The words of ``text`` in sorted order."""
        ordered = self._sorted_text
        if ordered is None:
            ordered = " ".join(sorted(self.text.split()))
            object.__setattr__(self, "_sorted_text", ordered)
        return ordered

    @property
    def asks_repeat(self) -> bool:
        """Whether the message asks the others to say something again ("can you repeat
        that?")."""
        return self._repeats_cues()[0]

    @property
    def invites_echo(self) -> bool:
        """Whether the message asks to be said back ("repeat after me: …")."""
        return self._repeats_cues()[1]

    def _repeats_cues(self) -> tuple[bool, bool]:
        cues = self._repeat_cues
        if cues is None:
            cues = _repeat_cues(self.source)
            object.__setattr__(self, "_repeat_cues", cues)
        return cues

    @property
    def instructs(self) -> bool:
        """Whether the message gives an instruction (see ``_instructs``)."""
        instructs = self._instructs
        if instructs is None:
            instructs = _instructs(self.source.lower(), self.text.split())
            object.__setattr__(self, "_instructs", instructs)
        return instructs


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """A light stemmer: one suffix off, a final e/y off, then a 6-letter prefix.

    "arrival", "arrived" and "arrive" meet at "arriv"; "stays" and "stay" at "sta".
    """
    if word[0].isdigit():
        return word
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if not (suffix == "s" and word.endswith("ss")):
                word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] in "ey":
        word = word[:-1]
    return word[:6]


def _normal(word: str) -> str:
    if THOUSANDS.match(word):
        return word.replace(",", "")
    return NUMBER_WORDS.get(word, word)


_NOT_LETTERS = bytes(
    code if ord("a") <= code <= ord("z") else 0 if chr(code) in "0123456789_" else ord(" ")
    for code in range(256)
)
"""``WORD`` in lower-case ASCII text without a digit or an underscore (most messages) finds
the runs of letters: the words split apart once every other character is a space, at about a
third of its cost (a ``[a-z]+`` pattern's: ~two thirds). A digit or an underscore becomes a
NUL, which tells such a text without another scan. Applied to the text's bytes
(``bytes.translate`` reads a table a byte; ``str.translate`` looked each character up, ~19k
instructions a mock message against ~2k)."""

_NUMERALS = frozenset(SPOKEN_DIGITS) | frozenset(NUMBER_WORDS)
"""The words of ``SPOKEN_DIGITS`` and of ``NUMBER_WORDS``: a text with neither (most) is
looked up once, not once for each."""


_NO_GRAMMAR: frozenset[str] = frozenset()


def _dictated(words: list[str]) -> list[str]:
    """``words`` with each run of two or more digits said as words made one figure ("zéro sept
    quatre deux un un" is 074211): a voice call's speech recogniser spells out the figures
    that a chat writes in digits, and a figure dictated again, or read back, is the same one."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        digit = SPOKEN_DIGITS.get(word)
        if digit is not None:
            run.append(word)
            continue
        if len(run) >= 2:
            out.append("".join(SPOKEN_DIGITS[w] for w in run))
        else:
            out.extend(run)
        run = []
        if word:
            out.append(word)
    return out


def _words(content: str) -> unspaced.Split:
    """The words of ``content`` outside quotes, lower-cased, numbers normalised; with those
    that are grammar and how many words they stand for (``unspaced``: -1 for one each)."""
    unquoted = QUOTED.sub(" ", content) if has_quote_mark(content) else content
    unquoted = unquoted.lower().replace("’", "").replace("'", "")
    if unquoted.isascii():
        spaced = unquoted.encode("ascii").translate(_NOT_LETTERS).decode("ascii")
    else:
        spaced = "\0"
    plain = "\0" not in spaced  # (ASCII, and neither a digit nor an underscore)
    words = spaced.split() if plain else WORD.findall(unquoted)
    numeral = not _NUMERALS.isdisjoint(words)  # (then the words of each are looked for)
    if numeral and not SPOKEN_DIGITS.keys().isdisjoint(words):
        words = _dictated(words)
    if GROUPED.search(unquoted) or (numeral and not NUMBER_WORDS.keys().isdisjoint(words)):
        if COMPOUND_NUMBER.search(unquoted):
            words = WORD.findall(COMPOUND_NUMBER.sub(compound_number, unquoted))
        words = [_normal(w) for w in words]
    if plain or "".join(words).isascii() or not UNSPACED.search(unquoted):
        return words, _NO_GRAMMAR, -1  # (nearly every message: its letters are ASCII)
    return unspaced.split(words)


def _finds(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` occurs in ``text`` other than negated ("don't say that again")."""
    return any(not NEGATED.search(text[: m.start()]) for m in pattern.finditer(text))


def _complains(lowered: str) -> bool:
    """Whether ``lowered`` says it was asked this already (most texts have none of its words)."""
    if not any(word in lowered for word in COMPLAINS_REPEAT_WORDS):
        return False
    if COMPLAINS_REPEAT_OPENING.match(lowered):
        return True  # nothing before it to negate it
    # A match begins with the non-letter before the wording: what negates it ends there.
    return any(
        not NEGATED.search(lowered[: m.start() + 1]) for m in COMPLAINS_REPEAT.finditer(lowered)
    )


def _cues(content: str) -> tuple[bool, bool]:
    """(reads_back, asks) of ``content``."""
    lowered = content.lower().replace("’", "'").strip()
    reads_back = bool(READ_BACK_OPENING.match(lowered) or READ_BACK_CHECK.search(lowered[-32:]))
    asks = (("?" in content or "？" in content) and not reads_back) or bool(
        REQUEST_OPENING.match(lowered)
        or REQUEST_AFTER.search(lowered)
        or lowered.rstrip(" 。.!！").endswith(JAPANESE_REQUEST)
    )
    return reads_back, asks


def _repeat_cues(content: str) -> tuple[bool, bool]:
    """(asks_repeat, invites_echo) of ``content``."""
    lowered = content.lower().replace("’", "'").strip()
    if not any(cue in lowered for cue in CUES):  # most: skip the long patterns
        return False, False
    return _finds(ASKS_REPEAT, lowered), _finds(INVITES_ECHO, lowered)


# "please" asks for something ("Yes, please block it"), so it never makes a pleasantry
_SOCIAL_STEMS = (
    frozenset(_stem(w) for w in SOCIAL_WORDS | FOREIGN_COURTESY | FOREIGN_SOCIAL) | COURTESY
) - {
    "pleas",
    "pls",
}


_MARKERS = (PHATIC_WORDS, POLITE_MARKERS, FOREIGN_THANKS, FOREIGN_AGREEMENT)


def substance(view: Features) -> frozenset[str]:
    """The facts of a message that are not courtesy or words about the exchange itself
    ("perspective", "insightful", "completely"): what it says about its subject."""
    return view.facts - _SOCIAL_STEMS


def _is_pleasantry(words: list[str], stems: list[str], phatic: bool) -> bool:
    """Only courtesy: phatic, or polite and about the exchange itself (see SOCIAL_WORDS), with
    no number and at most one other word (two in a long message)."""
    if phatic:
        return True
    if not words or len(words) > 30 or any(w[0].isdigit() for w in words):
        return False
    if all(markers.isdisjoint(words) for markers in _MARKERS):
        return False
    others = {s for s in stems if s not in _SOCIAL_STEMS}
    return len(others) <= (2 if len(words) >= 10 else 1)


_JAPANESE_LEFT = 2
"""Characters a Japanese pleasantry may keep beside its courtesy (a particle, "では")."""


def _is_japanese_courtesy(content: str) -> bool:
    """Whether ``content`` is Japanese and nothing but thanks and courtesy."""
    if len(content) > 60 or content.isascii() or not KANA.search(content):  # (kana: not ASCII)
        return False
    left = JAPANESE_COURTESY.sub("", content)
    return len(left) <= _JAPANESE_LEFT < len(content.strip(" 、。！!？?")) - len(left)


_CLAUSE_START = re.compile(r"[.!?:;,]")
_FIRST_WORDS_OF_CLAUSE = 4


def _instructs(lowered: str, words: list[str]) -> bool:
    """Whether ``lowered`` gives an instruction: an English imperative opening a sentence or
    following a call sign, or another language's clearance among a clause's first words."""
    if INSTRUCTION_OPENING.match(lowered) or INSTRUCTION_AFTER.search(lowered):
        return True
    if CLEARANCE.isdisjoint(words):
        return False  # (most messages)
    clauses = (clause.split() for clause in _CLAUSE_START.split(lowered))
    return any(not CLEARANCE.isdisjoint(c[:_FIRST_WORDS_OF_CLAUSE]) for c in clauses)


_NO_NUMBERS: frozenset[str] = frozenset()


def _numbers(words: list[str]) -> frozenset[str]:
    """The words that begin with a digit. ``features`` asks only of a text whose words are not
    all letters: a character that is a digit is no letter, so such a text has none (most do,
    and each word was looked at, ~24k instructions a mock message against ~2k)."""
    return frozenset(w for w in words if w[0].isdigit())


@windowed()
def features(content: str) -> Features:
    """The normalised views of ``content``."""
    words, grammar, count = _words(content)
    aside = NOT_CONTENT | grammar if grammar else NOT_CONTENT
    stems = [_stem(w) for w in words if w not in aside]
    greeting = bool(words) and words[0] in GREETINGS
    # A pleasantry says "thanks", "great", "hi"… or nothing in words at all (👍); text in a
    # language the vocabulary does not cover is never taken for one.
    # (quoted text alone, "'Delete'", is no pleasantry: it names something)
    polite = (not words and not HAS_WORD.search(content)) or not PHATIC_WORDS.isdisjoint(words)
    reads_back, asks = _cues(content)
    phatic = polite and len(words) <= 24 and len(stems) <= (3 if greeting else 1)
    stemmed = frozenset(stems)
    text = " ".join(words)
    return Features(
        source=content,
        text=text,
        content=stemmed,
        facts=stemmed if stemmed.isdisjoint(COURTESY) else stemmed - COURTESY,  # one set, mostly
        numbers=_NO_NUMBERS if text.replace(" ", "").isalpha() else _numbers(words),
        shingles=frozenset(map(hash, pairwise(stems))),
        words=len(words) if count < 0 else count,
        phatic=phatic,
        pleasantry=_is_pleasantry(words, stems, phatic) or _is_japanese_courtesy(content),
        structured="```" in content
        or (content.count("\n") >= 2 and len(LIST_ITEM.findall(content)) >= 3)  # 3 lines
        or len(FORMULA_SIGNS.findall(content)) >= 3,
        reads_back=reads_back,
        asks=asks,
        negated=not NEGATIONS.isdisjoint(words),
        complains_repeat=_complains(content.lower().replace("’", "'")),
    )


_CONCEPTS = {_stem(word): group.split()[0] for group in SYNONYM_GROUPS for word in group.split()}


@windowed()
def concepts(content: str) -> frozenset[str]:
    """The content words of ``content`` with synonyms merged (see ``synonyms``)."""
    return frozenset(_CONCEPTS.get(stem, stem) for stem in features(content).facts)


_T = TypeVar("_T")


def jaccard(a: frozenset[_T], b: frozenset[_T]) -> float:
    """Overlap of two sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    shared = len(a & b)  # the union's size without making it (the same integers, so the
    return shared / (len(a) + len(b) - shared)  # same quotient): one set made, not two


def _structured_similarity(fa: Features, fb: Features) -> float | None:
    """A checklist or a code block only repeats when posted unchanged: a ticked item or an
    edited line is progress, however similar the rest."""
    if fa.structured or fb.structured:
        return 1.0 if fa.raw == fb.raw else 0.0
    return None


def char_similarity(a: str, b: str, cutoff: float = 0.0) -> float:
    """Indel similarity of the normalised texts (1.0 = identical; 0.0 when below ``cutoff``)."""
    fa, fb = features(a), features(b)
    listed = _structured_similarity(fa, fb)
    if listed is not None:
        return listed
    return Indel.normalized_similarity(fa.text, fb.text, score_cutoff=cutoff)


def reorder_similarity(a: str, b: str, cutoff: float) -> float:
    """Similarity of the sorted words, for "B and A" after "A and B" (0.0 below ``cutoff``)."""
    fa, fb = features(a), features(b)
    if fa.structured or fb.structured:
        return 0.0
    return Indel.normalized_similarity(fa.sorted_text, fb.sorted_text, score_cutoff=cutoff)


def part_similarity(part: str, whole: str) -> float:
    """How well ``part`` matches its best-aligned stretch of ``whole`` (1.0 = copied)."""
    fp, fw = features(part), features(whole)
    if fp.structured or fw.structured or len(fp.text) > len(fw.text):
        return 0.0
    return fuzz.partial_ratio(fp.text, fw.text) / 100


def content_similarity(a: str, b: str) -> float:
    """Overlap of the stemmed content words or word pairs (a paraphrase keeps the words)."""
    fa, fb = features(a), features(b)
    listed = _structured_similarity(fa, fb)
    if listed is not None:
        return listed
    return max(jaccard(fa.content, fb.content), jaccard(fa.shingles, fb.shingles))


def adds_facts(earlier: str, later: str) -> bool:
    """Whether ``later`` says something ``earlier`` did not: a number ("X300" after "X200",
    "4.30" after "4.25"), a content word ("LS6 2AD" after "LS6 2AB") or the opposite ("False,
    X is not …" after "True or false: X is …"); then it is a new fact or a revision, never a
    repeat of ``earlier``."""
    fa, fb = features(earlier), features(later)  # (a subset test makes no set of the rest)
    if not fb.numbers <= fa.numbers or not fb.facts <= fa.facts or fa.negated != fb.negated:
        return True
    return not _quotes(later) <= _quotes(earlier)  # "Jetzt 'the cloud'" after "'the spoon'"


@windowed()
def _quotes(content: str) -> frozenset[str]:
    """The quoted stretches of ``content``, which its words leave out: a quoted item that
    changes (the next word of a drill) is a new fact too."""
    if not has_quote_mark(content):
        return frozenset()
    return frozenset(" ".join(m.lower().split()) for m in QUOTED.findall(content))
