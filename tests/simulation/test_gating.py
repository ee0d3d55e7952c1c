"""Release gates as a team uses them from CI: gates on any metric and bound, incomplete runs,
runs that would mix scenarios, and matrices of agents reported side by side."""

from __future__ import annotations

import asyncio
import json
import math
import signal
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from aiconv.platform.conductor import Conductor
from aiconv.queues.log import ListQuery
from aiconv.queues.urls import open_log
from aiconv.simulation import gate, render, report
from aiconv.simulation.report_markdown import render_markdown
from aiconv.simulation.rows import Row
from aiconv.testing.conditions import eventually
from aiconv.testing.processes import cli_env, reap, run_aic, spawn_aic
from tests.simulation.conftest import END_TOKEN_OUTCOMES, row
from tests.simulation.test_task_suites import suite

SCENARIO = (
    """\
name = "gates"
repeat = {repeat}
personas = [{{ name = "calm", interrupts = 0.0 }}, {{ name = "brisk", interrupts = 0.0 }}]

[limits]
max_turns = 6

[agent]
agent = "{agent}"

[customer]
agent = "mock:turns=0{latency}"

[[intents]]
name = "refund"
description = "Refund for a broken kettle"

[[intents]]
name = "address"
description = "Change my delivery address"

"""
    + END_TOKEN_OUTCOMES
)


TASKS = ["banking-lost-debit-card", "banking-dispute-too-old"]


def write(tmp_path: Path, agent: str = "mock:turns=2", repeat: int = 3, latency: str = "") -> Path:
    path = tmp_path / "gates.toml"
    path.write_text(SCENARIO.format(agent=agent, repeat=repeat, latency=latency), encoding="utf-8")
    return path


def _row(agent: str, cell: str, rep: int, success: bool, **extra: object) -> Row:
    return row(cell, rep, success, conversation_id=f"{agent}-{cell}-{rep}", agent=agent, **extra)


def test_gates_read_any_metric_at_its_estimate_or_interval_bound() -> None:
    # 20 cells × 4 repetitions, 3 of 4 pass everywhere: success 75 %, pass^2 = 0.5 per cell
    rows = [_row("a", f"p{c}/i", r, r < 3) for c in range(20) for r in range(4)]
    doc = report.build("r", rows)
    pass2 = gate.Metric.parse("pass^2")
    assert pass2.value(doc, "point") == pytest.approx(0.5)
    lower = pass2.value(doc, "lower")
    assert lower is not None and 0.3 < lower < 0.5
    assert gate.evaluate(doc, threshold=0.5, metric=pass2).passed
    failed = gate.evaluate(doc, threshold=0.5, metric=pass2, bound="lower")
    assert not failed.passed and "pass^2 (lower 95% bound)" in failed.reasons[0]
    assert gate.evaluate(doc, threshold=0.7, metric=gate.Metric.parse("success")).passed
    assert not gate.evaluate(doc, threshold=0.1, metric=gate.Metric.parse("pass^5")).passed


