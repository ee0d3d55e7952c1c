"""Timing learned from data: empirical reply delays and double-texting of real conversations.

A reply delay is the time from the other side's last message to a message; a follow-up delay
the time from one's own last message to the next (a double text). ``Distribution`` keeps 21
quantiles (0 %, 5 % … 100 %) and samples by inverse transform with linear interpolation, so
simulated delays follow the data rather than a guessed formula. ``again`` is the chance that a
customer's message is followed by another of their own (the ``scheduled`` turn policy's coin),
``max_streak`` the longest run seen.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aiconv.learning.transcripts import AGENT, CUSTOMER, Transcript
from aiconv.simulation.timing import sample_quantiles

QUANTILES = 21


@dataclass(frozen=True, slots=True, kw_only=True)
class Distribution:
    """An empirical distribution of delays in seconds, kept as evenly spaced quantiles."""

    quantiles: tuple[float, ...] = ()
    count: int = 0

    @classmethod
    def fit(cls, values: Iterable[float]) -> Distribution:
        """The distribution of ``values`` (negative and non-finite ones dropped)."""
        kept = sorted(v for v in values if math.isfinite(v) and v >= 0)
        if not kept:
            return cls()
        points = [_quantile(kept, i / (QUANTILES - 1)) for i in range(QUANTILES)]
        return cls(quantiles=tuple(round(p, 3) for p in points), count=len(kept))

    @property
    def median(self) -> float | None:
        """The 50 % quantile."""
        return self.quantiles[QUANTILES // 2] if self.quantiles else None

    def sample(self, rng: random.Random) -> float:
        """A delay drawn from the distribution (0 when it is empty)."""
        return sample_quantiles(self.quantiles, rng.random())


def _quantile(ordered: list[float], fraction: float) -> float:
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimingFit:
    """The timing of a set of conversations."""

    customer_reply: Distribution = Distribution()
    customer_follow_up: Distribution = Distribution()
    agent_reply: Distribution = Distribution()
    again: float = 0.0
    max_streak: int = 1
    streaks: dict[int, int] = field(default_factory=dict)
    conversations: int = 0

    def describe(self) -> str:
        """One line for people."""
        reply = self.customer_reply.median
        agent = self.agent_reply.median
        parts = [f"{self.conversations} timed conversations"]
        if reply is not None:
            parts.append(f"customers reply after a median {reply:.0f} s")
        if agent is not None:
            parts.append(f"agents after {agent:.0f} s")
        parts.append(f"customers double-text after {self.again:.0%} of their messages")
        return ", ".join(parts)


def fit_timing(transcripts: Iterable[Transcript]) -> TimingFit:
    """Delays and double-texting of ``transcripts`` (messages without times are skipped)."""
    replies: dict[str, list[float]] = {CUSTOMER: [], AGENT: []}
    follow_ups: list[float] = []
    followed = continued = timed = 0
    streaks: Counter[int] = Counter()
    for transcript in transcripts:
        messages = [m for m in transcript.messages if m.role in (CUSTOMER, AGENT)]
        streaks.update(_streaks(m.role for m in messages))
        for before, after in itertools.pairwise(messages):
            if before.role == CUSTOMER:
                followed += 1
                continued += after.role == CUSTOMER
            if before.at is None or after.at is None:
                continue
            if after.role == before.role == CUSTOMER:
                follow_ups.append(after.at - before.at)
            elif after.role != before.role:
                replies[after.role].append(after.at - before.at)
        timed += any(m.at is not None for m in messages)
    return TimingFit(
        customer_reply=Distribution.fit(replies[CUSTOMER]),
        customer_follow_up=Distribution.fit(follow_ups),
        agent_reply=Distribution.fit(replies[AGENT]),
        again=round(continued / followed, 4) if followed else 0.0,
        max_streak=max(streaks, default=1),
        streaks=dict(sorted(streaks.items())),
        conversations=timed,
    )


def _streaks(roles: Iterable[str]) -> list[int]:
    """Lengths of the customer's runs of consecutive messages."""
    runs: list[int] = []
    current = 0
    for role in roles:
        if role == CUSTOMER:
            current += 1
        elif current:
            runs.append(current)
            current = 0
    if current:
        runs.append(current)
    return runs


def median(values: Sequence[float]) -> float | None:
    """The median, or None when empty."""
    return statistics.median(values) if values else None
