"""The other's words handed back in a frame: one participant's last three messages each open
with the same words ("Revised version:", "Answer:") and go on with a copy of the message just
before them, while the other keeps saying again what it said before (its request was not taken
up). A dictation or a read-back whose other side moves on to a new item each time is healthy.
Pure, run by ``loops.detect_loop``; on structure, not on any word list.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiconv.platform.loop_acts import seen
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.wording import features, part_similarity

FRAMED_RUN = 3
"""How many framed copies in a row make an echo."""
_FRAME_WORDS = 2
"""Opening words the copies must share: one ("I", "The") is no frame."""
_RESTATED = 0.4
"""Share of its facts the window had said that makes the other's message a restatement."""


def _frame(texts: Sequence[str]) -> int:
    """How many opening words all ``texts`` share."""
    words = [text.split() for text in texts]
    shortest = min(len(w) for w in words)
    count = 0
    while count < shortest and len({w[count] for w in words}) == 1:
        count += 1
    return count


def framed_echo(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest sender's last ``FRAMED_RUN`` messages are each the same opening and a copy
    of at least half of the other's message just before, and every message of the others in
    between restates the window more than it adds (see the module docstring)."""
    sender = history[-1].sender
    indexes = [i for i, u in enumerate(history) if u.sender == sender][-FRAMED_RUN:]
    if len(indexes) < FRAMED_RUN or indexes[0] == 0:
        return None
    if any(history[i - 1].sender == sender for i in indexes):
        return None
    openings = {
        tuple(history[i].content.split(maxsplit=_FRAME_WORDS)[:_FRAME_WORDS]) for i in indexes
    }
    if len(openings) > 1:
        return None  # the cheap test first: most runs open differently
    opening = _frame([history[i].content for i in indexes])
    if opening < _FRAME_WORDS:
        return None
    rests = [" ".join(history[i].content.split()[opening:]) for i in indexes]
    others = [history[i - 1].content for i in indexes]
    if any(
        len(rest) < config.min_chars or 2 * len(rest) < len(other)
        for rest, other in zip(rests, others, strict=True)
    ):
        return None
    if any(
        part_similarity(rest, other) < config.echo
        for rest, other in zip(rests, others, strict=True)
    ):
        return None
    for index in range(indexes[0] + 1, indexes[-1]):
        said = features(history[index].content).facts
        if history[index].sender != sender and (
            not said or len(said & seen(history[:index])) < _RESTATED * len(said)
        ):
            return None  # the other moved on to a new item: a dictation, a read-back
    own = tuple(history[i] for i in indexes)
    detail = f"{sender} hands back the other's words in the same frame"
    return make_loop("echo", 1.0, own, detail)
