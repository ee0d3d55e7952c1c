"""Paired comparisons of two runs (pure): the same trials, baseline against candidate.

* A success rate over paired conversations: the exact McNemar test (a two-sided binomial test on
  the discordant pairs) and Newcombe's hybrid score interval for the difference of paired
  proportions (method 10 of Newcombe, Statistics in Medicine 1998).
* A per-cell figure such as pass^k: the paired sign-flip permutation test on the cells'
  differences (exact up to 32 cells, else its normal approximation) and a
  Student-t interval for the mean difference.
* One cell's pass^k (C(c, k) / C(n, k) on the repetitions both runs finished): the exact paired
  permutation test of its difference (baseline and candidate swapped within repetitions, which
  is McNemar's exact test whenever the two estimates differ, p = 1 when they are equal) and the
  interval Newcombe's method builds (MOVER), from each run's own score interval for that cell.

Differences are always candidate minus baseline: negative means the candidate is worse.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from aiconv.simulation.distributions import binomial_cdf, t_ppf
from aiconv.simulation.stats import CellCount, pass_hat_k_point, wilson

#: Enumerate every sign pattern up to this many non-zero differences (2**32, met in the middle).
EXACT_LIMIT = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class Discordance:
    """Paired binary results: both succeed, only the baseline, only the candidate, neither."""

    both: int
    baseline_only: int
    candidate_only: int
    neither: int

    @property
    def pairs(self) -> int:
        """How many pairs."""
        return self.both + self.baseline_only + self.candidate_only + self.neither

    @classmethod
    def of(cls, pairs: Sequence[tuple[bool, bool]]) -> Discordance:
        """Count (baseline, candidate) pairs."""
        both = sum(1 for b, c in pairs if b and c)
        base = sum(1 for b, c in pairs if b and not c)
        cand = sum(1 for b, c in pairs if c and not b)
        return cls(
            both=both,
            baseline_only=base,
            candidate_only=cand,
            neither=len(pairs) - both - base - cand,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    """Candidate minus baseline with a 95 % interval and a two-sided p-value."""

    baseline: float | None
    candidate: float | None
    delta: float | None
    ci95: tuple[float, float] | None
    p_value: float | None
    test: str

    def is_significantly_worse(self, alpha: float) -> bool:
        """The candidate is lower and the test rejects equality at ``alpha``."""
        return (
            self.delta is not None
            and self.delta < 0
            and self.p_value is not None
            and self.p_value < alpha
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "baseline": _round(self.baseline),
            "candidate": _round(self.candidate),
            "delta": _round(self.delta),
            "ci95": [round(self.ci95[0], 4), round(self.ci95[1], 4)] if self.ci95 else None,
            "p_value": None if self.p_value is None else float(f"{self.p_value:.6g}"),
            "test": self.test,
        }


def mcnemar_exact(regressions: int, improvements: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts."""
    discordant = regressions + improvements
    if discordant == 0:
        return 1.0
    return min(1.0, 2.0 * binomial_cdf(min(regressions, improvements), discordant))


