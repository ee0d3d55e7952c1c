"""Loops that the words alone do not show: a point restated in fresh words, judged on meaning
(``word_vectors``), and a collapse into exclamations in any language, judged on shape.

``restated_point``: one participant's last four messages make the same point in other words
("the warranty has expired", "the coverage ended", "the product is no longer covered"), none
brings a number, a name or a result (``loop_stalls.brings_news``), the others press in at least
half of their messages, and every restatement is closer in meaning to what its sender said
before than to the message it replies to: it holds its position instead of answering. The last
condition keeps drills, interviews and Socratic tutoring apart (each turn follows the other's).
``exclaimed_collapse``: six short exclamations in a row from two sides, with no number and no
question ("Dziękuję bardzo!", "Nie ma za co!"): pleasantries in a language no list holds.
``terse_collapse``: six messages in a row from two sides of three words at most, no number,
no question, whose words come round again ("Oke." "Baik, Kak." "Siap." "Baik."): nothing left
to say, in any language (a word game brings a new word each turn).
Pure functions over ``Utterance``s, run by ``loops.detect_loop`` after the other detectors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import combinations, pairwise

from aiconv.platform.loop_acts import answers_with_news, presses, seen, stands_still
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.loop_unmoved import draft_revised
from aiconv.platform.word_vectors import known_words_not_letters, meaning_similarity
from aiconv.platform.wording import char_similarity, features

_RUN = 4
"""How many of one participant's messages making one point make a loop (three restatements)."""
_SAME_POINT = 0.4
"""Mean cosine of the messages' vectors, over every pair, from which they make one point."""
_SAME_POINT_FLOOR = 0.2
"""Cosine every pair must reach."""
_HOLDS = 0.1
"""How much closer each restatement must be to its sender's earlier messages than to the
message it replies to."""
_NEW_WORDS = 8
"""Most content words new to the window a restatement may bring (a long message that brings
many is a new argument, however alike its topic)."""
_MIN_WORDS = 2
"""Known words a message needs before its meaning is trusted (letters alone aside)."""


