"""``aic simulate`` and ``aic report`` as real processes: Ctrl+C half-way then a rerun that
resumes without re-running finished conversations; the report's files, JSON and CI gate.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import signal
from pathlib import Path

from aiconv.agents.cache_stores import cache_store
from aiconv.platform.conductor import Conductor
from aiconv.queues.log import ListQuery
from aiconv.queues.urls import open_log
from aiconv.testing.conditions import eventually
from aiconv.testing.processes import cli_env, reap, run_aic, spawn_aic
from tests.simulation.conftest import END_TOKEN_OUTCOMES

SCENARIO = (
    """\
name = "{name}"
repeat = 5
lease_s = {lease}
personas = ["typical", "hurried"]

[limits]
max_turns = 6

[agent]
agent = "{agent}"

[customer]
agent = "{customer}"

[[intents]]
name = "refund"
description = "Refund for a broken kettle"

[[intents]]
name = "address"
description = "Change my delivery address"

"""
    + END_TOKEN_OUTCOMES
)


def write(
    tmp_path: Path,
    name: str = "cli",
    agent: str = "mock:turns=2",
    customer: str = "mock:turns=0",
    lease: float = 30.0,
) -> Path:
    path = tmp_path / "scenarios.toml"
    text = SCENARIO.format(name=name, agent=agent, customer=customer, lease=lease)
    path.write_text(text, encoding="utf-8")
    return path


async def _decided(db: Path, run_id: str) -> dict[str, int]:
    """Conversation id -> last sequence, for every conversation of the run with an outcome."""
    async with open_log(f"sqlite:///{db}") as log:
        conductor = Conductor(log)
        entries = await log.list_conversations(ListQuery(run_id=run_id, limit=1000))
        found = {}
        for entry in entries:
            state = await conductor.load(entry.conversation_id)
            if state.outcome is not None:
                found[entry.conversation_id] = state.sequence
        return found


async def test_ctrl_c_then_rerun_resumes_without_rerunning_finished(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    path = write(tmp_path, agent="mock:turns=3,latency=0.03", customer="mock:turns=0,latency=0.03")
    env = cli_env(home=tmp_path)
    args = ("simulate", str(path), "--db", str(db), "--run-id", "ci-1", "--parallel", "4")
    process = spawn_aic(*args, env=env)
    try:
        await eventually(
            lambda: _count_at_least(db, 4), timeout=30, what="four finished conversations"
        )
        process.send_signal(signal.SIGINT)
        _stdout, stderr = process.communicate(timeout=30)
    finally:
        reap(process)
    assert process.returncode == 130, stderr
    (hint,) = [line for line in stderr.splitlines() if "resume with: aic simulate" in line]
    resume = shlex.split(hint.split("resume with: aic ", 1)[1])
    assert resume[:2] == ["simulate", str(path)]  # on one line, whatever its length
    before = await _decided(db, "ci-1")
    assert 4 <= len(before) < 20
    async with open_log(f"sqlite:///{db}") as log:
        interrupted = await log.list_conversations(ListQuery(run_id="ci-1", limit=100))
        reasons = {e.end_reason for e in interrupted}
    assert "interrupted" in reasons

    rerun = run_aic(*resume, "--quiet", env=env, timeout=60)  # the command it printed
    assert rerun.returncode == 0, rerun.stderr
    assert f"(skipped {len(before)} already finished)" in rerun.stdout
    after = await _decided(db, "ci-1")
    assert len(after) == 20
    assert f"report: aic report ci-1 --db {db}" in rerun.stderr
    assert all(after[cid] == last for cid, last in before.items())


async def test_a_crashed_run_is_taken_over_once_the_dead_claims_expire(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    path = write(
        tmp_path, agent="mock:turns=3,latency=0.05", customer="mock:turns=0,latency=0.05", lease=1
    )
    env = cli_env(home=tmp_path)
    args = ("simulate", str(path), "--db", str(db), "--run-id", "ci-1", "--parallel", "4")
    process = spawn_aic(*args, env=env)
    try:
        await eventually(
            lambda: _count_at_least(db, 4), timeout=30, what="four finished conversations"
        )
        process.send_signal(signal.SIGKILL)  # a crash: nothing is recorded as interrupted
        process.communicate(timeout=30)
    finally:
        reap(process)
    before = await _decided(db, "ci-1")
    async with open_log(f"sqlite:///{db}") as log:
        entries = await log.list_conversations(ListQuery(run_id="ci-1", status="active"))
    assert entries  # left mid-turn by the dead process

    rerun = run_aic(*args, "--quiet", env=env, timeout=90)
    assert rerun.returncode == 0, rerun.stderr
    after = await _decided(db, "ci-1")
    assert len(after) == 20
    assert all(after[cid] == last for cid, last in before.items())


async def _count_at_least(db: Path, count: int) -> bool:
    if not await asyncio.to_thread(db.exists):
        return False
    return len(await _decided(db, "ci-1")) >= count


def test_report_writes_files_prints_json_and_gates_on_the_success_rate(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    # the agent would end at its 4th message, but max_turns = 6 comes first: all abandoned
    path = write(tmp_path, name="<script>alert(1)</script>", agent="mock:turns=4")
    env = cli_env(home=tmp_path)
    done = run_aic("simulate", str(path), "--db", str(db), "--run-id", "r1", "--quiet", env=env)
    assert done.returncode == 0, done.stderr
    assert "done 20" in done.stdout

    out = tmp_path / "out"
    shown = run_aic("report", "r1", "--db", str(db), "--json", "--out-dir", str(out), env=env)
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc["conversations"] == 20 and doc["k"] == 5
    assert doc["outcomes"] == {"abandoned": 20} and doc["success"]["rate"] == 0.0
    assert set(doc["by_persona"]) == {"typical", "hurried"}
    assert set(doc["by_intent"]) == {"refund", "address"}
    assert {"report.md", "report.html", "report.json"} <= {p.name for p in out.iterdir()}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert len(doc["worst"]) == 10
    for entry in doc["worst"]:
        assert (out / entry["transcript"]).is_file()
        assert entry["transcript"] in html

    table = run_aic("report", "r1", "--db", str(db), "--out-dir", str(out), env=env)
    assert table.returncode == 0 and "pass^k" in table.stdout
    below = run_aic(
        "report", "r1", "--db", str(db), "--out-dir", str(out), "--fail-under", "0.5", env=env
    )
    assert below.returncode == 3
    assert "success rate 0.0% is below --fail-under 50.0%" in below.stderr
    above = run_aic(
        "report", "r1", "--db", str(db), "--out-dir", str(out), "--fail-under", "0", env=env
    )
    assert above.returncode == 0


def test_report_of_an_unknown_run_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_aic("report", "nope", "--db", str(tmp_path / "x.db"), env=cli_env(home=tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: no conversations with run id 'nope' (see `aic ls --run-id`)"
    )


def test_a_bad_scenario_file_is_a_one_line_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    text = write(tmp_path).read_text().replace("max_turns = 6", "max_turns = 0")
    path.write_text(text)
    line = text.splitlines().index("max_turns = 0") + 1
    result = run_aic(
        "simulate", str(path), "--db", str(tmp_path / "x.db"), env=cli_env(home=tmp_path)
    )
    assert result.returncode == 2
    assert (
        result.stderr == f"error: {path}:{line}: limits.max_turns: Input should be greater than 0\n"
    )


def test_run_ids_must_be_safe_in_paths(tmp_path: Path) -> None:
    env = cli_env(home=tmp_path)
    result = run_aic("report", "../../etc", "--db", str(tmp_path / "x.db"), env=env)
    assert result.returncode == 2
    assert "run id '../../etc' must be 1-100 letters" in result.stderr


TOOLS_SCENARIO = """\
name = "tools"
repeat = 2
personas = ["typical"]