def _wilson(passed: int, total: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval, written out independently of ``stats.wilson``."""
    p = passed / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return centre - half, centre + half


def test_a_criterion_is_gated_on_its_pass_rate_and_wilson_bounds() -> None:
    # end_state passes in 12 of 16 graded conversations; 'ended' in all 16
    rows = [
        _row("a", f"p{c}/i", r, True, criteria={"end_state": r < 3, "ended": True})
        for c in range(4)
        for r in range(4)
    ]
    doc = report.build("r", rows)
    metric = gate.Metric.parse("criterion:end_state")
    assert metric.value(doc, "point") == pytest.approx(0.75)
    low, high = _wilson(12, 16)
    assert metric.value(doc, "lower") == pytest.approx(low, abs=1e-4)
    assert metric.value(doc, "upper") == pytest.approx(high, abs=1e-4)
    assert gate.evaluate(doc, threshold=0.7, metric=metric).passed
    failed = gate.evaluate(doc, threshold=0.7, metric=metric, bound="lower")
    assert failed.reasons == (
        f"criterion:end_state (lower 95% bound) {low * 100:.1f}% is below --fail-under 70.0%",
    )
    assert gate.evaluate(doc, threshold=1.0, metric=gate.Metric.parse("criterion:ended")).passed


def test_costs_and_latency_are_gated_from_above_per_agent() -> None:
    rows = [_row("cheap", f"p{c}/i", 0, c < 3, cost_usd=0.01, agent_latencies=(0.5,))
            for c in range(4)]  # fmt: skip
    rows += [_row("dear", f"p{c}/i", 0, c < 2, cost_usd=0.03, agent_latencies=(2.0,))
             for c in range(4)]  # fmt: skip
    doc = report.build("m", rows)
    cost = gate.evaluate(doc, threshold=0.02, metric=gate.Metric.parse("cost"))
    assert cost.reasons == (
        "agent dear: cost (mean a conversation) $0.03 is above --fail-over $0.02",
    )
    assert cost.as_dict()["fail_over"] == 0.02 and "fail_under" not in cost.as_dict()
    resolved = gate.Metric.parse("cost_per_resolved")  # 0.04 / 3 and 0.12 / 2
    assert [resolved.value(a, "point") for a in doc["agents"]] == pytest.approx([0.04 / 3, 0.06])
    assert not gate.evaluate(doc, threshold=0.05, metric=resolved).passed
    assert gate.evaluate(doc, threshold=0.06, metric=resolved).passed
    latency = gate.evaluate(doc, threshold=1.0, metric=gate.Metric.parse("latency_p95"))
    assert latency.reasons == (
        "agent dear: latency_p95 (agent under test) 2 s is above --fail-over 1 s",
    )


def test_a_criterion_gate_runs_on_a_graded_banking_suite(tmp_path: Path) -> None:
    """``--metric criterion:NAME`` gates a real run's criterion (the careless agent leaves the
    too-old dispute open: end_state passes in 2 of 4), at its estimate or its interval's end;
    an unknown criterion names the run's criteria and writes nothing."""
    path = suite(tmp_path, agent="bank-agent:mistakes=1,kinds=ignore_policy", tasks=TASKS)
    env, db = cli_env(home=tmp_path), str(tmp_path / "runs.db")
    done = run_aic("simulate", str(path), "--run-id", "c1", "--repeat", "2", "--quiet",
                   "--db", db, env=env, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr

    def gated(*args: str, out: str = "out") -> subprocess.CompletedProcess[str]:
        return run_aic("report", "c1", "--db", db, "--out-dir", str(tmp_path / out), "--json",
                       *args, env=env, cwd=tmp_path)  # fmt: skip

    below = gated("--metric", "criterion:end_state", "--fail-under", "0.6")
    assert below.returncode == 3, below.stderr
    assert "gate failed: criterion:end_state 50.0% is below --fail-under 60.0%" in below.stderr
    doc = json.loads(below.stdout)
    low, high = _wilson(2, 4)
    (row,) = [c for c in doc["criteria"] if c["criterion"] == "end_state"]
    assert row["ci95"] == pytest.approx([low, high], abs=1e-4)
    assert gated("--metric", "criterion:end_state", "--fail-under", "0.2").returncode == 0
    lower = gated("--metric", "criterion:end_state", "--fail-under", "0.2", "--bound", "lower")
    assert lower.returncode == 3 and f"bound) {low * 100:.1f}% is below" in lower.stderr
    assert gated("--metric", "criterion:ended", "--fail-under", "1").returncode == 0
    unknown = gated("--metric", "criterion:end-state", "--fail-under", "0.1", out="none")
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1, unknown.stderr
    assert "has no such criterion; its criteria: " in unknown.stderr
    assert "'end_state'" in unknown.stderr and "'ended'" in unknown.stderr
    assert not (tmp_path / "none").exists()
    latency = gated("--metric", "latency_p95", "--fail-over", "60")
    assert latency.returncode == 0 and json.loads(latency.stdout)["gate"]["fail_over"] == 60


def test_a_matrix_gate_fails_when_any_agent_fails_and_mixed_runs_never_pass() -> None:
    rows = [_row("good", f"p{c}/i", r, True) for c in range(5) for r in range(2)]
    rows += [_row("bad", f"p{c}/i", r, r == 0) for c in range(5) for r in range(2)]
    doc = report.build("m", rows)
    assert [a["agent"] for a in doc["agents"]] == ["bad", "good"]
    assert doc["k"] == 2  # repetitions of one agent, not both agents pooled
    result = gate.evaluate(doc, threshold=0.6, metric=gate.Metric.parse("success"))
    assert result.reasons == ("agent bad: success rate 50.0% is below --fail-under 60.0%",)
    mixed = report.build("x", [*rows[:10], _row("good", "p9/i", 0, True, suite_hash="other")])
    verdict = gate.evaluate(mixed, threshold=0.0, metric=gate.Metric.parse("success"))
    assert not verdict.passed and "mixes 2 scenario versions" in verdict.reasons[0]


def test_a_matrix_says_which_agent_broke_where_its_gate_fails() -> None:
    """An agent whose provider failed every conversation (an expired key) read in the gate's
    only line as 'agent gpt: success rate 0.0% is below --fail-under', a verdict on its
    replies; the run's warning counted the broken conversations without naming whose they were.
    Each agent's figures count them, and the gate's reason and the warning say whose."""
    rows = [_row("good", f"p{c}/i", r, True) for c in range(5) for r in range(2)]
    broke = [_row("gpt", f"p{c}/i", r, False) for c in range(5) for r in range(2)]
    rows += [replace(row, outcome=None, end_reason="provider_error") for row in broke]
    doc = report.build("m", rows)
    assert [(a["agent"], a["failed"]) for a in doc["agents"]] == [("good", 0), ("gpt", 10)]
    result = gate.evaluate(doc, threshold=0.6, metric=gate.Metric.parse("success"))
    assert result.reasons == (
        "agent gpt: success rate 0.0% is below --fail-under 60.0% "
        "(10 of its 10 conversations broke: a provider failure or a replay cache miss)",
    )
    assert render.warnings(doc)[0].startswith("10 of 20 conversations broke (gpt: 10)")


def test_a_matrix_reports_headline_gives_each_agents_rate_and_labels_the_pooled_one() -> None:
    """Two agents at 100 % and 50 %: no headline may show 75 % as if it were one agent's."""
    rows = [_row("good", f"p{c}/i", r, True) for c in range(5) for r in range(2)]
    rows += [_row("bad", f"p{c}/i", r, r == 0) for c in range(5) for r in range(2)]
    doc = report.build("m", rows)
    line = render.headline(doc)
    assert line.startswith("success by agent: bad 50.0% (95% CI 23.7%–76.3%, 5/10); good 100.0%")
    assert line.endswith("; pooled across 2 agents 75.0% (95% CI 53.1%–88.8%, 15/20)")
    markdown = render_markdown(doc).splitlines()
    assert markdown[markdown.index("") + 1].startswith("**Success rate of bad: 50.0%")
    assert "pooled across 2 agents: 75.0%" in "\n".join(markdown)
    assert "## pass^k (all k tries of a cell succeed), pooled across 2 agents" in markdown
    page = render.render_html(doc)
    assert ">Success rate of good<" in page and ">Success rate, pooled across 2 agents<" in page
    assert ">Success rate<" not in page
    alone = report.build("g", rows[:10])
    assert render.headline(alone) == "success 100.0% (95% CI 72.2%–100.0%, 10/10)"
    assert ">Success rate<" in render.render_html(alone)
    assert "pooled" not in render.render_html(alone) + render_markdown(alone)


@pytest.mark.timeout(240)
async def test_an_interrupted_run_says_so_first_and_fails_its_gate_unless_allowed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "runs.db"
    path = write(tmp_path, agent="mock:turns=3,latency=0.05", repeat=5, latency=",latency=0.05")
    env = cli_env(home=tmp_path)
    process = spawn_aic(
        "simulate", str(path), "--db", str(db), "--run-id", "cut", "--parallel", "2", env=env
    )
    try:
        await eventually(lambda: _decided_at_least(db, 3), timeout=60, what="three decided")
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    finally:
        reap(process)
    args = ("report", "cut", "--db", str(db), "--out-dir", str(tmp_path / "out"))
    shown = run_aic(*args, env=env)
    first = shown.stdout.splitlines()[0]
    assert (
        first.startswith("warning: incomplete run: ") and "of 20 conversations unfinished" in first
    )
    doc = json.loads(run_aic(*args, "--json", env=env).stdout)
    assert not doc["complete"] and doc["planned"] == 20
    assert doc["unfinished"] + doc["missing"] == 20 - doc["finished"] > 0
    gated = run_aic(*args, "--fail-under", "0", env=env)
    assert gated.returncode == 3 and "gate failed: the run is incomplete" in gated.stderr
    allowed = run_aic(*args, "--fail-under", "0", "--allow-incomplete", env=env)
    assert allowed.returncode == 0, allowed.stderr
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "incomplete run" in html.split("<h2>")[0]  # at the top, before the first section
    suite = ET.parse(tmp_path / "out" / "report.xml").getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests", "")) == 20  # what was planned
    never = [e for e in suite.iter("error") if e.get("type") == "never_started"]
    skipped = list(suite.iter("skipped"))
    assert (len(never), len(skipped)) == (doc["missing"], doc["unfinished"])


async def _decided_at_least(db: Path, count: int) -> bool:
    if not await asyncio.to_thread(db.exists):
        return False
    async with open_log(f"sqlite:///{db}") as log:
        entries = await log.list_conversations(ListQuery(run_id="cut", limit=100))
        conductor = Conductor(log)
        states = [await conductor.load(e.conversation_id) for e in entries]
    return sum(1 for s in states if s.outcome is not None) >= count


def test_a_run_refuses_to_continue_with_another_scenario_and_writes_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "runs.db"
    env = cli_env(home=tmp_path)
    path = write(tmp_path, repeat=1)
    first = run_aic("simulate", str(path), "--db", str(db), "--run-id", "r", "--quiet", env=env)
    assert first.returncode == 0, first.stderr
    # comments and more repetitions are the same suite: the run grows
    path.write_text("# a comment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    more = run_aic(
        "simulate",
        str(path),
        "--db",
        str(db),
        "--run-id",
        "r",
        "--repeat",
        "2",
        "--quiet",
        env=env,
    )
    assert more.returncode == 0, more.stderr
    changed = path.read_text(encoding="utf-8").replace("broken kettle", "broken toaster")
    path.write_text(changed, encoding="utf-8")
    before = db.read_bytes()
    refused = run_aic("simulate", str(path), "--db", str(db), "--run-id", "r", env=env)
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: run 'r' was recorded with another version")
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert db.read_bytes() == before
    other_agent = run_aic(
        "simulate",
        str(write(tmp_path, agent="mock:turns=3", repeat=1)),
        "--db",
        str(db),
        "--run-id",
        "r",
        env=env,
    )
    assert other_agent.returncode == 2 and "ran agent 'mock:turns=2' with other settings" in (
        other_agent.stderr
    )


def test_a_matrix_runs_every_agent_against_the_same_customers_side_by_side(
    tmp_path: Path,
) -> None:
    db = tmp_path / "runs.db"
    env = cli_env(home=tmp_path)
    path = write(tmp_path, repeat=2)
    done = run_aic(
        "simulate",
        str(path),
        "--db",
        str(db),
        "--run-id",
        "m",
        "--quiet",
        "--agent",
        "mock:turns=2",
        "--agent",
        "mock:turns=9",
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "done 16" in done.stdout  # 2 agents × 2 personas × 2 intents × 2 repetitions
    out = tmp_path / "out"
    doc = json.loads(
        run_aic("report", "m", "--db", str(db), "--json", "--out-dir", str(out), env=env).stdout
    )
    agents = {a["agent"]: a for a in doc["agents"]}
    assert set(agents) == {"mock-turns-2", "mock-turns-9"}
    # turns=2 closes with the end token (resolved); turns=9 runs into max_turns (abandoned)
    assert agents["mock-turns-2"]["success"]["rate"] == 1.0
    assert agents["mock-turns-9"]["success"]["rate"] == 0.0
    assert agents["mock-turns-9"]["cost_per_resolved_usd"] is None
    for figures in agents.values():
        assert [p["k"] for p in figures["pass_hat_k"]] == [1, 2]
        assert figures["agent_latency_s_p50"] is not None and figures["tokens_mean"] > 0
    table = run_aic("report", "m", "--db", str(db), "--out-dir", str(out), env=env).stdout
    assert "agents under test" in table and "mock-turns-9" in table
    assert "success by agent: mock-turns-2 100.0%" in table and "pooled across 2 agents" in table
    gated = run_aic(
        "report", "m", "--db", str(db), "--out-dir", str(out), "--fail-under", "0.5", env=env
    )
    assert gated.returncode == 3 and "agent mock-turns-9: success rate 0.0%" in gated.stderr
    one = run_aic(
        "report",
        "m/mock-turns-2",
        "--db",
        str(db),
        "--out-dir",
        str(out),
        "--fail-under",
        "0.5",
        env=env,
    )
    assert one.returncode == 0, one.stderr
    compared = run_aic(
        "compare",
        "m/mock-turns-2",
        "m/mock-turns-9",
        "--db",
        str(db),
        "--json",
        "--out-dir",
        str(tmp_path / "cmp"),
        env=env,
    )
    cmp = json.loads(compared.stdout)
    assert cmp["pairs"] == 8 and cmp["metrics"][0]["regressions"] == 8
    unknown = run_aic("report", "m/nobody", "--db", str(db), "--out-dir", str(out), env=env)
    assert unknown.returncode == 2 and "its agents: mock-turns-2, mock-turns-9" in unknown.stderr


@pytest.mark.timeout(300)
def test_compare_refuses_a_matrix_run_without_the_agent_to_compare(tmp_path: Path) -> None:
    """``aic compare m m`` of a matrix run paired each trial with another agent's same trial (the
    trials of both agents share cell and repetition): a run compared with itself read as a
    significant regression, exit 3, and against a one-agent run "-8 unpaired"; one line, exit 2,
    nothing written, naming the ``RUN/AGENT`` forms that do compare."""
    db = tmp_path / "runs.db"
    env = cli_env(home=tmp_path)
    agents = ("--agent", "mock:turns=2", "--agent", "mock:turns=9")
    simulate = ("simulate", str(write(tmp_path, repeat=2)), "--db", str(db), "--quiet")
    assert run_aic(*simulate, "--run-id", "m", *agents, env=env, timeout=120).returncode == 0
    assert run_aic(*simulate, "--run-id", "one", env=env, timeout=120).returncode == 0
    out = tmp_path / "cmp"
    for pair in (("m", "m"), ("one", "m"), ("m", "one")):
        args = ("compare", *pair, "--db", str(db), "--out-dir", str(out), "--fail-on-regression")
        refused = run_aic(*args, env=env, timeout=120)
        assert refused.returncode == 2, (pair, refused.stdout, refused.stderr)
        assert refused.stderr == (
            "error: run 'm' has 2 agents under test (mock-turns-2, mock-turns-9): "
            "compare one of them, as m/mock-turns-2\n"
        ), refused.stderr
        assert refused.stdout == "" and not out.exists()
    same = run_aic("compare", "m/mock-turns-9", "m/mock-turns-9", *args[3:], env=env, timeout=120)
    assert same.returncode == 0 and "no significant change" in same.stdout, same.stdout


def test_an_agent_added_to_a_run_is_compared_with_the_agent_it_started_with(
    tmp_path: Path,
) -> None:
    """A run started without labels, then given another agent (README: another agent label may
    be added to a run): the first agent is addressed as ``RUN/`` its id made safe, the label the
    error lists (it listed ``mock:turns=2``, which ``RUN/AGENT`` refuses to read)."""
    db = tmp_path / "runs.db"
    env = cli_env(home=tmp_path)
    path = write(tmp_path, repeat=1)
    base = ("simulate", str(path), "--db", str(db), "--run-id", "r", "--quiet")
    assert run_aic(*base, env=env, timeout=120).returncode == 0
    assert run_aic(*base, "--agent", "mock:turns=9", env=env, timeout=120).returncode == 0
    out = str(tmp_path / "out")
    unknown = run_aic("report", "r/nobody", "--db", str(db), "--out-dir", out, env=env)
    assert "its agents: mock-turns-2, mock-turns-9" in unknown.stderr, unknown.stderr
    compared = run_aic(
        "compare",
        "r/mock-turns-2",
        "r/mock-turns-9",
        "--db",
        str(db),
        "--json",
        "--out-dir",
        out,
        env=env,
    )
    assert compared.returncode == 0, compared.stderr
    assert json.loads(compared.stdout)["pairs"] == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fail-under", "nan"), "'--fail-under': must be a finite number"),
        (("--fail-under", "1.5"), "--fail-under must be a rate between 0 and 1"),
        (("--fail-under", "0.5", "--metric", "pass@2"), "--metric 'pass@2': use success or pass^K"),
        (("--bound", "middle"), "Invalid value for '--bound'"),
        (("--fail-over", "1"), "--fail-over gates figures where lower is better"),
        (("--fail-over", "1", "--metric", "pass^2"), "pass^2 is a rate: use --fail-under"),
        (("--fail-over", "1", "--metric", "criterion:ended"), "is a rate: use --fail-under"),
        (("--fail-under", "0.5", "--metric", "cost"), "cost is lower-is-better: use --fail-over"),
        (("--fail-over", "-1", "--metric", "cost"), "--fail-over must be a finite number >= 0"),
        (("--fail-over", "nan", "--metric", "latency_p95"), "'--fail-over': must be a finite"),
        (("--fail-over", "inf", "--metric", "cost"), "'--fail-over': must be a finite number"),
        (("--fail-over", "1", "--metric", "cost", "--bound", "lower"), "cost has no interval"),
        (("--metric", "criterion:"), "--metric 'criterion:': name the criterion"),
    ],
)
def test_bad_gate_options_are_one_line_errors(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    db = tmp_path / "x.db"
    result = run_aic(
        "report", "r", "--db", str(db), *args, env=cli_env(home=tmp_path), cwd=tmp_path
    )
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not db.exists() and not (tmp_path / "reports").exists()
