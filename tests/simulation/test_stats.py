"""The report's statistics against an independent computation (SciPy) and hand-computed values."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sp

from aiconv.simulation.distributions import beta_ppf, betainc, binomial_cdf, t_ppf
from aiconv.simulation.paired import (
    Discordance,
    mcnemar_exact,
    newcombe_interval,
    paired_means,
    paired_rate,
    sign_flip_test,
)
from aiconv.simulation.stats import CellCount, pass_hat_k_curve, pass_hat_k_point, wilson


@pytest.mark.parametrize(("a", "b", "x"), [(0.5, 0.5, 0.1), (3.5, 1.5, 0.9), (40, 60, 0.37)])
def test_betainc_matches_scipy(a: float, b: float, x: float) -> None:
    assert betainc(a, b, x) == pytest.approx(sp.beta.cdf(x, a, b), abs=1e-10)


@pytest.mark.parametrize(("q", "a", "b"), [(0.025, 4.5, 0.5), (0.975, 12.3, 7.7), (0.5, 1, 1)])
def test_beta_quantile_matches_scipy(q: float, a: float, b: float) -> None:
    assert beta_ppf(q, a, b) == pytest.approx(sp.beta.ppf(q, a, b), abs=1e-8)


@pytest.mark.parametrize("df", [1, 2, 5, 29, 300])
def test_t_quantile_matches_scipy(df: int) -> None:
    assert t_ppf(0.975, df) == pytest.approx(sp.t.ppf(0.975, df), abs=1e-8)
    assert t_ppf(0.1, df) == pytest.approx(sp.t.ppf(0.1, df), abs=1e-8)


def test_binomial_cdf_is_exact() -> None:
    assert binomial_cdf(3, 10) == pytest.approx(sp.binom.cdf(3, 10, 0.5), rel=1e-12)
    assert binomial_cdf(2400, 5000) == pytest.approx(sp.binom.cdf(2400, 5000, 0.5), rel=1e-9)


def test_pass_hat_k_curve_matches_hand_computed_values() -> None:
    # cell A: 3 of 4; cell B: 4 of 4; cell C: 1 of 4
    cells = [CellCount(n=4, successes=3), CellCount(n=4, successes=4), CellCount(n=4, successes=1)]
    curve = pass_hat_k_curve(cells)
    expected = [
        (3 / 4 + 1 + 1 / 4) / 3,  # k=1: mean success per cell
        (3 / 6 + 1 + 0) / 3,  # k=2: C(3,2)/C(4,2)=0.5, C(4,2)/C(4,2)=1, C(1,2)=0
        (1 / 4 + 1 + 0) / 3,  # k=3: C(3,3)/C(4,3)=0.25
        (0 + 1 + 0) / 3,  # k=4: only the perfect cell
    ]
    assert [p.k for p in curve] == [1, 2, 3, 4]
    assert [p.value for p in curve] == pytest.approx(expected)
    assert all(p.cells == 3 for p in curve)


def test_pass_hat_k_uses_only_cells_with_enough_repetitions() -> None:
    cells = [CellCount(n=4, successes=4), CellCount(n=3, successes=3), CellCount(n=4, successes=2)]
    point = pass_hat_k_point(cells, 4)
    assert point.cells == 2 and point.value == pytest.approx(0.5)
    assert pass_hat_k_point(cells, 5).value is None


def test_pass_hat_k_interval_of_one_cell_at_k1_is_the_wilson_interval() -> None:
    point = pass_hat_k_point([CellCount(n=20, successes=14)], 1)
    assert point.ci95 == pytest.approx(wilson(14, 20), abs=1e-7)


def test_pass_1_at_one_repetition_agrees_with_the_success_rate_of_the_same_trials() -> None:
    """The audit's case: 11 of 40 cells pass their one trial. The old interval, 27.5 % [27.5 %,
    46.6 %], sat above the point (per-cell Jeffreys priors pulled each cell to 0.25 or 0.75)."""
    cells = [CellCount(n=1, successes=1)] * 11 + [CellCount(n=1, successes=0)] * 29
    point = pass_hat_k_point(cells, 1)
    assert point.value == pytest.approx(0.275) and point.ci95 is not None
    low, high = point.ci95
    wilson_low, wilson_high = sp.binomtest(11, 40).proportion_ci(method="wilson")
    assert low < 0.275 - 0.1 and high > 0.275 + 0.1
    assert low == pytest.approx(wilson_low, abs=0.005) and high == pytest.approx(
        wilson_high, abs=0.005
    )


def test_pass_1_with_equal_repetitions_and_binomial_spread_is_the_success_rates_interval() -> None:
    cells = [CellCount(n=4, successes=s) for s in (1, 2, 2, 3, 2, 3, 1, 2)]
    point = pass_hat_k_point(cells, 1)
    assert point.ci95 == pytest.approx(wilson(16, 32), abs=1e-7)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 12), st.integers(0, 12)), min_size=1, max_size=30),
    st.integers(1, 12),
)
def test_pass_hat_k_interval_holds_its_estimate_inside_zero_and_one(
    counts: list[tuple[int, int]], k: int
) -> None:
    """No clamp does this: the score interval contains the estimate by construction."""
    cells = [CellCount(n=n, successes=min(c, n)) for n, c in counts]
    point = pass_hat_k_point(cells, k)
    if point.value is None:
        return
    assert point.ci95 is not None
    low, high = point.ci95
    assert 0.0 <= low <= point.value <= high <= 1.0
    assert low < high


def test_pass_hat_k_interval_narrows_with_cells_and_with_repetitions() -> None:
    def width(cells: int, n: int, c: int, k: int) -> float:
        ci = pass_hat_k_point([CellCount(n=n, successes=c)] * cells, k).ci95
        assert ci is not None
        return ci[1] - ci[0]

    for k in (1, 2):
        assert width(80, 4, 3, k) < width(20, 4, 3, k) / 1.8
        assert width(20, 16, 12, k) < width(20, 4, 3, k) / 1.5
    # a flawless agent: the lower bound rises with cells as with repetitions
    flawless = [pass_hat_k_point([CellCount(n=2, successes=2)] * m, 2).ci95 for m in (10, 40)]
    assert flawless[0] and flawless[1] and flawless[0][0] < 0.75 < 0.9 < flawless[1][0]


def _simulated_coverage(cells: int, n: int, k: int, mean: float, spread: float) -> float:
    """The share of 400 simulated suites whose interval holds their cells' mean of p^k (each
    cell's chance drawn from a Beta of that mean and concentration ``spread``)."""
    rng = np.random.default_rng(7)
    held = 0
    for _ in range(400):
        chances = rng.beta(mean * spread, (1 - mean) * spread, size=cells)
        successes = rng.binomial(n, chances)
        point = pass_hat_k_point([CellCount(n=n, successes=int(c)) for c in successes], k)
        assert point.ci95 is not None
        held += point.ci95[0] <= float(np.mean(chances**k)) <= point.ci95[1]
    return held / 400