[limits]
max_turns = 4
max_tool_rounds = 3

[agent]
agent = "script:agent.jsonl"
tools = ["bank_tools.py"]

[customer]
agent = "script:customer.jsonl"

[[intents]]
name = "lost-card"
description = "I lost my card"

[[outcomes]]
slug = "blocked"
success = true

[[outcomes]]
slug = "other"

[evaluator]
default = "other"

[[evaluator.rules]]
outcome = "blocked"
keywords = ["blocked"]
sender = "support"
"""


def test_a_scenario_gives_its_agent_tools_named_relative_to_the_file(tmp_path: Path) -> None:
    """Every conversation of the run records the agent's calls; the tools file and the seats'
    script files are found next to the scenario even when aic simulate runs elsewhere."""
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "scenario.toml").write_text(TOOLS_SCENARIO)
    (folder / "bank_tools.py").write_text(
        "def block_card(card_id: str) -> str:\n    return f'{card_id} blocked'\n"
    )
    (folder / "agent.jsonl").write_text(
        json.dumps({"tool_calls": [{"name": "block_card", "arguments": {"card_id": "c1"}}]})
        + "\n"
        + json.dumps({"content": "Done: your card is blocked."})
        + "\n"
    )
    (folder / "customer.jsonl").write_text(json.dumps({"content": "Block my card please"}) + "\n")
    db = tmp_path / "runs.db"
    env = cli_env(home=tmp_path)
    done = run_aic(
        "simulate", str(folder / "scenario.toml"), "--run-id", "tools1", "--db", str(db),
        "--quiet", env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = run_aic("report", "tools1", "--db", str(db), "--json", "--out-dir",
                     str(tmp_path / "rep"), env=env, cwd=tmp_path)  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["outcomes"]["blocked"] == 2
    ids = asyncio.run(_ids(db, "tools1"))
    exported = [
        json.loads(run_aic("export", cid, "--db", str(db), env=env, cwd=tmp_path).stdout)
        for cid in ids
    ]
    assert all(
        [(c["tool"], c["content"]) for c in d["tool_calls"]] == [("block_card", "c1 blocked")]
        for d in exported
    )


async def _ids(db: Path, run_id: str) -> list[str]:
    async with open_log(f"sqlite:///{db}") as log:
        return [e.conversation_id for e in await log.list_conversations(ListQuery(run_id=run_id))]


def test_a_scenario_giving_tools_to_an_agent_that_cannot_call_them_is_refused(
    tmp_path: Path,
) -> None:
    (tmp_path / "scenario.toml").write_text(
        TOOLS_SCENARIO.replace('agent = "script:agent.jsonl"', 'agent = "echo"').replace(
            'agent = "script:customer.jsonl"', 'agent = "mock"'
        )
    )
    (tmp_path / "bank_tools.py").write_text("def f(x: int) -> int:\n    return x\n")
    done = run_aic("simulate", str(tmp_path / "scenario.toml"), "--db", str(tmp_path / "r.db"),
                   env=cli_env(home=tmp_path), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "cannot call tools" in done.stderr
    assert not (tmp_path / "r.db").exists()


def test_a_run_of_one_conversation_says_conversation_not_conversations(tmp_path: Path) -> None:
    """The run's header counts in words a person would use ("1 conversations" before)."""
    text = write(tmp_path).read_text().replace("repeat = 5", "repeat = 1")
    text = text.replace('personas = ["typical", "hurried"]', 'personas = ["typical"]')
    one = tmp_path / "one.toml"
    address = '[[intents]]\nname = "address"\ndescription = "Change my delivery address"\n'
    assert address in text
    one.write_text(text.replace(address, ""))
    db = str(tmp_path / "runs.db")
    done = run_aic("simulate", str(one), "--run-id", "one", "--db", db, env=cli_env(home=tmp_path))
    assert done.returncode == 0, done.stderr
    assert "run one: 1 conversation\n" in done.stdout + done.stderr


