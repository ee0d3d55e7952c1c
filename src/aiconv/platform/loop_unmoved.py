"""One side says its point a fourth time in fresh words and never takes up what it is told.

A restatement in new words shares few whole words with the message it restates ("su expediente
sigue en estudio" after "el siniestro se encuentra en revisión"), and in languages that inflect
or agglutinate ("교수님의" after "교수님", "Reiseversicherung" after "Versicherung") even a point
said again shares few. What does not change, in any script, are the pieces of the words: the
newest sender's last ``UNMOVED_RUN`` messages are each mostly made of letter trigrams it used
before (``_OWN_SHARE``), state no number new to the window, ask nothing, and take up almost none
of the trigrams each message of the others in between brought to the window (``_UPTAKE``),
though each brought some (``_NEWS``). A point that does not move while the other side moves on:
an insurer's "under review" to a question about a garage, a date and a human agent.

A restatement may ask ("Could you send a photo of your ID, front and back?") when not all of
them do and the others answer by saying their own point again (``pressed_back``: "I sent it
twice", "it's in the PDF"): a question asked again of someone who answered it.

What it is not: a revision or a chorus (two of the messages near copies: ``_repeats`` and the
refrains' checks judge those); a frame filled anew (an interviewer's "Tell me about a time you
…", a stand-up's "what did you do yesterday?": each restatement asks, or the others answer each
question anew, or most trigrams of the messages are a shared frame and the rest differ); a
status answered with a new figure (a number new to the window). Pure; run by
``loops.detect_loop`` after the word-based checks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.text_memo import windowed
from aiconv.platform.wording import char_similarity, features

UNMOVED_RUN = 4
"""Messages of one side (the first states the point, the next three restate it)."""
_OWN_SHARE = 0.45
"""Least mean share of the restatements' trigrams their sender used in its earlier messages of
the run; each at least ``_OWN_FLOOR`` (the first restatement, said after the point alone,
rewords it most)."""
_OWN_FLOOR = 0.3
_UPTAKE = 0.15
"""Most share of the trigrams a message of the others brought that the reply takes up."""
_NEWS = 4
"""Fewest trigrams new to the window a message of the others brings (it says something)."""
_MIN_CHARS = 20
"""Shortest message of the run (a short filler is the collapses' business)."""
_FRAME = 0.4
"""Share of the smallest message's trigrams that all messages of the run have in common for
them to be a frame filled anew, when the rests differ (``_SLOT_OVERLAP``)."""
_SLOT_OVERLAP = 0.3

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_ASCII_DIGIT = re.compile("[0-9]")
"""``_DIGIT`` in ASCII text, where it is cheaper (a range, not a look-up of each character)."""
_SYLLABIC = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7a3]")
"""A word of a script whose every character is a syllable or a morpheme (Hangul, kana, Han):
two of its characters say as much as three letters, so its words are read by pairs."""


@windowed()
def trigrams(content: str) -> frozenset[str]:
    """The letter trigrams of ``content``'s words, each word padded with a space at both ends
    (any script: no dictionary, no word splitter); a word with a digit is kept whole, a word of
    syllables (``_SYLLABIC``) is read by pairs."""
    lowered = content.lower()
    words = _WORD.findall(lowered)
    in_ascii = lowered.isascii()  # then no syllables, and a digit is one of 0-9
    if not (_ASCII_DIGIT if in_ascii else _DIGIT).search(lowered) and (
        in_ascii or not _SYLLABIC.search(lowered)
    ):  # every word plain (most)
        return frozenset().union(*map(_plain_trigrams, set(words)))
    plain = {w for w in words if not _DIGIT.search(w) and not _SYLLABIC.match(w)}
    grams = set().union(*map(_plain_trigrams, plain))
    for word in words:
        if _DIGIT.search(word):
            if _SYLLABIC.search(word):  # a clause of an unspaced script with a figure in it
                _syllables_and_figures(word, grams)
            else:
                grams.add("#" + word)
        elif _SYLLABIC.match(word):
            _syllables(word, grams)
    return frozenset(grams)


_LONGEST_KEPT = 40
"""Longer words are not kept: a word is kept with its trigrams, so 4,096 hostile words of a
megabyte each (a pasted blob) would have held gigabytes; words this long are rare and not
met again."""


def _plain_trigrams(word: str) -> frozenset[str]:
    """The trigrams of one plain word, padded: kept for the words of ordinary length, which
    recur from text to text."""
    return _word_trigrams(word) if len(word) <= _LONGEST_KEPT else _padded_trigrams(word)


@lru_cache(maxsize=4096)
def _word_trigrams(word: str) -> frozenset[str]:
    """Each word of a text once, and most words of a text were seen in earlier texts (a text's
    trigrams took ~75 µs a mock message when made from all its words joined, ~10 µs so)."""
    return _padded_trigrams(word)


def _padded_trigrams(word: str) -> frozenset[str]:
    padded = f" {word} "
    return frozenset([padded[i : i + 3] for i in range(len(padded) - 2)])


_FIGURE = re.compile(r"\d[\d.,:/]*")


