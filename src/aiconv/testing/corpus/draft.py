"""What a corpus template writes: a ``Draft`` (label, note, messages), from a seeded random.

Templates are plain functions ``(random.Random) -> Draft`` grouped in families (see
``generate``); they must draw every choice from the random they are given, so a family, a
seed and a count always produce the same transcripts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    """One generated conversation before it gets an id: ``messages`` are (sender, content)."""

    label: str
    note: str
    messages: tuple[tuple[str, str], ...]


Template = Callable[[random.Random], Draft]


def draft(label: str, note: str, *messages: tuple[str, str]) -> Draft:
    """A ``Draft`` from its label, note and (sender, content) messages."""
    return Draft(label=label, note=note, messages=tuple(messages))


def pick(rng: random.Random, options: Sequence[_T]) -> _T:
    """One of ``options``."""
    return options[rng.randrange(len(options))]


def some(rng: random.Random, options: Sequence[_T], count: int) -> list[_T]:
    """``count`` different ``options``, in a random order."""
    return rng.sample(list(options), count)