async def _empty_cache(url: str) -> None:
    """A response cache holding nothing (its table made by a first lookup): an empty file is
    someone's own, refused as a cache."""
    store = cache_store(url)
    try:
        assert await store.get("nothing") is None
    finally:
        await store.close()


def test_a_run_with_failed_conversations_prints_the_command_that_retries_them(
    tmp_path: Path,
) -> None:
    """The retry command names the log the run is in and its options, whole on one line (it
    said only 'rerun with --run-id ID', wrapped, and a rerun without --db used another log)."""
    text = write(tmp_path).read_text().replace("repeat = 5", "repeat = 1")
    path = tmp_path / "failing.toml"
    path.write_text(text.replace('personas = ["typical", "hurried"]', 'personas = ["typical"]'))
    db, cache = str(tmp_path / "runs.db"), tmp_path / "empty-cache.db"
    url = f"sqlite:///{cache}"
    asyncio.run(_empty_cache(url))  # replaying from it misses at once, failing every conversation
    args = ("simulate", str(path), "--run-id", "f", "--db", db, "--quiet")
    done = run_aic(*args, "--cache", "replay", "--cache-url", url, env=cli_env(home=tmp_path))
    assert done.returncode == 1, done.stderr
    (hint,) = [line for line in done.stderr.splitlines() if "retry them with: aic " in line]
    again = shlex.split(hint.split("retry them with: aic ", 1)[1])
    assert again == [*args[:6], "--cache", "replay", "--cache-url", url]