def _syllables(word: str, grams: set[str]) -> None:
    padded = f" {word} "
    grams.update(padded[i : i + 2] for i in range(len(padded) - 1))


def _syllables_and_figures(word: str, grams: set[str]) -> None:
    """The pairs of a clause of syllables and the figures in it apart ("签收后30天内" holds "签收",
    "#30" and "天内"): whole, the clause was one gram and shared nothing with its restatement."""
    start = 0
    for figure in _FIGURE.finditer(word):
        if figure.start() > start:
            _syllables(word[start : figure.start()], grams)
        grams.add("#" + figure.group())
        start = figure.end()
    if start < len(word):
        _syllables(word[start:], grams)


def _window_numbers(history: Sequence[Utterance]) -> frozenset[str]:
    return frozenset().union(*(features(u.content).numbers for u in history))


def _frame_filled_anew(grams: Sequence[frozenset[str]]) -> bool:
    """Whether the messages share a frame (most of the smallest one's trigrams) and the rest of
    each differs from the next: a new item in the same words, not the same point."""
    frame = frozenset.intersection(*grams)
    if len(frame) < _FRAME * min(len(g) for g in grams):
        return False
    rests = [g - frame for g in grams]
    return all(len(a & b) < _SLOT_OVERLAP * min(len(a), len(b)) for a, b in pairwise(rests))


_QUOTED = re.compile(r"(?<!\w)'([^']{20,}?)'(?!\w)|\"([^\"]{20,}?)\"|«([^»]{20,}?)»|“([^”]{20,}?)”")
"""A stretch quoted (20 characters or more): in single or double quotes, guillemets, curly."""


@windowed()
def _draft(text: str) -> str | None:
    """The longest stretch ``text`` quotes, if any."""
    found = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(text)]
    return max(found, key=len) if found else None


_REVISED = 0.7
"""Least character similarity of a quoted draft to the one before for it to be a revision of
it (a clause rewritten, "something it had refused to do" for "it had not done that")."""


def draft_revised(texts: Sequence[str]) -> bool:
    """Whether every message quotes a draft, each a revision of the one before (``_REVISED``)
    and none said before: a line revised a step at a time, whatever is said around it. A draft
    that comes back to an earlier version (a title put back) revises nothing."""
    drafts = [_draft(text) for text in texts]
    if any(d is None for d in drafts):
        return False
    said = [" ".join(d.lower().split()) for d in drafts if d is not None]
    if len(set(said)) < len(said):
        return False
    return all(char_similarity(a, b) >= _REVISED for a, b in pairwise(said))


_OPENER_WORDS = 2
"""Fewest words every message opens with for a shared opening to be a game's rule."""


def _opened_alike(turns: Sequence[Utterance]) -> bool:
    """Whether every message of ``turns`` (the run's restatements and the others' messages
    between them), both sides', opens with the same words (a story told in turns by its spine,
    "Because of that, …", "E il giorno dopo, …"; an improv's "Yes, and …"): a rule of a game
    both sides keep, each turn a new step in it, whatever the message that set it up said. A
    point restated opens the way its own sender likes, not the way the others open theirs."""
    if len({u.sender for u in turns}) < 2:
        return False
    openings = [_WORD.findall(u.content.lower())[:_OPENER_WORDS] for u in turns]
    return len(openings[0]) == _OPENER_WORDS and all(o == openings[0] for o in openings)


def _restates(
    history: Sequence[Utterance], own: Sequence[int], at: int, heard: Sequence[frozenset[str]]
) -> float | None:
    """The share of ``history[at]``'s trigrams (of the run ``own``) its sender used before,
    when it is at least ``_OWN_FLOOR``, the message adds no number, and takes up none of what
    the others brought just before it (``heard[i]``: the trigrams of ``history[:i]``); else
    None."""
    said = trigrams(history[at].content)
    if not said or features(history[at].content).numbers - _window_numbers(history[:at]):
        return None
    earlier = frozenset().union(*(trigrams(history[i].content) for i in own if i < at))
    share = len(said & earlier) / len(said)
    if share < _OWN_FLOOR:
        return None
    previous = max(i for i in own if i < at)
    for other in range(previous + 1, at):
        told = trigrams(history[other].content)
        brought = told - heard[other]
        if _new_step(history[other].content, told, brought, said):
            return None  # a new step to try, reported on in fewer words ("Still no sound.")
        if len(brought) < _NEWS and not _says_again(history, other, told):
            return None  # "ok": nothing to take up, nothing pressed
        if len(brought & said) > _UPTAKE * len(brought):
            return None
    return share


_PRESSING_WORDS = 3
"""Fewest words of a message that says its point again ("Und ohne App?"; not "ok", "Danke")."""
_AGAIN = 0.6
"""Least share of its trigrams a short message of the others takes from their own earlier
messages to say its point again ("Die App geht nicht!" after "die App funktioniert nicht")."""


def _says_again(history: Sequence[Utterance], index: int, told: frozenset[str]) -> bool:
    """Whether ``history[index]`` (of trigrams ``told``), bringing almost nothing new, says its
    sender's earlier point again: pressed, not acknowledged."""
    view = features(history[index].content)
    if view.words < _PRESSING_WORDS or view.phatic:
        return False
    sender = history[index].sender
    theirs = frozenset().union(
        *(trigrams(u.content) for u in history[:index] if u.sender == sender)
    )
    return len(told & theirs) >= _AGAIN * len(told)