def restated_point(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """One participant makes the same point four times in other words, bringing nothing new,
    while the others press, and each time it holds its position rather than answering."""
    sender = history[-1].sender
    indexes = [i for i, u in enumerate(history) if u.sender == sender][-_RUN:]
    own = [history[i] for i in indexes]
    if len(own) < _RUN or not stands_still(history, own):
        return None  # (the cheapest conditions first: they use views other detectors made)
    if any(_new_words(history, i) > _NEW_WORDS for i in indexes[1:]):
        return None
    if any(char_similarity(a.content, b.content) >= config.edit for a, b in pairwise(own)):
        return None  # edited versions: a revision, or a repeat that others judge
    if draft_revised([u.content for u in own]):
        return None  # a quoted draft revised a step at a time, whatever is said around it
    if any(known_words_not_letters(u.content) < _MIN_WORDS for u in own):
        return None
    others = [u for u in history[indexes[0] + 1 :] if u.sender != sender]
    if len(others) < _RUN - 1 or 2 * sum(presses(u.content) for u in others) < len(others):
        return None
    similarities = [meaning_similarity(a.content, b.content) for a, b in combinations(own, 2)]
    mean = sum(similarities) / len(similarities)
    if mean < _SAME_POINT or min(similarities) < _SAME_POINT_FLOOR:
        return None
    if not all(_holds_position(history, indexes[: n + 1]) for n in range(1, len(indexes))):
        return None
    if answers_with_news(history, indexes):
        return None  # one frame ("Entiendo que usted quiere saber …:") around a new answer
    detail = f"{sender} makes the same point in other words while the others press"
    return make_loop("paraphrase", mean, tuple(own), detail)


def _new_words(history: Sequence[Utterance], index: int) -> int:
    return len(features(history[index].content).facts - seen(history[:index]))


def _holds_position(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    """Whether the message at ``indexes[-1]`` is closer in meaning to its sender's messages at
    the earlier ``indexes`` than to the message it replies to (by ``_HOLDS``)."""
    message = history[indexes[-1]].content
    before = history[indexes[-1] - 1]
    replies_to = 0.0
    if before.sender != history[indexes[-1]].sender:
        replies_to = meaning_similarity(message, before.content)
    held = max(meaning_similarity(message, history[i].content) for i in indexes[:-1])
    return held - replies_to >= _HOLDS


_EXCLAIMED_RUN = 6
_EXCLAIMED_WORDS = 6
_EXCLAIMED_MARKS = 4
"""Of the run, how many end with an exclamation mark."""
_NUMBER_OR_QUESTION = re.compile(r"[\d?？؟]")
_WORDLIKE = re.compile(r"\w")
_QUESTION_MARK = re.compile(r"[?？؟]")


def exclaimed_collapse(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """Six short messages in a row from at least two senders, none with a number or a
    question, most of them exclamations: thanks and goodbyes in whatever language."""
    run = history[-_EXCLAIMED_RUN:]
    if len(run) < _EXCLAIMED_RUN or len({u.sender for u in run}) < 2:
        return None
    texts = [u.content.strip() for u in run]
    if any(len(t.split()) > _EXCLAIMED_WORDS or _NUMBER_OR_QUESTION.search(t) for t in texts):
        return None
    if sum(t.endswith(("!", "！")) for t in texts) < _EXCLAIMED_MARKS:
        return None
    return make_loop("collapse", 1.0, tuple(run), f"{len(run)} short exclamations in a row")


_TERSE_WORDS = 3
_TERSE_CHARS = 32
"""Longest terse message (in characters: a language written without spaces is one "word")."""
_COME_ROUND = 2
"""Messages of the run made only of words the window said before, from which they cycle."""


def terse_collapse(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """Six messages in a row from at least two senders, each of three words at most, none with
    a number or a question (but an offer asked again in the same words: ``_offered_again``),
    and at least two of them only words said before in the window (or, without words, only
    emoji sent before: "🙏🙏" after "Peki 🙏"): acknowledgements going round ("Oke." - "Baik,
    Kak." - "Siap." - "Baik.")."""
    newest = history[-1].content
    if _is_long(newest) and (
        len(newest) > _TERSE_CHARS + 2 or not _offered_again(history, len(history) - 1)
    ):
        return None  # (most messages)
    run = history[-_EXCLAIMED_RUN:]
    start = len(history) - len(run)
    if len(run) < _EXCLAIMED_RUN or any(
        _is_long(u.content) and not _offered_again(history, start + n) for n, u in enumerate(run)
    ):
        return None
    if len({u.sender for u in run}) < 2:
        return None
    sent = [_sent(u.content) for u in history]
    said = [words or signs for words, signs in sent]  # a sign alone says what words would
    again = sum(
        bool(said[i]) and said[i] <= frozenset().union(*(w | s for w, s in sent[:i]))
        for i in range(start, len(history))
    )
    if again < _COME_ROUND:
        return None
    return make_loop("collapse", 1.0, tuple(run), f"{len(run)} terse messages in a row")


def _sent(content: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words of a terse message, and the signs it sends without words (an emoji, each
    once: "🙏🙏" sends 🙏): a message of signs alone comes round when they were sent before."""
    words = frozenset(features(content).text.split())
    signs = frozenset(
        sign
        for token in content.split()
        if not _WORDLIKE.search(token)
        for sign in token
        if not sign.isascii() and sign not in _JOINERS
    )
    return words, signs


_JOINERS = "\ufe0f\u200d"
"""What joins or styles an emoji (a variation selector, the zero-width joiner): no sign."""


def _offered_again(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]``, terse but for its question mark, asks in the same words as
    an earlier message of its sender in the window ("Mais alguma coisa?" once more, "Anything
    else? 😊"): an offer going round, no new question."""
    content = history[index].content
    if len(content) > _TERSE_CHARS + 2 or not _QUESTION_MARK.search(content):
        return False  # (most messages: too long, or no question, so long for another reason)
    if _is_long(_QUESTION_MARK.sub(" ", content)):
        return False
    said = features(content).text
    sender = history[index].sender
    return bool(said) and any(
        u.sender == sender and features(u.content).text == said for u in history[:index]
    )


def _is_long(content: str) -> bool:
    """Over ``_TERSE_CHARS`` characters or ``_TERSE_WORDS`` words, or a number or a question;
    an emoji or a mark standing alone is no word ("Dạ vâng ạ 😊" is three)."""
    text = content.strip()
    return (
        len(text) > _TERSE_CHARS
        or sum(bool(_WORDLIKE.search(token)) for token in text.split()) > _TERSE_WORDS
        or bool(_NUMBER_OR_QUESTION.search(text))
    )
