"""The README's figures for a ``--bound lower`` gate: what a flawless agent's pass^k lower bound
reaches on 40 tasks with n repetitions, through the report's own estimator."""

from __future__ import annotations

import pytest

from aiconv.simulation.stats import CellCount, pass_hat_k_point, wilson


@pytest.mark.parametrize(
    ("repeats", "pass1", "pass2"),
    [(2, 0.77, 0.64), (4, 0.86, 0.76), (8, 0.92, 0.86), (16, 0.96, 0.92)],
)
def test_a_flawless_agents_lower_bound_grows_with_repetitions_as_the_readme_says(
    repeats: int, pass1: float, pass2: float
) -> None:
    cells = [CellCount(n=repeats, successes=repeats)] * 40
    for k, figure in ((1, pass1), (2, pass2)):
        point = pass_hat_k_point(cells, k)
        assert point.value == 1.0 and point.ci95 is not None
        assert round(point.ci95[0], 2) == figure
    # the README's gate example (pass^2 lower bound ≥ 85 %) needs 8 repetitions
    assert (pass_hat_k_point(cells, 2).ci95 or (0.0, 0.0))[0] >= 0.85 or repeats < 8


def test_the_success_rate_pools_the_trials() -> None:
    interval = wilson(80, 80)
    assert interval is not None
    low, high = interval
    assert (round(low, 3), round(high, 3)) == (0.954, 1.0)