def _new_step(
    content: str, told: frozenset[str], brought: frozenset[str], said: frozenset[str]
) -> bool:
    """Whether ``content`` tells a step to try, mostly new to the window (``brought`` of its
    trigrams ``told``), in more words than the reply ``said`` that reports back on it."""
    return len(told) > len(said) and 2 * len(brought) >= len(told) and features(content).instructs


def _leads(text: str) -> bool:
    """Whether ``text`` asks or tells the other side something, or is a formula or a list."""
    return _asks(text) or _tells(text)


def _asks(text: str) -> bool:
    return "?" in text or "？" in text or features(text).asks


def _tells(text: str) -> bool:
    """Whether ``text`` tells the other side to do something, or is a formula or a list."""
    view = features(text)
    return view.instructs or view.structured


_PRESSED = 0.3
"""Least mean share of trigrams the others' later messages take from their own earlier ones
for a run that asks to be a question asked again, not a frame of questions answered."""


def _others_after(history: Sequence[Utterance], own: Sequence[int]) -> list[int]:
    """The others' messages after the run's second."""
    sender = history[own[0]].sender
    return [i for i in range(own[1] + 1, len(history)) if history[i].sender != sender]


def _no_new_figures(history: Sequence[Utterance], own: Sequence[int]) -> bool:
    """Whether no message of the others after the run's second states a number new to the
    window."""
    return not any(
        features(history[i].content).numbers - _window_numbers(history[:i])
        for i in _others_after(history, own)
    )


_ANSWERED = 0.5
"""Most mean share of trigrams new to the window in the others' later messages: more, and they
answer (a coach's advice to each of a learner's questions)."""


def pressed_back(
    history: Sequence[Utterance], own: Sequence[int], heard: Sequence[frozenset[str]]
) -> bool:
    """Whether the others answer the run's questions by saying their own point again: their
    messages after the run's second bring no number new to the window, take on average at
    least ``_PRESSED`` of their trigrams from their own earlier messages ("I sent it already",
    "it's in the PDF": a question asked again of someone who answered it) and at most
    ``_ANSWERED`` new to the window (``heard``: the trigrams of each prefix of ``history``).
    An interviewee, a patient, a drilled student answers each question anew."""
    others = _others_after(history, own)
    if not others or not _no_new_figures(history, own):
        return False
    shares: list[float] = []
    news: list[float] = []
    for index in others:
        said = trigrams(history[index].content)
        if not said:
            return False
        theirs = [trigrams(u.content) for u in history[:index] if u.sender == history[index].sender]
        shares.append(len(said & frozenset().union(*theirs)) / len(said))
        news.append(len(said - heard[index]) / len(said))
    return sum(shares) >= _PRESSED * len(shares) and sum(news) <= _ANSWERED * len(news)


def heard_before(history: Sequence[Utterance]) -> list[frozenset[str]]:
    """The trigrams of each prefix of ``history``: ``[i]`` holds those of ``history[:i]``."""
    heard = [frozenset[str]()]
    for u in history:
        heard.append(heard[-1] | trigrams(u.content))
    return heard


def unmoved(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest sender restates its point a fourth time, unmoved by the others (above)."""
    sender = history[-1].sender
    own = [i for i, u in enumerate(history) if u.sender == sender][-UNMOVED_RUN:]
    if len(own) < UNMOVED_RUN or any(b - a < 2 for a, b in pairwise(own)):
        return None  # (the others must have spoken between each)
    texts = [history[i].content for i in own]
    if any(len(text) < _MIN_CHARS for text in texts):
        return None
    if any(_tells(text) for text in texts[1:]):
        return None  # it tells: a review, a formula, a list
    asking = [_asks(text) for text in texts[1:]]
    if all(asking):
        return None  # it asks each time: an interview, a debate that asks back, a drill
    if any(asking) and not _no_new_figures(history, own):
        return None  # (the cheapest test of pressed_back, before the trigrams)
    if any(char_similarity(a, b) >= config.edit for a, b in pairwise(texts)):
        return None  # near copies: a revision, a chorus, a drill
    if _frame_filled_anew([trigrams(text) for text in texts]):
        return None
    if draft_revised(texts):
        return None  # a line quoted anew, one thing changed each time: a draft being revised
    if _opened_alike(history[own[0] + 1 :]):
        return None  # each turn opens with the game's words: "Because of that, …"
    heard = heard_before(history)
    shares = []
    for index in own[1:]:
        share = _restates(history, own, index, heard)
        if share is None:
            return None  # (at the first message that is no restatement)
        shares.append(share)
    if sum(shares) < _OWN_SHARE * len(shares):
        return None
    if any(asking) and not pressed_back(history, own, heard):
        return None  # it asks, and is answered: a frame of questions, an interview
    detail = f"{sender} restates its point in fresh words, taking up nothing it is told"
    return make_loop("paraphrase", 0.9, tuple(history[i] for i in own), detail)