def newcombe_interval(counts: Discordance, z: float = 1.959964) -> tuple[float, float] | None:
    """Newcombe's 95 % interval for p(candidate) − p(baseline) over paired trials."""
    n = counts.pairs
    if n == 0:
        return None
    base, cand = counts.both + counts.baseline_only, counts.both + counts.candidate_only
    return mover(
        Estimate(value=base / n, ci95=wilson(base, n, z) or (0.0, 1.0)),
        Estimate(value=cand / n, ci95=wilson(cand, n, z) or (0.0, 1.0)),
        phi(counts),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Estimate:
    """One run's figure with its own 95 % interval (which contains it)."""

    value: float
    ci95: tuple[float, float]


def phi(counts: Discordance) -> float:
    """The correlation of the paired results (0 when a margin is empty)."""
    a, b, c, d = counts.both, counts.baseline_only, counts.candidate_only, counts.neither
    denominator = (a + b) * (c + d) * (a + c) * (b + d)
    return (a * d - b * c) / math.sqrt(denominator) if denominator else 0.0


def mover(baseline: Estimate, candidate: Estimate, correlation: float) -> tuple[float, float]:
    """The interval of candidate − baseline recovered from each one's interval and their
    correlation (Newcombe's method 10 with Wilson intervals; Zou and Donner's MOVER in general)."""
    p1, (l1, u1) = baseline.value, baseline.ci95
    p2, (l2, u2) = candidate.value, candidate.ci95
    delta = p2 - p1
    lower = delta - math.sqrt(
        max(0.0, (p2 - l2) ** 2 - 2 * correlation * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2)
    )
    upper = delta + math.sqrt(
        max(0.0, (u2 - p2) ** 2 - 2 * correlation * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2)
    )
    return max(-1.0, lower), min(1.0, upper)


def paired_rate(pairs: Sequence[tuple[bool, bool]]) -> Difference:
    """Success rates of paired (baseline, candidate) results, compared."""
    counts = Discordance.of(pairs)
    n = counts.pairs
    if n == 0:
        return Difference(
            baseline=None, candidate=None, delta=None, ci95=None, p_value=None, test="McNemar exact"
        )
    baseline = (counts.both + counts.baseline_only) / n
    candidate = (counts.both + counts.candidate_only) / n
    return Difference(
        baseline=baseline,
        candidate=candidate,
        delta=candidate - baseline,
        ci95=newcombe_interval(counts),
        p_value=mcnemar_exact(counts.baseline_only, counts.candidate_only),
        test="McNemar exact",
    )


def cell_pass_hat(counts: Discordance, k: int) -> Difference:
    """One cell's pass^k (C(c, k) / C(n, k) over its ``counts.pairs`` repetitions) in both runs,
    compared: the MOVER interval from each run's score interval for the cell (``stats``), with
    the pairs' correlation, and the exact paired permutation test."""
    n = counts.pairs
    base = pass_hat_k_point([CellCount(n=n, successes=counts.both + counts.baseline_only)], k)
    cand = pass_hat_k_point([CellCount(n=n, successes=counts.both + counts.candidate_only)], k)
    test = "exact paired permutation"
    if base.value is None or cand.value is None or not base.ci95 or not cand.ci95:  # k > n
        return Difference(
            baseline=None, candidate=None, delta=None, ci95=None, p_value=None, test=test
        )
    return Difference(
        baseline=base.value,
        candidate=cand.value,
        delta=cand.value - base.value,
        ci95=mover(
            Estimate(value=base.value, ci95=base.ci95),
            Estimate(value=cand.value, ci95=cand.ci95),
            phi(counts),
        ),
        p_value=pass_hat_permutation(counts, k),
        test=test,
    )


def pass_hat_permutation(counts: Discordance, k: int) -> float:
    """Two-sided exact p-value of one cell's pass^k difference, baseline and candidate swapped
    within repetitions. Only the m discordant repetitions change: the candidate then has
    ``both + J`` successes, J ~ Binomial(m, 1/2), and the baseline ``both + m - J``. Counted in
    integers (the common C(n, k) cancels). pass^k rises with the successes, so this is McNemar's
    exact test while the two estimates differ, and 1 when they are equal."""
    both, m = counts.both, counts.baseline_only + counts.candidate_only

    def spread(j: int) -> int:
        return abs(math.comb(both + j, k) - math.comb(both + m - j, k))

    observed = spread(counts.candidate_only)
    hits = sum(math.comb(m, j) for j in range(m + 1) if spread(j) >= observed)
    return hits / (1 << m)


def sign_flip_test(differences: Sequence[float]) -> tuple[float, str]:
    """Two-sided paired permutation p-value of the sum of ``differences``, and the method.

    Exact (every sign pattern, counted by meeting in the middle) up to ``EXACT_LIMIT`` non-zero
    differences; beyond, the permutation distribution's normal approximation (mean 0, variance
    the sum of squares), which is accurate for that many cells.
    """
    values = [d for d in differences if abs(d) > 1e-12]
    if not values:
        return 1.0, "sign-flip permutation (exact)"
    observed = abs(sum(values)) - 1e-9 * max(1.0, abs(sum(values)))
    if observed <= 0:  # a sum of zero: every sign pattern is at least as extreme
        return 1.0, "sign-flip permutation (exact)"
    if len(values) > EXACT_LIMIT:
        z = abs(sum(values)) / math.sqrt(sum(v * v for v in values))
        return math.erfc(z / math.sqrt(2.0)), "sign-flip permutation (normal approximation)"
    half = len(values) // 2
    left, right = _signed_sums(values[:half]), sorted(_signed_sums(values[half:]))
    hits = 0
    for x in left:
        # |x + y| >= observed  <=>  y >= observed - x  or  y <= -observed - x
        hits += len(right) - bisect.bisect_left(right, observed - x)
        hits += bisect.bisect_right(right, -observed - x)
    return hits / 2 ** len(values), "sign-flip permutation (exact)"


def _signed_sums(values: Sequence[float]) -> list[float]:
    sums = [0.0]
    for v in values:
        sums = [s + v for s in sums] + [s - v for s in sums]
    return sums


def paired_means(pairs: Sequence[tuple[float, float]]) -> Difference:
    """Means of paired per-cell figures (e.g. pass^k), compared with a sign-flip test."""
    if not pairs:
        return Difference(
            baseline=None, candidate=None, delta=None, ci95=None, p_value=None, test="sign-flip"
        )
    m = len(pairs)
    differences = [c - b for b, c in pairs]
    delta = sum(differences) / m
    ci95 = None
    if m >= 2:
        sd = math.sqrt(sum((d - delta) ** 2 for d in differences) / (m - 1))
        half = t_ppf(0.975, m - 1) * sd / math.sqrt(m)
        ci95 = (max(-1.0, delta - half), min(1.0, delta + half))
    p_value, test = sign_flip_test(differences)
    return Difference(
        baseline=sum(b for b, _ in pairs) / m,
        candidate=sum(c for _, c in pairs) / m,
        delta=delta,
        ci95=ci95,
        p_value=p_value,
        test=test,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