@pytest.mark.parametrize(
    ("cells", "n", "k", "mean", "spread"),
    [
        (40, 1, 1, 0.3, 10),
        (40, 1, 1, 0.85, 4),
        (10, 2, 2, 0.8, 5),
        (40, 4, 2, 0.6, 2),
        (20, 8, 4, 0.9, 20),
    ],
)
def test_pass_hat_k_interval_covers_the_suites_mean_of_p_to_the_k(
    cells: int, n: int, k: int, mean: float, spread: float
) -> None:
    """Nominal 95 %: at least 92 % of 400 suites (about two standard errors below). The old
    per-cell Jeffreys interval held 60–86 % at one repetition."""
    assert _simulated_coverage(cells, n, k, mean, spread) >= 0.92


@pytest.mark.parametrize(("b", "c"), [(0, 0), (1, 0), (7, 2), (12, 30), (250, 310)])
def test_mcnemar_exact_matches_scipy_binomial_test(b: int, c: int) -> None:
    expected = 1.0 if b + c == 0 else sp.binomtest(b, b + c, 0.5).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9)


def _newcombe_by_hand(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """Newcombe 1998 method 10, written from the paper with SciPy's Wilson intervals."""
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    ci1 = sp.binomtest(a + b, n).proportion_ci(method="wilson")
    ci2 = sp.binomtest(a + c, n).proportion_ci(method="wilson")
    den = (a + b) * (c + d) * (a + c) * (b + d)
    phi = (a * d - b * c) / math.sqrt(den) if den else 0.0
    dl2, du2 = p2 - ci2.low, ci2.high - p2
    dl1, du1 = p1 - ci1.low, ci1.high - p1
    lower = (p2 - p1) - math.sqrt(dl2**2 - 2 * phi * dl2 * du1 + du1**2)
    upper = (p2 - p1) + math.sqrt(du2**2 - 2 * phi * du2 * dl1 + dl1**2)
    return lower, upper


@pytest.mark.parametrize("counts", [(30, 8, 2, 10), (12, 0, 9, 3), (5, 5, 5, 5), (50, 1, 0, 0)])
def test_newcombe_interval_matches_the_paper_computed_independently(
    counts: tuple[int, int, int, int],
) -> None:
    a, b, c, d = counts
    got = newcombe_interval(
        Discordance(both=a, baseline_only=b, candidate_only=c, neither=d), z=1.959963984540054
    )
    assert got == pytest.approx(_newcombe_by_hand(a, b, c, d), abs=1e-6)


def test_paired_rate_counts_regressions_and_improvements() -> None:
    pairs = [(True, True)] * 30 + [(True, False)] * 8 + [(False, True)] * 2 + [(False, False)] * 10
    diff = paired_rate(pairs)
    assert diff.baseline == pytest.approx(38 / 50) and diff.candidate == pytest.approx(32 / 50)
    assert diff.delta == pytest.approx(-6 / 50)
    assert diff.p_value == pytest.approx(sp.binomtest(2, 10, 0.5).pvalue)
    assert diff.is_significantly_worse(0.2) and not diff.is_significantly_worse(0.05)


def _scipy_sign_flip(differences: list[float]) -> float:
    result = sp.permutation_test(
        (np.array(differences),),
        lambda x: np.sum(x),
        permutation_type="samples",
        n_resamples=np.inf,
        alternative="two-sided",
    )
    return float(result.pvalue)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from([-1.0, -0.5, 0.0, 0.25, 1.0]), min_size=1, max_size=10))
