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
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TypeVar

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _word_set(
    """a an the and or but if then so of to in on at by for with from as is are was were be been
    being am do does did doing have has had having i me my we us our you your he she it its they
    them their this that these those there here what which who whom when where why how all any
    both each few more most other some such no nor not only own same than too very can will just
    should would could may might must shall now also about into over under again further once
    up down out off through during before after above below between because while until let lets
    im ive id ill youre youve youll youd were weve well its thats theres dont doesnt isnt arent
    wont cant theyre theyll theyve theyd hes shes whats itll thatll couldnt wouldnt shouldnt
    didnt wasnt werent hasnt havent hadnt
    yours mine ours theirs hers especially particularly
    one really quite still even much many get got make made go going think say said
    already mentioned mention previously stated earlier since though although whether yet unless
    whereas thus therefore hence however instead anyway besides otherwise either neither per via
    upon within without onto toward towards across along around means something"""
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
# What agents say about the exchange itself rather than its subject: gratitude, praise, apology,
# enthusiasm, offers of more help ("I really appreciate your attention to detail", "Don't
# hesitate to reach out", "Sorry again for the mix-up"). A message made of these and courtesy,
# with at most a word or two of anything else, is a pleasantry however long its phrasing.
SOCIAL_WORDS = _word_set(
    """appreciate appreciated appreciation grateful gratitude pleasure pleased delighted enjoy
    enjoyed fun collaborate collaborating collaboration collaborator partner partnership
    teamwork together work working worked partnering kind words feel feeling mutual
    excited exciting thrilled forward looking ahead started wait reach hesitate free
    anytime always need course support supportive reassuring apologize apologise apologies
    apology mistake confusion mix trouble worry understanding patience effort helpful
    incredibly impressive impressed creativity attention detail organisation organization
    effortless better asked everything aligned alignment board fully input insights
    contribution guidance honor honour privilege bouncing ideas process feedback teammate
    wonderful fantastic words honestly truly much sorry discussion conversation exchange
    dialogue debate debating talk arguments perspective openness consensus productive
    insightful thoughtful understand things happen"""
)
# Words that make a message a courtesy however little else it says.
_POLITE_MARKERS = _word_set(
    """appreciate appreciated grateful pleasure delighted apologize apologise apologies apology
    sorry likewise mutual excited thrilled"""
)
# Courtesy says nothing new ("please", "sorry"), but it is no pleasantry either: it counts as
# content everywhere except when asking what a message adds.
_COURTESY = _word_set("pleas pls sorr apolog afraid unfort")
_NUMBER_WORDS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "hundred": "100",
}
_NOT_CONTENT = STOP_WORDS | PHATIC_WORDS
_SOCIAL_STEMS: frozenset[str] = frozenset()  # filled below, once _stem is defined
_NEGATIONS = _word_set(
    """not no never nor none nothing nobody neither cannot isnt arent wasnt werent dont doesnt
    didnt cant couldnt wont wouldnt shouldnt hasnt havent hadnt aint"""
)
_GREETINGS = _word_set("hi hello hey morning good welcome greetings")
# Letters of any script, or a number with its inner separators ("4.2.0", "3/4", "10:30").
_WORD = re.compile(r"\d+(?:[.,/:]\d+)*|[^\W\d_]+")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_GROUPED = re.compile(r"\d,\d")
_QUOTED = re.compile(
    r"^[ \t]*>.*$|\"[^\"\n]{8,}\"|“[^”\n]{8,}”|‘[^’\n]{8,}’|"
    r"(?<!\w)'(?:[^'\n]|(?<=\w)'(?=\w)){8,}'(?!\w)|`[^`\n]+`",  # an apostrophe in I'm is no quote
    re.MULTILINE,
)
_QUOTE_MARK = re.compile(r"[\"“‘`>]|(?<!\w)'")  # where _QUOTED can match at all
_HAS_WORD = re.compile(r"[^\W_]")
# Mathematics says most of what it says in symbols the word views drop ("k(k+1)/2 + (k+1)"):
# a message with several of these signs is compared as written, like a code block.
_FORMULA_SIGNS = re.compile(r"[=+^<>≤≥×·]")
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
_NEGATED = re.compile(r"\b(?:not|never|stop|no need to|don'?t|do not|won'?t)\W+(?:\w+\W+)?$")
_ASKS_REPEAT = re.compile(
    r"\b(?:can|could|would|will) you (?:please |kindly )?(?:repeat|read (?:that|it|this|them) "
    r"(?:back|again)|go (?:over|through) (?:that|it|this|them) again)\b|\bplease repeat\b|"
    r"\brepeat (?:that|this|it|step \d+|the (?:last|question|step|code|number|address|"
    r"instructions?))\b|\bsay (?:that|it|this)(?: \w+)? again\b|\b(?:come again|pardon)\s*\?|"
    r"\b(?:didn'?t|did not|couldn'?t|could not) (?:quite )?(?:catch|hear)\b|"
    r"\bone more time\s*\?|\bwhat (?:was|were|is|are)\b[^.?!]{0,40}\bagain\s*\?"
)
# A participant pointing out that it is being asked or told the same thing again.
_COMPLAINS_REPEAT = re.compile(
    r"\b(?:i|we) (?:just|already) (?:did|said|told|answered|gave|sent|mentioned|explained|"
    r"confirmed)\b|\bi(?:'ve| have) already (?:said|told|answered|given|sent|mentioned|"
    r"explained|confirmed)\b|\bas i (?:said|mentioned|told you|explained|wrote)\b|"
    r"\bi (?:just )?told you\b|\byou(?:'ve| have)? (?:already|just) asked\b|"
    r"\byou asked (?:me )?(?:that|this) (?:already|before)\b|\byou keep (?:asking|saying|"
    r"repeating|telling)\b|\byou(?:'re| are) repeating\b|\bdid (?:that|this|it) already\b|"
    r"\bthe (?:second|third|fourth|fifth|\d+(?:nd|rd|th)) time\b|\bhow many times\b|"
    r"\balready said\b|\bsaid (?:so|that) already\b|\bsame question\b|"
    r"\byou(?:'ve| have)? already (?:asked|guessed|tried|said|sent|suggested)\b"
)
_CUE = re.compile(r"repeat|again|catch|hear|pardon|back|after me")
_INVITES_ECHO = re.compile(
    r"\b(?:repeat|say) (?:it |this |that )?after me\b|\b(?:now |please )?repeat\s*:|"
    r"\b(?:say|read) (?:it|that|this|them) back(?: to me)?\b|\brepeat (?:it|this|that) back\b"
)
_READ_BACK_OPENING = re.compile(
    r"\W*(?:so|ok(?:ay)?|right|alright|got it|noted|understood|(?:just )?to confirm|"
    r"confirming|let me (?:read|repeat) (?:that|it|this) back|reading (?:that|it) back|"
    r"i(?: have|'ve (?:got|noted|added|written))|added|you said)\b"
)
_READ_BACK_CHECK = re.compile(  # searched in the last characters only
    r"\b(?:correct|right|is that (?:right|correct|ok|okay)|have i got that right|"
    r"did i get that right)\s*\?$"
)
_INSTRUCTION = re.compile(  # an imperative opening a sentence or following a call sign
    r"(?:^|[.!?:;,]\s*)(?:please\s+|now\s+|then\s+)?(?:turn|descend|climb|maintain|reduce|"
    r"increase|contact|hold|taxi|cross|proceed|squawk|send|open|tap|toggle|press|click|select|"
    r"enter|type|restart|unplug|plug|take|call|add|remove|deliver|ship|book|cancel|charge|"
    r"transfer|pay|bring|put|set|switch|install|update|use|dial|fill|sign|return|keep|wait|"
    r"leave|meet|buy|order|note|write|record)\b"
)
_REQUEST = re.compile(
    r"(?:^|[.!?:]\s+)(?:please\s+)?(?:tell|describe|explain|name|list|give|try|write|show|"
    r"share|walk)\b"
)


