"""On an 80-column terminal (a CI log) the report's and compare's tables never cut a name:
two agents of a matrix whose labels share a prefix used to read ``bank-ag…`` twice, criteria
``action…``; names stay whole and the figures fold onto more lines."""

from __future__ import annotations

from pathlib import Path

from aiconv.testing.processes import cli_env, run_aic
from tests.simulation.test_task_suites import suite

AGENTS = ("bank-agent-mistakes-0", "bank-agent-mistakes-0.5")


def table(text: str, title: str) -> str:
    """The table under ``title`` in a command's output."""
    start = text.index(title)
    return text[start : text.index("└", start)]


TASKS = ["banking-dispute-cancelled-subscription", "banking-verification-locked"]


def test_report_and_compare_keep_every_name_whole_at_80_columns(tmp_path: Path) -> None:
    path = suite(tmp_path, agent="bank-agent", tasks=TASKS)
    env, db = cli_env({"COLUMNS": "80"}, home=tmp_path), str(tmp_path / "runs.db")
    done = run_aic(
        "simulate", str(path), "--run-id", "m", "--quiet", "--db", db,
        "--agent", "bank-agent:mistakes=0", "--agent", "bank-agent:mistakes=0.5",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = run_aic("report", "m", "--db", db, env=env, cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    agents = table(report.stdout, "agents under test")
    for label in AGENTS:
        assert f"│ {label} " in agents, agents
    criteria = table(report.stdout, "criteria  ")
    assert "│ action:dispute-cancelled-subscription-1 " in criteria, criteria
    compared = run_aic("compare", f"m/{AGENTS[0]}", f"m/{AGENTS[1]}", "--db", db,
                       env=env, cwd=tmp_path)  # fmt: skip
    assert compared.returncode == 0, compared.stderr
    metrics = table(compared.stdout, "candidate minus baseline")
    assert "│ action:dispute-cancelled-subscription-1 " in metrics, metrics
    assert "…" not in metrics, metrics