def test_sign_flip_test_matches_scipy_exact_permutation(differences: list[float]) -> None:
    """Values exact in binary, so scipy's float sums have no rounding ties to miscount."""
    nonzero = [d for d in differences if d != 0.0]
    p_value, method = sign_flip_test(differences)
    assert method == "sign-flip permutation (exact)"
    expected = _scipy_sign_flip(nonzero) if len(nonzero) >= 2 else 1.0
    assert p_value == pytest.approx(min(1.0, expected), abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([-1, -1 / 3, -1 / 6, 0, 1 / 6, 1 / 3, 1]), min_size=1, max_size=10))
def test_sign_flip_test_counts_ties_exactly_for_thirds_and_sixths(differences: list[float]) -> None:
    """Against an exact count in rational arithmetic: a sum that is zero up to float rounding
    is zero, and every sign pattern as extreme as it is counted (scipy miscounts these ties)."""
    exact = [Fraction(d).limit_denominator(6) for d in differences if d != 0]
    p_value, _ = sign_flip_test(differences)
    if not exact:
        assert p_value == 1.0
        return
    observed = abs(sum(exact))
    patterns = itertools.product((1, -1), repeat=len(exact))
    hits = sum(
        abs(sum(s * v for s, v in zip(signs, exact, strict=True))) >= observed for signs in patterns
    )
    assert p_value == pytest.approx(hits / 2 ** len(exact), abs=1e-12)


def test_sign_flip_test_is_exact_for_many_cells_met_in_the_middle() -> None:
    differences = [0.5, -0.25, 1.0, 0.5, 0.25, -0.5, 1.0, 0.75] * 3  # 24 cells
    p_value, method = sign_flip_test(differences)
    assert method == "sign-flip permutation (exact)"
    # by brute force over the distinct magnitudes: a convolution of the sign distributions
    sums = {0.0: 1}
    for d in differences:
        nxt: dict[float, int] = {}
        for s, count in sums.items():
            for v in (round(s + d, 9), round(s - d, 9)):
                nxt[v] = nxt.get(v, 0) + count
        sums = nxt
    observed = abs(sum(differences))
    expected = sum(c for s, c in sums.items() if abs(s) >= observed - 1e-9) / 2 ** len(differences)
    assert p_value == pytest.approx(expected)


def test_paired_means_interval_is_the_t_interval() -> None:
    pairs = [(0.5, 0.25), (1.0, 1.0), (0.25, 0.0), (0.75, 0.5), (1.0, 0.5)]
    diff = paired_means(pairs)
    differences = [c - b for b, c in pairs]
    low, high = sp.t.interval(0.95, len(pairs) - 1, np.mean(differences), sp.sem(differences))
    assert diff.delta == pytest.approx(np.mean(differences))
    assert diff.ci95 == pytest.approx((low, high), abs=1e-8)
