"""A release gate's verdict is in the JSON a CI job reads: ``aic report --json`` and
``aic compare --json`` (and the ``report.json`` / ``compare.json`` files) carry ``gate`` with
whether it passed, the thresholds it used and every check, the failed ones with their reason."""

from __future__ import annotations

import asyncio
import json
from html import escape as html_text
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aiconv.cli.main import aic
from aiconv.testing.processes import cli_env, run_aic
from tests.simulation.test_compare import _two_runs
from tests.simulation.test_gating import write

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log with run ``base`` and run ``cand``, significantly worse on success."""
    db, _ = asyncio.run(_two_runs(tmp_path_factory.mktemp("gates")))
    return db


def _aic(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """Exit code, the printed document and stderr of ``aic ARGS --json``."""
    result = CliRunner().invoke(aic, [*args, "--json", "--out-dir", str(tmp_path / "out")])
    assert isinstance(result.exception, SystemExit | None), result.exception
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_a_failed_report_gate_states_its_verdict_thresholds_and_failed_checks(
    runs: Path, tmp_path: Path
) -> None:
    code, doc, stderr = _aic(
        tmp_path, "report", "cand", "--db", str(runs), "--fail-under", "0.5", "--bound", "lower"
    )
    assert code == 3
    verdict = doc["gate"]
    assert verdict["passed"] is False
    assert (verdict["metric"], verdict["bound"], verdict["fail_under"]) == ("success", "lower", 0.5)
    assert verdict["allow_incomplete"] is False
    checks = {c["check"]: c for c in verdict["checks"]}
    assert checks["one_scenario"]["passed"] and checks["complete"]["passed"]
    threshold = checks["threshold"]
    assert threshold["passed"] is False and threshold["value"] < 0.5
    assert threshold["reason"] == verdict["reasons"][0]
    assert f"gate failed: {threshold['reason']}" in stderr
    written = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert written["gate"] == verdict


def test_a_passed_report_gate_and_no_gate_are_stated_too(runs: Path, tmp_path: Path) -> None:
    code, doc, _ = _aic(tmp_path, "report", "base", "--db", str(runs), "--fail-under", "0.5")
    assert code == 0
    assert doc["gate"]["passed"] is True and doc["gate"]["reasons"] == []
    assert all(c["passed"] and "reason" not in c for c in doc["gate"]["checks"])
    code, doc, _ = _aic(tmp_path, "report", "base", "--db", str(runs))
    assert code == 0 and doc["gate"] is None


def test_a_failed_compare_gate_states_the_regression_it_found(runs: Path, tmp_path: Path) -> None:
    args = ("compare", "base", "cand", "--db", str(runs), "--fail-on-regression")
    code, doc, stderr = _aic(tmp_path, *args)
    assert code == 3
    verdict = doc["gate"]
    assert verdict["passed"] is False
    assert (verdict["metric"], verdict["alpha"], verdict["allow_incomplete"]) == (
        "success",
        0.05,
        False,
    )
    checks = {c["check"]: c for c in verdict["checks"]}
    assert checks["same_suite"]["passed"] and checks["complete"]["passed"]
    regression = checks["no_regression"]
    assert regression["passed"] is False and regression["verdict"] == "worse"
    assert regression["delta"] == pytest.approx(-0.1) and regression["p_value"] < 0.05
    assert f"gate failed: {regression['reason']}" in stderr
    written = json.loads((tmp_path / "out" / "compare.json").read_text(encoding="utf-8"))
    assert written["gate"] == verdict
    code, doc, _ = _aic(tmp_path, *args, "--alpha", "0.0001")
    assert code == 0 and doc["gate"]["passed"] is True
    code, doc, _ = _aic(tmp_path, "compare", "base", "cand", "--db", str(runs))
    assert code == 0 and doc["gate"] is None


def _pages(out: Path, name: str) -> tuple[str, str]:
    return tuple(  # type: ignore[return-value]
        (out / f"{name}.{ext}").read_text(encoding="utf-8") for ext in ("md", "html")
    )


def test_the_markdown_and_html_pages_state_the_gates_verdict(runs: Path, tmp_path: Path) -> None:
    """compare.md/.html and report.md/.html (a PR comment, the CI artifact people open) said
    nothing of the gate: a compare gate that failed on an incomplete run or on pass^2 showed only
    a headline reading 'no significant change', in green."""
    out, args = tmp_path / "out", ("compare", "base", "cand", "--db", str(runs))
    code, doc, _ = _aic(tmp_path, *args, "--fail-on-regression")
    assert code == 3
    md, html = _pages(out, "compare")
    title = "Release gate failed (exit code 3): --fail-on-regression on success rate, alpha 0.05"
    assert f"**{title}**" in md
    assert '<div class="verdict-bad"><strong>' + title in html
    assert "the candidate is significantly worse on Success rate" in md
    assert f"<li>{html_text(doc['gate']['reasons'][0])}</li>" in html
    code, doc, _ = _aic(tmp_path, *args, "--fail-on-regression", "--alpha", "0.0001")
    assert code == 0
    md, html = _pages(out, "compare")
    passed = "Release gate passed: --fail-on-regression on success rate, alpha 0.0001"
    assert f"**{passed}**" in md and '<div class="verdict-good"><strong>' + passed in html
    _aic(tmp_path, *args)  # no gate: no verdict on the pages
    assert all("Release gate" not in page for page in _pages(out, "compare"))

    gate = ("--fail-under", "0.5", "--bound", "lower", "--allow-incomplete")
    code, _, _ = _aic(tmp_path, "report", "cand", "--db", str(runs), *gate)
    assert code == 3
    md, html = _pages(out, "report")
    title = (
        "Release gate failed (exit code 3): success rate (lower 95% bound) --fail-under 50.0%, "
        "--allow-incomplete"
    )
    assert f"**{title}**" in md and title in html
    assert "success rate (lower 95% bound)" in md.split(title)[1]  # its reason follows


def test_a_fail_over_gate_states_its_limit_in_the_document_and_on_the_pages(
    tmp_path: Path,
) -> None:
    """A latency gate (lower is better) carries ``fail_over``, not ``fail_under``, and its pages
    say ``--fail-over`` with the unit; the agent under test answers after 50 ms."""
    path = write(tmp_path, agent="mock:turns=2,latency=0.05", repeat=1)
    db = str(tmp_path / "runs.db")
    done = run_aic("simulate", str(path), "--run-id", "slow", "--quiet", "--db", db,
                   env=cli_env(home=tmp_path), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    args = ("report", "slow", "--db", db, "--metric", "latency_p95")
    code, doc, stderr = _aic(tmp_path, *args, "--fail-over", "0.01")
    value = doc["usage"]["agent_latency_s_p95"]
    assert code == 3 and value >= 0.05
    verdict = doc["gate"]
    assert (verdict["metric"], verdict["fail_over"]) == ("latency_p95", 0.01)
    assert not verdict["passed"] and "fail_under" not in verdict
    reason = f"latency_p95 (agent under test) {value:g} s is above --fail-over 0.01 s"
    assert verdict["reasons"] == [reason] and f"gate failed: {reason}" in stderr
    md, html = _pages(tmp_path / "out", "report")
    title = "Release gate failed (exit code 3): latency_p95 (agent under test) --fail-over 0.01 s"
    assert f"**{title.replace('_', chr(92) + '_')}**" in md and title in html
    code, doc, _ = _aic(tmp_path, *args, "--fail-over", "30")
    assert code == 0 and doc["gate"]["passed"]
