"""The statistics of a report (pure): Wilson intervals, pass@k and pass^k with the pass^k curve
and its interval, and means. Paired comparisons live in ``paired.py``.

pass^k (τ-bench's measure of reliability: all of k tries succeed) is estimated per cell with the
unbiased estimator C(c, k) / C(n, k) from c successes in n repetitions, and averaged over the
cells that have at least k repetitions. Its 95 % interval is a score interval in Wilson's way:
the values θ of the cell mean of p^k that the estimate is within 1.96 standard errors of, each
standard error taken at θ itself. The variance at θ comes from a binomial model (every cell
succeeding with the chance θ^(1/k), the exact variance of each cell's estimator, Hoeffding's
formula), multiplied by a design effect when the cells differ more than that model allows: the
between-cell variance of the cell estimates (cells as the sampling units) over the model's
variance at the estimate, never below 1. So the interval contains the estimate by construction,
stays in [0, 1], narrows with cells and with repetitions, and for k = 1 and cells with equal
repetitions and binomial spread it is the success rate's Wilson interval on the pooled trials
(one cell: exactly its Wilson interval). Its coverage, simulated, is in the README.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
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
            "rate": self.rate,
            "ci95": list(interval) if interval else None,
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


@dataclass(frozen=True, slots=True, kw_only=True)
class CellCount:
    """``successes`` in ``n`` repetitions of one cell (a persona × intent, or a task)."""

    n: int
    successes: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CurvePoint:
    """pass^k at one k: the estimate over the ``cells`` with at least k repetitions."""

    k: int
    value: float | None
    cells: int
    ci95: tuple[float, float] | None

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "k": self.k,
            "value": self.value,
            "cells": self.cells,
            "ci95": list(self.ci95) if self.ci95 else None,
        }


def _cell_variance(n: int, k: int, theta: float) -> float:
    """The variance of C(c, k) / C(n, k) when c ~ Binomial(n, θ^(1/k)) (Hoeffding's formula for a
    U-statistic: two k-subsets of the n trials sharing j trials have covariance q^(2k−j) − q^2k)."""
    if theta <= 0.0 or theta >= 1.0:
        return 0.0
    q = math.pow(theta, 1.0 / k)
    total = math.comb(n, k)
    return sum(
        math.comb(k, j) * math.comb(n - k, k - j) / total * (q ** (2 * k - j) - theta * theta)
        for j in range(1, k + 1)
    )


def _model_variance(sizes: dict[int, int], k: int, cells: int, theta: float) -> float:
    """The variance of the cell mean under the binomial model at ``theta`` (``sizes`` maps a
    number of repetitions to how many cells have it)."""
    return sum(m * _cell_variance(n, k, theta) for n, m in sizes.items()) / (cells * cells)


def pass_hat_k_point(cells: Sequence[CellCount], k: int) -> CurvePoint:
    """pass^k averaged over the cells with at least ``k`` repetitions, with its 95 % interval."""
    used = [c for c in cells if c.n >= k]
    if k <= 0 or not used:
        return CurvePoint(k=k, value=None, cells=0, ci95=None)
    estimates = [math.comb(c.successes, k) / math.comb(c.n, k) for c in used]
    value = sum(estimates) / len(used)
    sizes: dict[int, int] = {}
    for c in used:
        sizes[c.n] = sizes.get(c.n, 0) + 1
    return CurvePoint(
        k=k, value=value, cells=len(used), ci95=_score_interval(estimates, value, sizes, k)
    )


def _score_interval(
    estimates: list[float], value: float, sizes: dict[int, int], k: int, z: float = 1.959964
) -> tuple[float, float]:
    """The θ with (value − θ)² ≤ z² · design effect · model variance at θ (see the docstring)."""
    cells = len(estimates)
    effect = 1.0
    at_value = _model_variance(sizes, k, cells, value)
    if cells > 1 and at_value > 0.0:
        between = sum((e - value) ** 2 for e in estimates) / (cells * (cells - 1))
        effect = max(1.0, between / at_value)

    def outside(theta: float) -> bool:
        return (value - theta) ** 2 > z * z * effect * _model_variance(sizes, k, cells, theta)

    return _root(outside, value, 0.0), _root(outside, value, 1.0)


def _root(outside: Callable[[float], bool], inside: float, end: float) -> float:
    """Bisection between a point inside the interval and an end of [0, 1] (outside unless the
    interval reaches it) to 1e-9, the returned end on the inside."""
    if inside == end or not outside(end):
        return end
    for _ in range(40):
        middle = (inside + end) / 2
        if outside(middle):
            end = middle
        else:
            inside = middle
    return inside


def pass_hat_k_curve(cells: Sequence[CellCount]) -> list[CurvePoint]:
    """pass^k for k = 1 … the most repetitions any cell has."""
    top = max((c.n for c in cells), default=0)
    return [pass_hat_k_point(cells, k) for k in range(1, top + 1)]


def pass_at_k_curve(cells: Sequence[CellCount]) -> list[dict[str, object]]:
    """pass@k for k = 1 … the most repetitions any cell has, each averaged over the cells with
    at least k repetitions (the JSON points: ``k``, ``value``, ``cells``)."""
    top = max((c.n for c in cells), default=0)
    return [
        {"k": k, "value": pass_at_k_mean(cells, k), "cells": sum(1 for c in cells if c.n >= k)}
        for k in range(1, top + 1)
    ]


def pass_at_k_mean(cells: Sequence[CellCount], k: int) -> float | None:
    """pass@k averaged over the cells with at least ``k`` repetitions."""
    values = [pass_at_k(c.n, c.successes, k) for c in cells if c.n >= k]
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def mean(values: list[float]) -> float | None:
    """The arithmetic mean (None when empty)."""
    return sum(values) / len(values) if values else None
