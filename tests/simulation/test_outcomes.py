"""Outcome schemas, Wilson intervals and pass@k / pass^k."""

from __future__ import annotations

import pytest

from aiconv.errors import ScenarioError
from aiconv.simulation.outcomes import Outcome, OutcomeSchema
from aiconv.simulation.stats import Rate, pass_at_k, pass_hat_k, wilson


def test_schema_keeps_order_and_successes() -> None:
    schema = OutcomeSchema(
        outcomes=(Outcome(slug="resolved", success=True), Outcome(slug="escalated"))
    )
    assert schema.slugs == ("resolved", "escalated")
    assert schema.is_success("resolved") and not schema.is_success("escalated")
    assert not schema.is_success(None)


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        ((), "at least one"),
        (("ok", "ok"), "listed twice"),
        (("Resolved",), "lowercase slug"),
        (("sale completed",), "lowercase slug"),
        (("undecided",), "reserved"),
    ],
)
def test_schema_rejects_bad_slugs(slugs: tuple[str, ...], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        OutcomeSchema(outcomes=tuple(Outcome(slug=s) for s in slugs))


def test_wilson_interval_matches_the_textbook_values() -> None:
    low, high = wilson(8, 10) or (0.0, 0.0)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson(0, 0) is None
    low, high = wilson(10, 10) or (0.0, 0.0)
    assert high == pytest.approx(1.0) and round(low, 4) == 0.7225


def test_rate_document_carries_the_interval() -> None:
    document = Rate(successes=3, total=4).to_dict()
    assert document == {
        "successes": 3,
        "total": 4,
        "rate": 0.75,
        "ci95": document["ci95"],
    }
    assert document["ci95"] == pytest.approx([0.3006418, 0.9544127], abs=1e-7)  # exact, unrounded


def test_pass_at_k_and_pass_hat_k_with_k_equal_to_n_are_any_and_all() -> None:
    assert pass_at_k(3, 1, 3) == 1.0 and pass_hat_k(3, 1, 3) == 0.0
    assert pass_at_k(3, 0, 3) == 0.0 and pass_hat_k(3, 3, 3) == 1.0


def test_pass_at_k_uses_the_unbiased_estimator() -> None:
    # 5 trials, 2 successes, k=2: 1 - C(3,2)/C(5,2) = 0.7; pass^2 = C(2,2)/C(5,2) = 0.1
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    assert pass_hat_k(5, 2, 2) == pytest.approx(0.1)
    assert pass_at_k(2, 1, 3) is None
