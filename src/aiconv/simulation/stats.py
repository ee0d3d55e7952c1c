"""The statistics of a report (pure): Wilson intervals, pass@k and pass^k with the pass^k curve
and its interval, and means. Paired comparisons live in ``paired.py``.

pass^k (τ-bench's measure of reliability: all of k tries succeed) is estimated per cell with the
unbiased estimator C(c, k) / C(n, k) from c successes in n repetitions, and averaged over the
cells that have at least k repetitions. Its 95 % interval is Bayesian: each cell's success
chance has a Jeffreys posterior Beta(c + ½, n − c + ½); the mean and variance of the cell average
of p^k follow in closed form, and the interval is the 2.5 % and 97.5 % quantiles of the Beta
distribution with those moments (for k = 1 and one cell, exactly the Jeffreys interval).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from aiconv.simulation.distributions import beta_ppf


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
            "value": _round(self.value),
            "cells": self.cells,
            "ci95": [round(self.ci95[0], 4), round(self.ci95[1], 4)] if self.ci95 else None,
        }


def _moment(successes: int, n: int, power: int) -> float:
    """E[p^power] under the Jeffreys posterior Beta(successes + ½, n − successes + ½)."""
    a, b = successes + 0.5, n - successes + 0.5
    product = 1.0
    for i in range(power):
        product *= (a + i) / (a + b + i)
    return product


def pass_hat_k_point(cells: Sequence[CellCount], k: int) -> CurvePoint:
    """pass^k averaged over the cells with at least ``k`` repetitions, with its 95 % interval."""
    used = [c for c in cells if c.n >= k]
    if k <= 0 or not used:
        return CurvePoint(k=k, value=None, cells=0, ci95=None)
    value = sum(math.comb(c.successes, k) / math.comb(c.n, k) for c in used) / len(used)
    firsts = [_moment(c.successes, c.n, k) for c in used]
    seconds = [_moment(c.successes, c.n, 2 * k) for c in used]
    mu = sum(firsts) / len(used)
    var = sum(s - f * f for f, s in zip(firsts, seconds, strict=True)) / len(used) ** 2
    low, high = _beta_interval(mu, var)
    return CurvePoint(k=k, value=value, cells=len(used), ci95=(min(low, value), max(high, value)))


def _beta_interval(mu: float, var: float) -> tuple[float, float]:
    """The 2.5 % and 97.5 % quantiles of the Beta distribution with mean ``mu`` and variance
    ``var`` (its normal approximation once both shape parameters pass 200, where the two agree
    to about 1e-4, the precision reports show)."""
    spread = max(mu * (1.0 - mu) / max(var, 1e-300) - 1.0, 1e-6)
    a, b = max(mu * spread, 1e-9), max((1.0 - mu) * spread, 1e-9)
    if min(a, b) > 200:
        half = 1.959964 * math.sqrt(var)
        return max(0.0, mu - half), min(1.0, mu + half)
    return beta_ppf(0.025, a, b), beta_ppf(0.975, a, b)


def pass_hat_k_curve(cells: Sequence[CellCount]) -> list[CurvePoint]:
    """pass^k for k = 1 … the most repetitions any cell has."""
    top = max((c.n for c in cells), default=0)
    return [pass_hat_k_point(cells, k) for k in range(1, top + 1)]


def pass_at_k_mean(cells: Sequence[CellCount], k: int) -> float | None:
    """pass@k averaged over the cells with at least ``k`` repetitions."""
    values = [pass_at_k(c.n, c.successes, k) for c in cells if c.n >= k]
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def mean(values: list[float]) -> float | None:
    """The arithmetic mean (None when empty)."""
    return sum(values) / len(values) if values else None


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)
