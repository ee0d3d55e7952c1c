"""The detector's vocabulary: its thresholds (``LoopConfig``), what it looks at (``Utterance``)
and what it finds (``Loop``). ``loops`` holds the detectors that compare wording and
``loop_stalls`` those that see a conversation stand still; both build on this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import is_not
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopConfig:
    """Thresholds of the detector; similarities are in [0, 1]."""

    window: int = 8
    """How many of the most recent messages are considered (the new one included)."""
    repetition: float = 0.92
    """Character similarity at which a participant repeats one of its own messages."""
    echo: float = 0.92
    """Character similarity at which a participant repeats another's message."""
    reorder: float = 0.97
    """Similarity of the sorted words at which a reordered message counts as a repeat."""
    ping_pong: float = 0.45
    """Content overlap both A-A and B-B pairs of an A-B-A-B cycle must reach."""
    ping_pong_gap: float = 0.12
    """How much less A and B must resemble each other than themselves (else a paraphrase)."""
    paraphrase: float = 0.45
    """Mean content-word or shingle overlap of a run of messages with earlier ones."""
    paraphrase_floor: float = 0.3
    """Overlap every message of that run must reach on its own."""
    paraphrase_run: int = 4
    """Consecutive restating messages that make a paraphrase loop."""
    rewording: float = 0.4
    """Content overlap every pair of one participant's last ``rewording_run`` messages must
    reach for that participant to be rewording itself (a paraphrase)."""
    rewording_run: int = 3
    """How many of one participant's messages make it reword itself."""
    novelty: float = 0.25
    """Most share of new content words a rewording may bring (more is a new point)."""
    edit: float = 0.8
    """Character similarity from which a message is an edit of the previous one (a revision,
    or a repeat), not a rewording."""
    min_chars: int = 24
    """Messages shorter than this (normalised) never count as repeats."""
    min_content_words: int = 3
    """Messages with fewer content words never count as paraphrases."""
    collapse_run: int = 4
    """Consecutive pleasantries (from at least two senders) that make a collapse."""
    collapse_max_words: int = 16
    """Longest message still considered a pleasantry."""

    def __post_init__(self) -> None:
        runs = (self.paraphrase_run, self.collapse_run, self.rewording_run)
        if self.window < 0 or min(runs) < 2:
            raise ValueError("window must be >= 0 (0 = everything) and runs must be >= 2")


LOOP_KINDS = ("repetition", "echo", "ping_pong", "paraphrase", "collapse")


@dataclass(frozen=True, slots=True, kw_only=True)
class Utterance:
    """One participant message as the detectors see it."""

    sequence: int
    sender: str
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Loop:
    """A detected loop: its ``kind`` (one of ``LOOP_KINDS``), a ``score`` in [0, 1], the
    ``sequences`` of the messages involved and a human ``detail``."""

    kind: str
    score: float
    sequences: tuple[int, ...]
    detail: str


def make_loop(kind: str, score: float, involved: Sequence[Utterance], detail: str) -> Loop:
    """A ``Loop`` of ``kind`` over the messages ``involved`` (score rounded to 3 places)."""
    sequences = tuple(u.sequence for u in involved)
    return Loop(kind=kind, score=round(score, 3), sequences=sequences, detail=detail)


class WindowAnswers(Generic[K, V]):
    """What a helper of the rules answered about the window it was last asked about: the rules
    of one judgement ask some helpers the same question of the same window several times.

    ``of(history)`` gives the answers kept for ``history``, or a new empty table when the window
    is another: a window is recognised by its messages' identity (a list changed in place is
    another window). The window and its table are kept as one tuple, so that two threads judging
    at once each see a whole pair (one of them then answers from scratch).
    """

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: tuple[tuple[Utterance, ...], dict[K, V]] = ((), {})

    def of(self, history: Sequence[Utterance]) -> dict[K, V]:
        """The answers kept for ``history`` (empty for a window not seen last)."""
        window, answers = self._last
        if len(window) != len(history) or any(map(is_not, window, history)):
            window, answers = tuple(history), {}
            self._last = (window, answers)
        return answers


def answering_run(
    history: Sequence[Utterance], run: int, answers: Callable[[Sequence[Utterance], int], bool]
) -> list[int]:
    """The indices of the newest sender's last ``run`` replies, newest first, each right after a
    message of another's and ``answers(history, index)``; fewer when the run breaks sooner."""
    sender = history[-1].sender
    replies: list[int] = []
    for index in range(len(history) - 1, 0, -1):
        if history[index].sender != sender:
            continue
        if history[index - 1].sender == sender or not answers(history, index):
            break  # (the newest first: most messages are no such answer)
        replies.append(index)
        if len(replies) == run:
            break
    return replies
