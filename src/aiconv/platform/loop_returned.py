"""The other's code handed back unchanged: one side's last three messages each present a code
block (fenced with ```) that another participant had already posted in the window, and none
of its own, each in reply to a message of the other's that asks for something ("Can you add
a retry?" - "Sure! Here's the updated helper:" and the same helper). Whatever its frame says
("Updated with jitter"), the block is no work of its sender's. A version edited by a single
character is a block of its own; a version approved as it came ("Merged:" and the block)
answers no request.
Pure; run by ``loops.detect_loop``; on structure, not on any word list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.wording import features

RETURNED_RUN = 3
"""How many messages in a row that only hand back the others' code make a loop."""
_FENCE = "```"
_BLOCK = re.compile(r"```[^\n`]*\n(.*?)```", re.DOTALL)  # the info string ("python") aside


def _blocks(content: str) -> frozenset[str]:
    """The fenced code blocks of ``content``, their whitespace normalised."""
    if _FENCE not in content:
        return frozenset()
    return frozenset(" ".join(block.split()) for block in _BLOCK.findall(content))


def _hands_back(history: Sequence[Utterance], index: int) -> bool:
    """Whether every block of ``history[index]`` (one at least) was posted before by another."""
    blocks = _blocks(history[index].content)
    if not blocks:
        return False
    sender = history[index].sender
    posted = frozenset().union(*(_blocks(u.content) for u in history[:index] if u.sender != sender))
    return blocks <= posted


def returned_code(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest sender's last ``RETURNED_RUN`` messages, each after a message of another's
    that asks for something, hand back the others' code and nothing of their own."""
    if _FENCE not in history[-1].content:
        return None  # the cheap test first: most messages present no code
    sender = history[-1].sender
    indexes = [i for i, u in enumerate(history) if u.sender == sender][-RETURNED_RUN:]
    if len(indexes) < RETURNED_RUN or indexes[0] == 0:
        return None
    if any(history[i - 1].sender == sender for i in indexes):
        return None
    if not all(_hands_back(history, i) for i in reversed(indexes)):
        return None
    if not all(features(history[i - 1].content).asks for i in indexes):
        return None  # "Merged:" and the other's new version, each time: approval, not an echo
    detail = f"{sender} hands back {history[indexes[-1] - 1].sender}'s code unchanged"
    return make_loop("echo", 1.0, tuple(history[i] for i in indexes), detail)
