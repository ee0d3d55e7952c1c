"""``aic compare`` on two runs built with known differences: pairing, the statistics against an
independent computation (SciPy), regressions with both transcripts, the gate's exit code."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from scipy import stats as sp

from aiconv.queues.urls import open_log
from aiconv.simulation import compare
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.casting import conversation_id
from aiconv.simulation.rows import Row
from aiconv.simulation.scenario import Scenario
from aiconv.testing.processes import cli_env, run_aic
from tests.simulation import matrix
from tests.simulation.test_gating import write
from tests.simulation.test_stats import _newcombe_by_hand


def candidate_outcome(persona: str, repetition: int) -> str:
    """The baseline's outcomes, except: calm fails from repetition 5 on (25 regressions) and
    angry is resolved in repetition 0 (5 improvements)."""
    if persona == "calm" and repetition >= 5:
        return "abandoned"
    if persona == "angry" and repetition == 0:
        return "resolved"
    return matrix.expected_outcome(persona, repetition)


def _table(scenario: Scenario, run_id: str, outcome: Any) -> dict[str, str]:
    return {
        conversation_id(run_id, cell, rep): outcome(cell.persona.name, rep)
        for cell in scenario.cells()
        for rep in range(10)
    }


async def _two_runs(tmp_path: Path) -> tuple[Path, Scenario]:
    db = tmp_path / "runs.db"
    scenario = matrix.load(tmp_path)
    async with open_log(f"sqlite:///{db}") as log:
        for run_id, outcome in (("base", matrix.expected_outcome), ("cand", candidate_outcome)):
            table = _table(scenario, run_id, outcome)
            runner = BatchRunner(log, scenario, matrix.factory(table), run_id=run_id, parallel=40)
            await runner.run()
    return db, scenario


@pytest.mark.timeout(300)
async def test_compare_finds_the_known_regressions_with_exact_statistics(tmp_path: Path) -> None:
    db, _ = await _two_runs(tmp_path)
    out = tmp_path / "cmp"
    env = cli_env(home=tmp_path)
    args = ("compare", "base", "cand", "--db", str(db), "--out-dir", str(out))
    shown = run_aic(*args, "--json", env=env, timeout=120)
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc["pairs"] == 200 and doc["complete"] and doc["same_suite"]
    success = doc["metrics"][0]
    assert (success["regressions"], success["improvements"]) == (25, 5)
    assert success["baseline"] == 0.525 and success["candidate"] == 0.425
    assert success["p_value"] == pytest.approx(sp.binomtest(5, 30, 0.5).pvalue, rel=1e-5)
    # both: calm 25 + quick 50 + slow 5 = 80; baseline only 25; candidate only 5; neither 90
    low, high = _newcombe_by_hand(80, 25, 5, 90)
    assert success["ci95"] == pytest.approx([low, high], abs=1e-4)
    assert success["verdict"] == "worse"

    pass2 = next(m for m in doc["metrics"] if m["metric"] == "pass^2")
    assert pass2["baseline"] == pytest.approx(0.5, abs=1e-4)
    assert pass2["candidate"] == pytest.approx(
        (5 * math.comb(5, 2) / math.comb(10, 2) + 5) / 20, abs=1e-4
    )
    assert len(doc["regressions"]) == 25 and len(doc["improvements"]) == 5
    assert {r["cell"].split("/")[0] for r in doc["regressions"]} == {"calm"}
    for change in doc["regressions"] + doc["improvements"]:
        for side in ("baseline", "candidate"):
            assert (out / change[side]["transcript"]).is_file()
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert doc["regressions"][0]["candidate"]["transcript"] in html
    md = (out / "compare.md").read_text(encoding="utf-8")
    assert "25 regressions, 5 improvements" in md

    gated = run_aic(*args, "--fail-on-regression", env=env, timeout=120)
    assert gated.returncode == 3, gated.stderr
    assert "gate failed: the candidate is significantly worse on Success rate" in gated.stderr
    loose = run_aic(*args, "--fail-on-regression", "--alpha", "0.0001", env=env, timeout=120)
    assert loose.returncode == 0, loose.stderr
    same = run_aic(
        "compare",
        "base",
        "base",
        "--db",
        str(db),
        "--out-dir",
        str(out),
        "--fail-on-regression",
        env=env,
        timeout=120,
    )
    assert same.returncode == 0 and "no significant change" in same.stdout


def _row(cell: str, repetition: int, success: bool, **extra: Any) -> Row:
    persona, intent = cell.split("/")
    return Row(
        conversation_id=f"{cell}-{repetition}-{success}",
        scenario="s",
        persona=persona,
        intent=intent,
        repetition=repetition,
        outcome="ok" if success else "lost",
        success=success,
        finished=True,
        **extra,
    )


def test_criteria_slot_in_as_paired_rows_of_their_own() -> None:
    base = [_row("p/i", r, True, criteria={"verified": True, "refund": r < 8}) for r in range(10)]
    cand = [_row("p/i", r, True, criteria={"verified": r < 2, "refund": r < 8}) for r in range(10)]
    doc = compare.build("a", "b", base, cand)
    rows = {r["label"]: r for r in doc["criteria"]}
    assert rows["verified"]["delta"] == pytest.approx(-0.8)
    assert rows["verified"]["p_value"] == pytest.approx(sp.binomtest(0, 8, 0.5).pvalue, rel=1e-5)
    assert rows["refund"]["delta"] == 0 and rows["refund"]["verdict"] == "no significant change"


def test_unfinished_and_unpaired_trials_make_the_comparison_incomplete() -> None:
    base = [_row("p/i", r, True) for r in range(4)]
    cand = [_row("p/i", r, r != 1) for r in range(3)]
    doc = compare.build("a", "b", base, cand)
    assert doc["pairs"] == 3 and doc["unpaired"] == {"baseline": 1, "candidate": 0}
    assert not doc["complete"]


def test_compare_of_a_missing_run_is_a_one_line_error_that_creates_no_log(
    tmp_path: Path,
) -> None:
    db = tmp_path / "x.db"
    for command in (("compare", "nope", "other"), ("report", "nope")):
        result = run_aic(*command, "--db", str(db), env=cli_env(home=tmp_path), cwd=tmp_path)
        assert result.returncode == 2
        assert (
            result.stderr == "error: no conversations with run id 'nope' (see `aic ls --run-id`)\n"
        )
        assert not db.exists() and not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--alpha", "nan", "'--alpha': must be a finite number"),
        ("--alpha", "1.5", "--alpha must be between 0 and 1"),
        ("--metric", "pass^0", "--metric 'pass^0': use success or pass^K"),
    ],
)
def test_bad_compare_options_are_one_line_errors_that_write_nothing(
    tmp_path: Path, flag: str, value: str, message: str
) -> None:
    db = tmp_path / "x.db"
    env = cli_env(home=tmp_path)
    result = run_aic("compare", "a", "b", "--db", str(db), flag, value, env=env, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not db.exists() and not (tmp_path / "reports").exists()


@pytest.mark.timeout(300)
def test_two_runs_without_a_trial_in_common_are_nothing_to_compare(tmp_path: Path) -> None:
    """Runs that share no trial (other intents, another suite) compared as '0 paired
    conversations: … no significant change', exit 0: CI passed a release that was never
    compared. Now the headline and every row say nothing was compared, and the exit code is 1
    (with or without the gate), apart from a regression's 3."""
    env, db, out = cli_env(home=tmp_path), str(tmp_path / "runs.db"), tmp_path / "out"
    for run_id, prefix in (("old", ""), ("new", "new-")):
        path = write(tmp_path)
        suite = path.read_text().replace('name = "', f'name = "{prefix}')  # intents, personas
        path.write_text(suite, encoding="utf-8")
        done = run_aic("simulate", str(path), "--db", db, "--run-id", run_id, "--quiet", env=env)
        assert done.returncode == 0, done.stderr
    for gate in ((), ("--fail-on-regression", "--allow-incomplete")):
        args = ("compare", "old", "new", "--db", db, "--out-dir", str(out), *gate)
        shown = run_aic(*args, env=env)
        assert shown.returncode == 1, (gate, shown.stdout, shown.stderr)
        assert shown.stderr.splitlines()[-1] == (
            "error: nothing to compare: no trial finished in both runs "
            "(12 baseline and 12 candidate conversations unpaired)"
        )
        assert "no significant change" not in shown.stdout
        doc = json.loads(run_aic(*args, "--json", env=env).stdout)
        assert doc["pairs"] == 0 and doc["metrics"][0]["verdict"] == "not compared"
        for name in ("compare.md", "compare.html"):
            page = (out / name).read_text(encoding="utf-8")
            assert "nothing to compare" in page.lower() and "no significant change" not in page
