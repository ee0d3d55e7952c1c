"""The README's figures for a ``--bound lower`` gate: what a flawless agent's pass^k lower bound
reaches on 40 tasks with n repetitions, through the report's own estimator."""

from __future__ import annotations

import pytest

from aiconv.simulation.stats import CellCount, pass_hat_k_point, wilson


@pytest.mark.parametrize(
    ("repeats", "pass1", "pass2"),
    [(2, 0.954, 0.912), (4, 0.977, 0.955), (8, 0.988, 0.977), (16, 0.994, 0.988)],
)
def test_a_flawless_agents_lower_bound_grows_with_repetitions_as_the_readme_says(
    repeats: int, pass1: float, pass2: float
) -> None:
    cells = [CellCount(n=repeats, successes=repeats)] * 40
    for k, figure in ((1, pass1), (2, pass2)):
        point = pass_hat_k_point(cells, k)
        assert point.value == 1.0 and point.ci95 is not None
        assert round(point.ci95[0], 3) == figure and point.ci95[1] == 1.0
    # pass^1 is the success rate's Wilson interval on the same trials
    pooled = wilson(40 * repeats, 40 * repeats)
    assert pooled is not None
    assert (pass_hat_k_point(cells, 1).ci95 or (0.0, 0.0))[0] == pytest.approx(pooled[0])


def test_the_success_rate_pools_the_trials() -> None:
    interval = wilson(80, 80)
    assert interval is not None
    low, high = interval
    assert (round(low, 3), round(high, 3)) == (0.954, 1.0)
