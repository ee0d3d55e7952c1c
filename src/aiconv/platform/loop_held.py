"""Both sides hold their positions: A-B-A-B, each message its sender's own earlier words.

The last ``HELD_RUN`` messages alternate between two senders, and each is made mostly of letter
trigrams its sender said before in the window (``_OWN``), takes up little of what the other's
message just before it brought to the window (``_UPTAKE``), and states no number new to the
window. Each side says its own point again past the other's ("Send the link and we'll
confirm." - "Confirm and we'll send the link.", "It's your move." - "No, it's yours."): the
two positions bounce, in any language, whatever the words. No language's words are listed.

What it is not: a memory game or a list that grows (each message takes up the item the
other brought); a counter-offer (a new number); a conversation in which one side moves (its
messages bring words it has not used). Pure; run by ``loops.detect_loop``.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiconv.platform.loop_acts import seen_numbers
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.loop_unmoved import trigrams
from aiconv.platform.wording import features

HELD_RUN = 4
"""Messages in a row, two of each side, that hold their positions."""
_OWN = 0.55
"""Least share of a message's trigrams its sender said before in the window."""
_UPTAKE = 0.25
"""Most share of what the other's message brought to the window that a message takes up."""
_WORDS_AGAIN = 0.2
"""Least share of a message's content words (stems) its sender's previous message had: a
cheap test before the trigrams (a point said again keeps some of its words)."""
_NEW = 0.4
"""Most share of a message's trigrams new to the window."""
_SAYABLE = 10
"""Fewest trigrams of a message of the run (a short filler is the collapses' business)."""


def _holds(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` says its sender's point again past the message before it."""
    message, other = history[index], history[index - 1]
    said, earlier = features(message.content).content, features(history[index - 2].content).content
    if len(said & earlier) < _WORDS_AGAIN * len(said):
        return False  # (most messages: the memoised words of its sender's last one, first)
    grams = trigrams(message.content)
    if len(grams) < _SAYABLE:
        return False
    own = frozenset().union(
        *(trigrams(u.content) for u in history[:index] if u.sender == message.sender)
    )
    if len(grams & own) < _OWN * len(grams):
        return False  # (most messages: it says something of its own)
    before = frozenset().union(*(trigrams(u.content) for u in history[: index - 1]))
    if len(grams - before - trigrams(other.content)) > _NEW * len(grams):
        return False  # it brings words of its own: an answer ("… is Brasília."), a step
    brought = trigrams(other.content) - before
    if len(grams & brought) > _UPTAKE * len(brought):
        return False  # it takes up what the other brought: the next item, the new question
    return not features(message.content).numbers - seen_numbers(history[:index])


def held_positions(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The last ``HELD_RUN`` messages alternate between two senders and each holds its
    sender's position (see the module docstring)."""
    if len(history) <= HELD_RUN:
        return None
    run = range(len(history) - HELD_RUN, len(history))
    senders = {history[i].sender for i in run}
    if len(senders) != 2 or any(history[i].sender == history[i - 1].sender for i in run):
        return None
    if not all(_holds(history, i) for i in reversed(run)):  # (the newest first)
        return None
    a, b = history[-1].sender, history[-2].sender
    detail = f"{a} and {b} each say their own point again past the other's"
    return make_loop("ping_pong", 1.0, tuple(history[i] for i in run), detail)
