"""A release gate judges the run's exact figures, never the digits a document shows: 2 of 3
successes is 66.666…%, below ``--fail-under 0.6667``, and a p95 latency of 2.50004 s is above
``--fail-over 2.5``. The gate read the report's figures rounded to four decimals, so both
passed (exit 0 where CI needed 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiconv.simulation import gate, report
from aiconv.testing.processes import cli_env, run_aic
from tests.simulation.conftest import END_TOKEN_OUTCOMES
from tests.simulation.conftest import row as _row

pytestmark = pytest.mark.timeout(300)


def test_a_rate_just_below_the_bar_fails_the_gate() -> None:
    doc = report.build("r", [_row("p/i", r, r < 2) for r in range(3)])  # 2 of 3
    success = gate.Metric.parse("success")
    verdict = gate.evaluate(doc, threshold=0.6667, metric=success)
    assert not verdict.passed
    assert verdict.reasons == ("success rate 66.667% is below --fail-under 66.670%",)
    assert gate.evaluate(doc, threshold=0.6666, metric=success).passed
    pass1 = gate.Metric.parse("pass^1")
    assert not gate.evaluate(doc, threshold=0.6667, metric=pass1).passed
    lower = success.value(doc, "lower")  # Wilson 2 of 3: 0.2077…
    assert (
        lower is not None
        and not gate.evaluate(doc, threshold=lower + 1e-9, metric=success, bound="lower").passed
    )


def test_the_failed_line_tells_the_figure_from_the_bar() -> None:
    doc = report.build("r", [_row("p/i", r, r < 2) for r in range(3)])
    (reason,) = gate.evaluate(doc, threshold=0.6667, metric=gate.Metric.parse("success")).reasons
    value, bar = reason.removeprefix("success rate ").split(" is below --fail-under ")
    assert value != bar, reason  # not "66.7% is below --fail-under 66.7%"


def test_a_criterion_just_below_the_bar_fails_the_gate() -> None:
    rows = [_row(f"p{c}/i", 0, True, criteria={"end_state": c < 2}) for c in range(3)]
    doc = report.build("r", rows)
    metric = gate.Metric.parse("criterion:end_state")
    assert not gate.evaluate(doc, threshold=0.6667, metric=metric).passed


def test_a_latency_just_above_the_limit_fails_the_gate() -> None:
    doc = report.build("r", [_row("p/i", 0, True, agent_latencies=(2.50004,))])
    latency = gate.Metric.parse("latency_p95")
    verdict = gate.evaluate(doc, threshold=2.5, metric=latency)
    assert not verdict.passed, verdict.as_dict()
    assert gate.evaluate(doc, threshold=2.50004, metric=latency).passed


SCENARIO = (
    """\
name = "exact"
repeat = 1
personas = [{ name = "calm", interrupts = 0.0 }, { name = "brisk", interrupts = 0.0 }]

[limits]
max_turns = 8

[agent]
agent = "mock:turns=2"

[customer]
agent = "mock:turns=0"

[[intents]]
name = "refund"
description = "Refund for a broken kettle"

[[intents]]
name = "address"
description = "Change my delivery address"

[[intents]]
name = "cut-short"
description = "Ask about opening hours"
[intents.goal]
primary = "Learn the opening hours"
max_turns = 2

"""
    + END_TOKEN_OUTCOMES
)


def test_aic_report_exits_3_for_a_rate_just_below_the_bar(tmp_path: Path) -> None:
    """A real run of 4 successes in 6 (the third intent runs out of turns before the agent
    ends it): ``--fail-under 0.6667`` exits 3, ``0.6666`` passes, and the JSON states 2/3."""
    path = tmp_path / "exact.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    env, db = cli_env(home=tmp_path), str(tmp_path / "runs.db")
    done = run_aic("simulate", str(path), "--run-id", "g1", "--quiet", "--db", db,
                   env=env, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr

    def gated(bar: str) -> tuple[int, dict[str, object], str]:
        result = run_aic("report", "g1", "--db", db, "--fail-under", bar, "--json",
                         "--out-dir", str(tmp_path / bar), env=env, cwd=tmp_path)  # fmt: skip
        return result.returncode, json.loads(result.stdout), result.stderr

    code, doc, stderr = gated("0.6667")
    assert doc["success"] == {
        "successes": 4,
        "total": 6,
        "rate": 4 / 6,
        "ci95": doc["success"]["ci95"],
    }
    assert code == 3, stderr
    assert "success rate 66.667% is below --fail-under 66.670%" in stderr
    assert gated("0.6666")[0] == 0