@dataclass(frozen=True, slots=True)
class Features:
    """Normalised views of one message (see the module docstring)."""

    raw: str
    text: str
    sorted_text: str
    content: frozenset[str]
    facts: frozenset[str]
    numbers: frozenset[str]
    shingles: frozenset[tuple[str, str]]
    words: int
    phatic: bool
    pleasantry: bool
    structured: bool
    asks_repeat: bool
    invites_echo: bool
    reads_back: bool
    asks: bool
    instructs: bool
    negated: bool
    complains_repeat: bool
    """Says it was asked or told this already ("I just did", "as I said", "you keep asking")."""


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """A light stemmer: one suffix off, a final e/y off, then a 6-letter prefix.

    "arrival", "arrived" and "arrive" meet at "arriv"; "stays" and "stay" at "sta".
    """
    if word[0].isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if not (suffix == "s" and word.endswith("ss")):
                word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] in "ey":
        word = word[:-1]
    return word[:6]


def _normal(word: str) -> str:
    if _THOUSANDS.match(word):
        return word.replace(",", "")
    return _NUMBER_WORDS.get(word, word)


def _words(content: str) -> list[str]:
    """The words of ``content`` outside quotes, lower-cased, numbers normalised."""
    unquoted = _QUOTED.sub(" ", content) if _QUOTE_MARK.search(content) else content
    unquoted = unquoted.lower().replace("’", "").replace("'", "")
    words: list[str] = _WORD.findall(unquoted)
    if _GROUPED.search(unquoted) or not _NUMBER_WORDS.keys().isdisjoint(words):
        words = [_normal(w) for w in words]
    return words


