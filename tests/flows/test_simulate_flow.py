"""The shipped agent designer flow as the agent under test of ``aic simulate``, offline: simulated
users hold the true answers, and each conversation is graded on what the flow collected — the
plain users pass, the vague one and the one using an unknown word fail, for recorded reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiconv.testing.processes import run_aic
from tests.flows.conftest import EXAMPLE

ROOT = EXAMPLE.parents[2]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_example_suite_grades_what_the_flow_collected(tmp_path: Path) -> None:
    """Run from another folder: the suite's flow, like its tasks, is found beside it."""
    db = tmp_path / "runs.db"
    suite = str(ROOT / "examples" / "flows" / "suite.toml")
    ran = run_aic(
        "simulate",
        suite,
        "--db",
        str(db),
        "--run-id",
        "designer",
        "--quiet",
        cwd=tmp_path,
        timeout=240,
    )
    assert ran.returncode == 0, ran.stderr
    report = run_aic(
        "report", "designer", "--db", str(db), "--json", "--out-dir", str(tmp_path / "r")
    )
    document = json.loads(report.stdout)
    passed = {name for name, row in document["by_task"].items() if row["outcomes"] == {"passed": 1}}
    assert passed == {"design-shop-support", "design-clinic-scheduler", "design-sales-no-tools"}
    reasons = {w["cell"].split("/")[-1]: w["rationale"] for w in document["worst"]}
    assert (
        "tone: expected 'casual', not collected (last read 'casual': confidence 0.55 below 0.60)"
        in (reasons["design-vague-tone"])
    )
    assert "tone: expected 'friendly', never read" in reasons["design-unknown-tone-word"]
