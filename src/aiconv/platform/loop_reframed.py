"""The other's whole message said back in a frame of one's own, reply after reply: an echo.

One side's last ``REFRAMED_RUN`` replies each follow a message of the other's and are that
message said again: at least ``_WHOLE`` of its letter trigrams are in the reply, and at least
``_OWN`` of the reply's trigrams are not from it but were said before in the window (a frame
the replier keeps using, "Begrepen: …", "Understood — you want me to …", the other's words
turned to the second person); at most ``_NEW`` of the reply is new to the window, no number is
new, and the reply is no copy of a stretch of the message (``part_similarity`` below
``_COPY``). A reply that brings nothing and carries everything it was told, in words it has
used before: the message handed back, not taken up. By structure alone: no language's "you",
"so" or "understood" is listed.

What it is not: a read-back or a dictation (the reply is the item, copied: almost all its
trigrams come from the message, or it is a copy of a stretch of it); a memory game or a list
that grows (each reply brings an item new to the window); a quiz answer that restates its
question (the answer is new); a reply to a message too short to be said back ("I?", "Next"); an
order or a dictation read back in a frame, item after item ("Noted: two margheritas. Anything
else?"), when none of the messages said back asked anything: only a question or a request
left unanswered makes the frame a way of not answering.
``loop_said_back`` judges a part of a message said back; this, the whole in a frame.
Pure; run by ``loops.detect_loop``.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiconv.platform.loop_acts import seen_numbers
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, answering_run, make_loop
from aiconv.platform.loop_unmoved import trigrams
from aiconv.platform.wording import features, part_similarity

REFRAMED_RUN = 3
"""Replies in a row that say the other's whole message back."""
_WHOLE = 0.5
"""Least share of the other's message's trigrams the reply says."""
_OWN = 0.15
"""Least share of the reply's trigrams not from the message it replies to (its frame)."""
_NEW = 0.25
"""Most share of the reply's trigrams new to the window."""
_FIRST_NEW = 0.4
"""Most share new to the window of a reply whose frame is said for the first time."""
_COPY = 0.8
"""Character similarity to a stretch of the message from which the reply is a copy of it."""
_SAYABLE = 12
"""Fewest trigrams a message has for a reply to say it back (not "I?" or "Next")."""
_SAYABLE_WORDS = 2
"""Fewest content words (stems) a message has for a reply to say it back."""
_WORDS_SAID = 0.2
"""Least share of the message's content words (stems) the reply says: a cheap test before the
trigrams (a message said back whole says more; inflected, its stems may differ)."""


def _reframes(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` says the message before it back whole in its own frame."""
    reply, told = history[index].content, history[index - 1].content
    said, heard = features(reply).content, features(told).content
    if len(heard) < _SAYABLE_WORDS or _WORDS_SAID * len(heard) > len(said & heard):
        return False  # (most replies: the memoised words first, the trigrams only then)
    grams, told_grams = trigrams(reply), trigrams(told)
    if len(told_grams) < _SAYABLE:
        return False
    shared = len(grams & told_grams)
    if shared < _WHOLE * len(told_grams) or shared > (1 - _OWN) * len(grams):
        return False  # (most replies: two set sizes, before the window's trigrams)
    before = frozenset().union(*(trigrams(u.content) for u in history[:index]))
    if len(grams - before) > _FIRST_NEW * len(grams):
        return False  # (the first of the run may bring its frame: judged again below)
    if features(reply).numbers - seen_numbers(history[:index]):
        return False
    return part_similarity(reply, told) < _COPY


def reframed(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest sender's last ``REFRAMED_RUN`` replies each say the other's message back
    whole in a frame of its own (see the module docstring)."""
    replies = answering_run(history, REFRAMED_RUN, _reframes)
    if len(replies) < REFRAMED_RUN or not _brings_nothing(history, replies):
        return None
    if not any(_asks(history[i - 1].content) for i in replies):
        return None  # an order read back ("Noted: …. Anything else?"): nothing was asked
    other = history[replies[0] - 1].sender
    detail = f"{history[-1].sender} says each message of {other} back whole in its own frame"
    return make_loop("echo", 1.0, tuple(history[i] for i in reversed(replies)), detail)


def _brings_nothing(history: Sequence[Utterance], replies: Sequence[int]) -> bool:
    """Whether each of ``replies`` brings at most ``_NEW`` of its trigrams new to the window
    but for its frame (the trigrams every reply of the run says): the first said the frame
    for the first time ("Értem, tehát azt szeretnéd, hogy …"), and only the frame."""
    said = [trigrams(history[i].content) for i in replies]
    frame = frozenset.intersection(*said)
    for index, grams in zip(replies, said, strict=True):
        before = frozenset().union(*(trigrams(u.content) for u in history[:index]))
        if len(grams - before - frame) > _NEW * len(grams):
            return False
    return True


def _asks(content: str) -> bool:
    """Whether ``content`` asks something of the other: a question mark of any script, or
    a request (``features``)."""
    return any(mark in content for mark in "?？؟") or features(content).asks