def _finds(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` occurs in ``text`` other than negated ("don't say that again")."""
    return any(not _NEGATED.search(text[: m.start()]) for m in pattern.finditer(text))


def _cues(content: str) -> tuple[bool, bool, bool, bool]:
    """(asks_repeat, invites_echo, reads_back, asks) of ``content``."""
    lowered = content.lower().replace("’", "'").strip()
    reads_back = bool(_READ_BACK_OPENING.match(lowered) or _READ_BACK_CHECK.search(lowered[-32:]))
    asks = ("?" in content and not reads_back) or bool(_REQUEST.search(lowered))
    if not _CUE.search(lowered):  # most messages: skip the long patterns
        return False, False, reads_back, asks
    return _finds(_ASKS_REPEAT, lowered), _finds(_INVITES_ECHO, lowered), reads_back, asks


# "please" asks for something ("Yes, please block it"), so it never makes a pleasantry
_SOCIAL_STEMS = (frozenset(_stem(w) for w in SOCIAL_WORDS) | _COURTESY) - {"pleas", "pls"}


def _is_pleasantry(words: list[str], stems: list[str], phatic: bool) -> bool:
    """Only courtesy: phatic, or polite and about the exchange itself (see SOCIAL_WORDS), with
    no number and at most one other word (two in a long message)."""
    if phatic:
        return True
    if not words or len(words) > 30 or any(w[0].isdigit() for w in words):
        return False
    if PHATIC_WORDS.isdisjoint(words) and _POLITE_MARKERS.isdisjoint(words):
        return False
    others = {s for s in stems if s not in _SOCIAL_STEMS}
    return len(others) <= (2 if len(words) >= 10 else 1)


@lru_cache(maxsize=4096)
def features(content: str) -> Features:
    """The normalised views of ``content``."""
    words = _words(content)
    stems = [_stem(w) for w in words if w not in _NOT_CONTENT]
    greeting = bool(words) and words[0] in _GREETINGS
    # A pleasantry says "thanks", "great", "hi"… or nothing in words at all (👍); text in a
    # language the vocabulary does not cover is never taken for one.
    # (quoted text alone, "'Delete'", is no pleasantry: it names something)
    polite = (not words and not _HAS_WORD.search(content)) or not PHATIC_WORDS.isdisjoint(words)
    asks_repeat, invites_echo, reads_back, asks = _cues(content)
    phatic = polite and len(words) <= 24 and len(stems) <= (3 if greeting else 1)
    return Features(
        raw=" ".join(content.lower().split()),
        text=" ".join(words),
        sorted_text=" ".join(sorted(words)),
        content=frozenset(stems),
        facts=frozenset(stems) - _COURTESY,
        numbers=frozenset(w for w in words if w[0].isdigit()),
        shingles=frozenset(pairwise(stems)),
        words=len(words),
        phatic=phatic,
        pleasantry=_is_pleasantry(words, stems, phatic),
        structured="```" in content
        or len(_LIST_ITEM.findall(content)) >= 3
        or len(_FORMULA_SIGNS.findall(content)) >= 3,
        asks_repeat=asks_repeat,
        invites_echo=invites_echo,
        reads_back=reads_back,
        asks=asks,
        instructs=bool(_INSTRUCTION.search(content.lower())),
        negated=not _NEGATIONS.isdisjoint(words),
        complains_repeat=_finds(_COMPLAINS_REPEAT, content.lower().replace("’", "'")),
    )


_T = TypeVar("_T")


def jaccard(a: frozenset[_T], b: frozenset[_T]) -> float:
    """Overlap of two sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


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
    fa, fb = features(earlier), features(later)
    return bool(fb.numbers - fa.numbers or fb.facts - fa.facts) or fa.negated != fb.negated
