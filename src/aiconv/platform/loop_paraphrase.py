"""A run of messages that only reword earlier ones: four in a row, each overlapping (stemmed
words and word pairs) an earlier message it adds no number to, the newest bringing mostly
nothing new. An answer that brings news to a question is never a rewording (a quiz answer
that restates its question), nor is a list that grows by a new item each turn (a cumulative
memory game: "… a toothbrush and a snorkel", "… a toothbrush, a snorkel and a rubber duck"),
one message of the run aside (the invitation that opens the game, the slip that ends it).
Pure, run by ``loops.detect_loop``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiconv.platform.loop_acts import seen
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.wording import content_similarity, features


def _answers_with_news(index: int, history: Sequence[Utterance]) -> bool:
    """Whether message ``index`` answers another's question or request with something the
    window had not said yet (the answer of a quiz, the result of a step)."""
    if index == 0 or history[index - 1].sender == history[index].sender:
        return False
    if not features(history[index - 1].content).asks:
        return False
    return bool(features(history[index].content).facts - seen(history[:index]))


def _restates(index: int, history: Sequence[Utterance], config: LoopConfig) -> float:
    """The best overlap of message ``index`` with any earlier message it adds no number to
    (0 if it is not restatable, or answers a question with news)."""
    current = features(history[index].content)
    if len(current.content) < config.min_content_words or _answers_with_news(index, history):
        return 0.0
    best = 0.0
    said = history[index].content
    for earlier in history[:index]:
        if current.numbers <= features(earlier.content).numbers:
            best = max(best, overlap(earlier.content, said))
    return best


def overlap(earlier: str, said: str) -> float:
    """``content_similarity``, or for two records (``{…}``) the share of their words in common,
    quoted values read: the text views set quoted text aside, which leaves a record its keys
    alone, the same in every record of a protocol."""
    if not (_record(earlier) and _record(said)):
        return content_similarity(earlier, said)
    a, b = set(_WORD.findall(earlier.lower())), set(_WORD.findall(said.lower()))
    return len(a & b) / len(a | b) if a or b else 0.0


_WORD = re.compile(r"\w+")


def _record(content: str) -> bool:
    if content[:1] not in _OPENINGS:
        return False  # (most messages)
    text = content.strip()
    return text.startswith("{") and text.endswith("}")


_OPENINGS = frozenset("{ \t\n\r")
"""What a record's text may begin with: its brace, or space before it."""


_NEW_POINTS = 0.4
"""Share of new content words from which the message closing a paraphrase run moves on."""


def accumulates(history: Sequence[Utterance], run: int, *, but: int = 0) -> bool:
    """Whether each of the last ``run`` messages, ``but`` of them at most, says every fact of
    the message before it and adds one the window had not said: a list growing an item a turn
    is progress, whatever it repeats (each sender in turn, or one building on its own), and
    stays so with the message that sets the game up ("Let's play …") or the slip that ends it
    ("…, a drum, a feather boa... wait, I skipped the eggplant.") among them."""
    grown = 0
    for index in range(len(history) - run, len(history)):
        earlier, later = features(history[index - 1].content), features(history[index].content)
        grown += bool(
            earlier.facts and earlier.facts < later.facts and later.facts - seen(history[:index])
        )
    return grown >= run - but


def paraphrase(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The last ``config.paraphrase_run`` messages each reword an earlier one (see above)."""
    run = config.paraphrase_run
    if len(history) < run + 1:
        return None
    newest = features(history[-1].content).facts
    if len(newest - seen(history[:-1])) > _NEW_POINTS * len(newest):
        return None  # the newest message moves on ("the board is full: it's a draw")
    scores = [_restates(i, history, config) for i in range(len(history) - run, len(history))]
    mean = sum(scores) / run
    if min(scores) < config.paraphrase_floor or mean < config.paraphrase:
        return None
    if accumulates(history, run, but=1):
        return None  # "I packed my suitcase and in it I put a toothbrush, a snorkel and …"
    involved = history[-run - 1 :]
    detail = f"the last {run} messages reword earlier ones"
    return make_loop("paraphrase", mean, tuple(involved), detail)
