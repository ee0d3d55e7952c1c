"""Loops in which one side ignores what the other says, whatever the language: it asks a
fourth time for a value it was given three times (a customer number, in ever new words, never
read back), or states the same figures a third time while the other asks about something they
do not touch (a baggage allowance recited to a question about a surfboard). Numbers and the
other side's own words are what tell: an asker that took the answer up reads it back, a reply
that answers uses the words of the question. Pure functions over ``Utterance``s, run by
``loops.detect_loop`` after the cheaper detectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from aiconv.platform.loop_acts import ACT_RUN, moves_through_items, presses, seen_numbers
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.wording import features, part_similarity

_FIGURES = 2
"""Fewest numbers a message must state for a recital of figures (one is a reference)."""
_ANSWER_WORDS = 12
"""Longest reply read as giving a value (a longer one explains)."""
_TOPIC_LETTERS = 5
"""Shortest word taken for a topic of a question: in languages the lexicon does not know,
most function words are shorter ("pode", "isso", "mijn")."""
_ANSWER_LETTERS = 3
"""Shortest word taken up by an answer ("Dogs are welcome" to "Can I bring a dog?")."""


def _runs(
    history: Sequence[Utterance], run: int = ACT_RUN
) -> tuple[list[int], list[list[int]]] | None:
    """The indexes of the newest sender's last ``run`` messages and, for each after the
    first, the others' messages just before it; None unless every gap holds one."""
    sender = history[-1].sender
    own = [i for i, u in enumerate(history) if u.sender == sender][-run:]
    if len(own) < run:
        return None
    gaps = [[i for i in range(a + 1, b) if history[i].sender != sender] for a, b in pairwise(own)]
    return (own, gaps) if all(gaps) else None


def asked_again(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest sender asks a fourth time about the same thing, and in between the others
    answered three times with the same number, which the asker never says back ("Wat is uw
    klantnummer?" - "30815527" - "Kunt u mij uw klantnummer doorgeven?" - "Dat heb ik net
    gedaan: 30815527." - "Mag ik nog uw klantnummer ontvangen?" …). One ask more than a
    code that expired and was asked for again, the same one sent back by mistake."""
    if len(history) < 2 * ACT_RUN + 1:
        return None
    newest = features(history[-1].content)
    if not newest.asks or newest.numbers:
        return None  # (the cheapest conditions first)
    if not features(history[-2].content).numbers:
        return None
    found = _runs(history, ACT_RUN + 1)
    if found is None:
        return None
    own, gaps = found
    asks = [features(history[i].content) for i in own]
    if not all(view.asks for view in asks) or not frozenset.intersection(
        *(view.facts for view in asks)
    ):
        return None
    replies = [features(history[i].content) for gap in gaps for i in gap]
    if any(view.words > _ANSWER_WORDS for view in replies):
        return None  # a step explained, not a value given
    answers = [
        frozenset().union(*(features(history[i].content).numbers for i in gap)) for gap in gaps
    ]
    said = frozenset().union(*(view.numbers for view in asks))
    if not answers[0] or any(given != answers[0] for given in answers) or answers[0] & said:
        return None  # no answer repeated, or the asker read it back: it took it up
    if any(view.numbers for view in asks[1:]):
        return None  # the asker moves ("What is 7 times 6?" after "6 times 7?")
    detail = (
        f"{history[-1].sender} asks again for what {history[gaps[-1][-1]].sender} gave each time"
    )
    return make_loop("paraphrase", 1.0, tuple(history[i] for i in own), detail)


def recited_figures(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest sender states the same figures (two or more) a third time, each time after
    the others asked or pressed about something its message does not take up: a policy
    recited instead of an answer. A figure the window said before may join the recital (the
    amount the other complained of, said back), a new one may not."""
    if len(features(history[-1].content).numbers) < _FIGURES:
        return None  # (most messages: the cheapest condition first)
    found = _runs(history)
    if found is None:
        return None
    own, gaps = found
    stated = [features(history[i].content).numbers for i in own]
    figures = frozenset.intersection(*stated)
    if len(figures) < _FIGURES:
        return None
    if any(numbers != figures for numbers in stated) and (
        sum(len(figure) > 1 for figure in figures) < _FIGURES
        or any(
            numbers - figures - seen_numbers(history[:i])
            for i, numbers in zip(own, stated, strict=True)
        )
    ):
        # A figure of its own besides the recital: "R$ 612,00" is the bill's, said back. Only
        # beside figures that recite something ("12/05", "742 kWh"): lone digits run through
        # every step of a sum or a proof ("n = 1", "2(k+1)"), which then adds the window's "4".
        return None
    for earlier, index, gap in zip(own, own[1:], gaps, strict=False):
        if not any(presses(history[i].content) for i in gap):
            return None
        if any(_asks_for(history[i].content, history[earlier].content) for i in gap):
            return None  # "Could you give me your name, date of birth and ZIP code again?"
        if _topics(history, gap) & features(history[index].content).facts:
            return None  # it answers what was asked, in the asker's words
        if _adds_to(history[earlier].content, history[index].content):
            return None  # "Your order ships on 12 May; the address can be edited online"
    if moves_through_items(history, own):
        return None  # the same price for each passenger in turn: a checklist, not a recital
    detail = f"{history[-1].sender} recites the same figures to every question"
    return make_loop("paraphrase", 1.0, tuple(history[i] for i in own), detail)


_ASKED_FOR = 3
"""Content words (of four letters or more: not "de", "tem") a question shares with a message
when it asks for that message again."""


def _asks_for(question: str, said: str) -> bool:
    """Whether ``question`` asks for what ``said`` stated: it says it wants it again, or
    names three of its words ("full name, date of birth and ZIP code")."""
    view = features(question)
    shared = [w for w in view.facts & features(said).facts if len(w) > _ANSWER_LETTERS]
    return view.asks_repeat or len(shared) >= _ASKED_FOR


def answers_each(history: Sequence[Utterance], own: Sequence[int]) -> bool:
    """Whether each of one sender's messages ``own`` after the first takes up a word that the
    others' messages just before it brought to the window (a question answered in its own
    words, whatever is restated around the answer)."""
    for earlier, index in pairwise(own):
        gap = [i for i in range(earlier + 1, index) if history[i].sender != history[index].sender]
        if not gap:
            return False
        if not _topics(history, gap, _ANSWER_LETTERS) & features(history[index].content).facts:
            return False
    return True


_COPIED = 0.9
"""Similarity from which a message repeats an earlier one inside it (its best-aligned stretch)."""
_ADDED_WORDS = 3
"""Words a message must add to a restatement it contains to answer something new."""


def _adds_to(earlier: str, later: str) -> bool:
    """Whether ``later`` says ``earlier`` again word for word and adds a clause of its own:
    the figures restated as a preamble to a new answer, not recited in new words."""
    added = features(later).words - features(earlier).words
    return added >= _ADDED_WORDS and part_similarity(earlier, later) >= _COPIED


def _topics(
    history: Sequence[Utterance], gap: Sequence[int], letters: int = _TOPIC_LETTERS
) -> frozenset[str]:
    """The longer words the others' messages in ``gap`` bring that the window had not said."""
    before = frozenset().union(*(features(u.content).facts for u in history[: gap[0]]))
    brought = frozenset().union(*(features(history[i].content).facts for i in gap))
    return frozenset(w for w in brought - before if len(w) >= letters)
