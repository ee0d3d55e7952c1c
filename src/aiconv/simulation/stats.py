"""The statistics of a report (pure): Wilson intervals, pass@k and pass^k, means, percentiles."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Rate:
    """``successes`` of ``total`` with a Wilson score interval at 95% confidence."""

    successes: int
    total: int

    @property
    def rate(self) -> float | None:
        """The share of successes (None with no trials)."""
        return self.successes / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95% Wilson score interval."""
        return wilson(self.successes, self.total)

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        interval = self.interval
        return {
            "successes": self.successes,
            "total": self.total,
            "rate": _round(self.rate),
            "ci95": [round(interval[0], 4), round(interval[1], 4)] if interval else None,
        }


def wilson(successes: int, total: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval of ``successes`` in ``total`` trials (None with no trials)."""
    if total <= 0:
        return None
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def pass_at_k(n: int, c: int, k: int) -> float | None:
    """The chance that at least one of ``k`` trials succeeds, estimated from ``c`` of ``n``."""
    if n <= 0 or k <= 0 or k > n:
        return None
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float | None:
    """The chance that all of ``k`` trials succeed (pass^k), estimated from ``c`` of ``n``."""
    if n <= 0 or k <= 0 or k > n:
        return None
    return math.comb(c, k) / math.comb(n, k)


def mean(values: list[float]) -> float | None:
    """The arithmetic mean (None when empty)."""
    return sum(values) / len(values) if values else None


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)
