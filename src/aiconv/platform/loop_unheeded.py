"""Questions met with nothing: one side's last three replies each follow a question of the
other's, take up none of the words that question brought to the window, say again something
of their sender's own (at least one word it said before), bring at most three words new to
the window and no figure, name or question of their own ("Let me check on that" – "Do you see
the refund?" – "I'm reviewing the details, bear with me" – "Was it sent?" – "Still looking into
it, a moment longer"). What a reply does with the question, not its wording, tells: an answer
takes up the question or brings something (a value, a name, a new point), a stall does neither.
Pure; run by ``loops.detect_loop``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from aiconv.platform.loop_acts import seen, stands_still
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.wording import features

UNHEEDED_RUN = 3
"""How many replies in a row that heed no question make a loop."""
_NEW_WORDS = 3
"""At most this many facts new to the window in each of those replies."""


def _plain(content: str) -> bool:
    """Whether ``content`` has two content words or more, and no figure and no question."""
    said = features(content)
    return not said.numbers and "?" not in content and len(said.content) >= 2


def _stalls(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` brings at most ``_NEW_WORDS`` facts new to the window, and
    says again at least one its sender said before."""
    said = features(history[index].content)
    before = seen(history[:index])
    own = seen([u for u in history[:index] if u.sender == history[index].sender])
    return len(said.facts - before) <= _NEW_WORDS and bool(said.facts & own)


def _takes_up(history: Sequence[Utterance], start: int, index: int) -> bool:
    """Whether ``history[index]`` takes up a fact that a message of the others between
    ``start`` and ``index`` brought to the window."""
    said = features(history[index].content).facts
    return any(
        said & (features(history[other].content).facts - seen(history[:other]))
        for other in range(start + 1, index)
    )


def unheeded(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest sender's last ``UNHEEDED_RUN`` messages stall after questions (see above)."""
    sender = history[-1].sender
    indexes = [i for i, u in enumerate(history) if u.sender == sender][-UNHEEDED_RUN:]
    if len(indexes) < UNHEEDED_RUN or indexes[0] == 0:
        return None
    if any(later - earlier < 2 for earlier, later in pairwise(indexes)):
        return None  # the others must have spoken in between
    if not all(_plain(history[i].content) for i in indexes):
        return None
    if not all(features(u.content).asks for u in history[indexes[0] :] if u.sender != sender):
        return None  # each message of the others in between asks something
    if not all(_stalls(history, i) for i in indexes[1:]):
        return None
    if any(_takes_up(history, a, b) for a, b in pairwise(indexes)):
        return None
    own = [history[i] for i in indexes]
    if not stands_still(history, own):
        return None
    detail = f"{sender} answers each question with nothing new"
    return make_loop("paraphrase", 1.0, tuple(own), detail)
