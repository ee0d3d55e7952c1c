"""Task suites end to end on the banking domain: the offline suite graded by what the agent did,
hidden information that never reaches the agent, τ²-bench task files, and a kill -9 in the
middle of a task on Redis graded the same as an uninterrupted run."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from aiconv.agents.catalog import default_registry
from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.cli.report import print_report
from aiconv.environments.domain import domain_named
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.queues.log import ListQuery
from aiconv.queues.memory import InMemoryLog
from aiconv.queues.urls import open_log
from aiconv.simulation import render, report, report_markdown
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.grading import reached_state, target_state
from aiconv.simulation.rows import collect
from aiconv.simulation.scenario import Seat, load_scenario
from aiconv.simulation.task_judge import DIMENSIONS
from aiconv.simulation.tasks import load_tasks
from aiconv.testing.conditions import eventually
from aiconv.testing.processes import cli_env, run_aic, spawn_aic
from aiconv.testing.providers import RecordingProvider
from aiconv.testing.redis_server import RedisServer, has_redis_server

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "examples" / "banking" / "suite.toml"
FEW = ["banking-lost-debit-card", "banking-checking-balance", "banking-dispute-duplicate"]


def suite(tmp_path: Path, *, agent: str, tasks: list[str] | None = None, repeat: int = 1) -> Path:
    """The shipped suite, narrowed to ``tasks`` (explicit cells) with another agent."""
    text = SUITE.read_text()
    text = text.replace('agent = "bank-agent:mistakes=0.2"', f'agent = "{agent}"')
    text = text.replace("repeat = 2", f"repeat = {repeat}")
    if tasks:
        text = text.replace("personas = []", "personas = []\ncross = false")
        text += "".join(f'\n[[cells]]\npersona = "neutral"\ntask = "{t}"\n' for t in tasks)
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


def providers(recorded: dict[str, RecordingProvider]) -> Any:
    registry = default_registry()

    def build(seat: Seat) -> ChatProvider:
        provider = RecordingProvider(registry.build(registry.resolve(seat.agent, model=seat.model)))
        recorded[seat.role] = provider
        return provider

    return build


async def _states(log: InMemoryLog, run_id: str) -> list[ConversationState]:
    conductor = Conductor(log)
    entries = await log.list_conversations(ListQuery(run_id=run_id, limit=500))
    return [await conductor.load(e.conversation_id) for e in entries]


async def test_the_offline_banking_suite_passes_with_a_careful_agent(tmp_path: Path) -> None:
    """Every task of the domain, bank-agent without mistakes against task-user: graded by the
    end state, each criterion recorded with its evidence."""
    scenario = load_scenario(suite(tmp_path, agent="bank-agent:mistakes=0"))
    assert len(scenario.cells()) >= 30
    log = InMemoryLog()
    tally = await BatchRunner(log, scenario, providers({}), run_id="careful", parallel=8).run()
    assert tally.failed == 0
    states = await _states(log, "careful")
    passed = [s for s in states if s.graded is not None and s.graded.passed]
    assert len(passed) == len(states), [  # the README: with mistakes=0 every task passes
        (s.started.metadata["task"], [c.criterion for c in s.criteria if c.passed is False])
        for s in states if s not in passed and s.started
    ]  # fmt: skip
    for state in states:
        kinds = {c.kind for c in state.criteria}
        assert "end_state" in kinds and state.outcome is not None
        assert state.outcome.outcome == (
            "passed" if state.graded and state.graded.passed else "failed"
        )


async def test_a_careless_agent_fails_tasks_for_recorded_reasons(tmp_path: Path) -> None:
    scenario = load_scenario(suite(tmp_path, agent="bank-agent:mistakes=1,seed=3", tasks=FEW))
    log = InMemoryLog()
    await BatchRunner(log, scenario, providers({}), run_id="careless", parallel=4).run()
    states = await _states(log, "careless")
    failed = [s for s in states if s.graded is not None and not s.graded.passed]
    assert failed, "an agent that always errs must fail some task"
    for state in failed:
        reasons = [c for c in state.criteria if c.passed is False]
        assert reasons and all(c.evidence for c in reasons)
        assert state.outcome is not None and state.outcome.rationale


async def test_the_agent_never_sees_the_users_hidden_information(tmp_path: Path) -> None:
    """Whoever speaks first: every request the agent under test got is free of the user's
    reason for calling, known and unknown information and instructions."""
    path = suite(tmp_path, agent="bank-agent:mistakes=0", tasks=FEW)
    recorded: dict[str, RecordingProvider] = {}
    scenario = load_scenario(path)
    log = InMemoryLog()
    await BatchRunner(log, scenario, providers(recorded), run_id="leak", parallel=2).run()
    secrets: list[str] = []
    for task in scenario.tasks:
        info = task.instructions
        secrets.append(info.reason_for_call)
        if isinstance(info.known_info, dict):
            secrets += [f"{k}: {v}" for k, v in info.known_info.items()]
        secrets += [str(u) for u in (info.unknown_info or []) if len(str(u)) > 12]
        if info.task_instructions:
            secrets.append(info.task_instructions)
    said = {
        m.content
        for st in await _states(log, "leak")
        for m in st.messages
        if m.sender == "customer"
    }
    seen = [
        text
        for request in recorded["agent"].requests
        for text in (
            request.system,
            *(str(v) for v in request.context.values()),
            *(m.content for m in request.messages if m.content not in said),
        )
    ]  # what the customer chose to say is the agent's to read; nothing else of its brief
    assert recorded["agent"].requests
    leaked = [s for s in secrets if any(s in text for text in seen)]
    assert leaked == []
    customer_systems = {r.system for r in recorded["customer"].requests}
    assert any(scenario.tasks[0].instructions.reason_for_call in s for s in customer_systems)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_the_shipped_banking_suite_runs_offline_and_its_report_says_why_tasks_failed(
    tmp_path: Path,
) -> None:
    """The acceptance command, as a user types it: every task twice, the bank agent erring at
    its shipped 20 % rate — real passes, real failures, each failure with its reasons."""
    db = str(tmp_path / "bank.db")
    done = run_aic("simulate", str(SUITE), "--db", db, "--run-id", "bank", timeout=200)
    assert done.returncode == 0, done.stderr
    shown = run_aic("report", "bank", "--db", db, "--json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc["conversations"] == doc["finished"] == 80 and doc["complete"]
    passed, failed = doc["outcomes"].get("passed", 0), doc["outcomes"].get("failed", 0)
    assert passed + failed == 80 and 0.3 < passed / 80 < 0.95, doc["outcomes"]
    assert len(doc["by_task"]) == 40 and doc["by_intent"] == {}
    assert [p["k"] for p in doc["pass_hat_k"]] == [1, 2]
    failing = {c["criterion"] for c in doc["criteria"] if c["failed"]}
    assert failing and "end_state" in {c["criterion"] for c in doc["criteria"]}
    kinds = {c["kind"]: c for c in doc["criteria_by_kind"]}
    assert {"end_state", "action", "outcome"} <= kinds.keys()
    assert sum(k["failed"] for k in kinds.values()) == sum(c["failed"] for c in doc["criteria"])
    assert kinds["end_state"]["passed"] + kinds["end_state"]["failed"] == 80
    for entry in doc["worst"]:
        assert entry["failed_criteria"] and all(c["evidence"] for c in entry["failed_criteria"])
    assert any(entry["trajectory"] for entry in doc["worst"])


class RubricJudge(ChatProvider):
    """An LLM judge's answers, written from what it was asked: every assertion it is shown
    holds, and it scores by the trajectory it reads (a failed verification costs policy points)."""

    name, model = "judge", "judge-1"

    async def complete(self, request: ChatRequest, *, on_delta: Any = None) -> ChatReply:
        listed = request.system.split("by index):\n", 1)[1].split("\n\n", 1)[0]
        count = 0 if listed == "(none)" else len(listed.splitlines())
        trajectory = request.messages[0].content
        policy = 2 if "verify" not in trajectory else 5
        scores = {"goal_completion": 4, "policy_adherence": policy, "helpfulness": 3}
        scores["faithfulness"] = 5
        answer = {
            "assertions": [{"index": i, "holds": True, "rationale": "said"} for i in range(count)],
            "scores": {d: {"score": v, "rationale": f"{d}: read"} for d, v in scores.items()},
        }
        return ChatReply(content=json.dumps(answer), model=self.model, provider=self.name)

    async def aclose(self) -> None:
        return None


async def test_the_task_judge_scores_are_recorded_and_summarised_in_the_report(
    tmp_path: Path,
) -> None:
    path = suite(tmp_path, agent="bank-agent:mistakes=0", tasks=FEW)
    path.write_text(path.read_text().replace('kind = "task"', 'kind = "task"\nagent = "mock"'))
    scenario = load_scenario(path)
    factory = providers({})

    def build(seat: Seat) -> ChatProvider:
        return RubricJudge() if seat.role == "judge" else factory(seat)

    log = InMemoryLog()
    await BatchRunner(log, scenario, build, run_id="judged", parallel=3).run()
    for state in await _states(log, "judged"):
        rubric = {c.criterion: c.score for c in state.criteria if c.kind == "rubric"}
        assert (
            rubric.keys() == {f"rubric:{d}" for d in DIMENSIONS}
            and rubric["rubric:helpfulness"] == 3
        )
    doc = report.build("judged", await collect(log, "judged"))
    by_dimension = {s["dimension"]: s for s in doc["scores"]}
    assert list(by_dimension) == list(DIMENSIONS)
    assert by_dimension["helpfulness"] == {
        "dimension": "helpfulness", "n": 3, "mean": 3.0, "min": 3.0, "max": 3.0, "low": 0
    }  # fmt: skip
    assert doc["agents"][0]["scores"]["faithfulness"] == 5.0
    markdown = report_markdown.render_markdown(doc)
    assert "## Judge scores (1–5)" in markdown
    assert "| helpfulness | 3 | 3.00 | 3 | 3 | 0 |" in markdown
    page = render.render_html(doc)
    assert "Judge scores (1–5)" in page and "<td>goal completion</td>" in page
    console = Console(record=True, width=120)
    print_report(console, doc)
    terminal = console.export_text()
    assert "judge scores (1–5)" in terminal and "policy adherence" in terminal
    assert "criteria" in terminal and "│ end_state " in terminal


class ChattyJudge(ChatProvider):
    """A judge that never answers with the JSON object it is asked for."""

    name, model = "judge", "judge-1"

    async def complete(self, request: ChatRequest, *, on_delta: Any = None) -> ChatReply:
        return ChatReply(content="The agent did well, I think.", model=self.model)

    async def aclose(self) -> None:
        return None


async def test_a_judge_that_could_not_judge_is_said_before_the_figures(tmp_path: Path) -> None:
    """A configured judge whose answers were all invalid leaves no scores: the report says so
    (how many conversations, and why) instead of reading as a run without a judge."""
    path = suite(tmp_path, agent="bank-agent:mistakes=0", tasks=FEW)
    path.write_text(path.read_text().replace('kind = "task"', 'kind = "task"\nagent = "mock"'))
    factory = providers({})

    def build(seat: Seat) -> ChatProvider:
        return ChattyJudge() if seat.role == "judge" else factory(seat)

    log = InMemoryLog()
    await BatchRunner(log, load_scenario(path), build, run_id="mute", parallel=3).run()
    doc = report.build("mute", await collect(log, "mute"))
    assert doc["scores"] == [] and doc["unjudged"] == 3
    warning = next(w for w in render.warnings(doc) if "judge" in w)
    assert warning.startswith("the judge could not judge 3 of 3 conversations (")
    assert "the judge's answer was invalid" in warning
    assert "Warning:** the judge could not judge 3 of 3" in report_markdown.render_markdown(doc)
    console = Console(record=True, width=200)
    print_report(console, doc)
    assert "the judge could not judge 3 of 3 conversations" in console.export_text()


def test_a_tau2_bench_task_file_loads_and_our_tasks_export_in_its_schema(tmp_path: Path) -> None:
    ours = tmp_path / "export.json"
    done = run_aic("tasks", "export", "--domain", "banking", "--format", "tau2", "-o", str(ours))
    assert done.returncode == 0, done.stderr
    exported = json.loads(ours.read_text())
    assert len(exported) >= 30
    first = exported[0]
    assert set(first) <= {
        "id",
        "description",
        "user_scenario",
        "initial_state",
        "evaluation_criteria",
        "ticket",
    }
    assert first["user_scenario"]["instructions"]["domain"] == "banking"
    assert isinstance(first["user_scenario"]["instructions"]["known_info"], str)
    assert "OUTCOME" not in first["evaluation_criteria"]["reward_basis"]
    # τ²-bench's format reads back (no domain at the top level: the suite's default applies)
    reread = load_tasks(ours, default_domain="banking")
    assert [t.id for t in reread] == [t["id"] for t in exported]


TASK = {"id": "t1", "user_scenario": {"instructions": "Ask for your balance."}}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("one.json", json.dumps(TASK)),
        ("list.json", json.dumps([TASK])),
        ("key.json", json.dumps({"tasks": [TASK]})),
        ("one.yaml", yaml.safe_dump(TASK)),
        ("list.yaml", yaml.safe_dump([TASK])),
        ("key.yml", yaml.safe_dump({"tasks": [TASK]})),
        ("one.toml", 'id = "t1"\n[user_scenario]\ninstructions = "Ask for your balance."\n'),
        (
            "key.toml",
            '[[tasks]]\nid = "t1"\nuser_scenario.instructions = "Ask for your balance."\n',
        ),
    ],
)
def test_a_task_file_holds_one_task_a_list_or_tasks_in_json_yaml_or_toml(
    tmp_path: Path, name: str, text: str
) -> None:
    """As the README says: a task file (JSON, YAML or TOML) holds one task, a list, or ``tasks``
    (a YAML list was refused: 'the document must be a mapping')."""
    path = tmp_path / name
    path.write_text(text)
    assert [t.id for t in load_tasks(path, default_domain="banking")] == ["t1"]


def test_a_task_naming_an_unknown_tool_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{
        "id": "t1",
        "user_scenario": {"instructions": {"reason_for_call": "x", "task_instructions": "y"}},
        "evaluation_criteria": {"actions": [{"name": "teleport_money", "arguments": {}}]},
    }], indent=2))  # fmt: skip
    done = run_aic("tasks", "list", str(bad), "--domain", "banking")
    assert done.returncode == 2
    assert "bad.json:12: evaluation_criteria.actions[0].name" in done.stderr  # the action's line
    assert "unknown tool 'teleport_money'" in done.stderr


BRIEF = {"instructions": {"reason_for_call": "x", "task_instructions": "y"}}


@pytest.mark.parametrize(
    ("task", "where", "why"),
    [
        (
            {"initial_state": {"initialization_data": {"agent_data": {"cards": {"c": 7}}}}},
            "bad.json:12: initial_state.initialization_data.agent_data",
            "cards.c",
        ),
        (
            {"evaluation_criteria": {"actions": [
                {"name": "block_card", "arguments": {"card_id": "card-1", "reason": 12}}
            ]}},
            "bad.json:12: evaluation_criteria.actions[0].arguments",
            "reason",
        ),
        (
            {"evaluation_criteria": {"actions": [{"name": "block_card", "arguments": {}}]}},
            "bad.json:12: evaluation_criteria.actions[0].arguments",
            "card_id",
        ),
    ],
    ids=["initial-state", "argument-type", "missing-argument"],
)  # fmt: skip
def test_a_task_whose_state_or_actions_do_not_validate_is_refused_with_file_line_and_field(
    tmp_path: Path, task: dict[str, Any], where: str, why: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "t1", "user_scenario": BRIEF, **task}], indent=2))
    done = run_aic("tasks", "list", str(bad), "--domain", "banking")
    assert done.returncode == 2, done.stdout
    line = done.stderr.strip()
    assert line.startswith("error: ") and "bad.json:" in line and "\n" not in line
    assert where in line and why in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(not has_redis_server(), reason="redis-server is not installed")
async def test_kill_9_in_the_middle_of_a_task_on_redis_grades_like_an_uninterrupted_run(
    tmp_path: Path,
) -> None:
    """A simulate process is killed once the agent has acted; rerunning the same run id finishes
    the task. Its end state and verdict are those of the same task run without interruption."""
    task = "banking-lost-debit-card"
    path = suite(tmp_path, agent="bank-agent:mistakes=0", tasks=[task])
    text = path.read_text().replace("[limits]", "lease_s = 1\n[limits]")
    path.write_text(text)
    env = cli_env(home=tmp_path)
    with RedisServer(tmp_path / "redis") as server:
        url = server.url
        victim = spawn_aic("simulate", str(path), "--run-id", "k9", "--log-url", url,
                           "--quiet", "--parallel", "1", env=env, cwd=tmp_path)  # fmt: skip
        async with open_log(url) as log:

            async def acted() -> bool:
                entries = await log.list_conversations(ListQuery(run_id="k9"))
                if not entries:
                    return False
                stored = await log.read(entries[0].conversation_id)
                return sum(s.kind == "ToolReturned" for s in stored) >= 2

            try:
                await eventually(acted, timeout=90)
            finally:
                victim.send_signal(signal.SIGKILL)
                await asyncio.to_thread(victim.communicate, timeout=30)
            rerun = await asyncio.to_thread(
                run_aic, "simulate", str(path), "--run-id", "k9", "--log-url", url, "--quiet",
                env=env, cwd=tmp_path, timeout=180,
            )  # fmt: skip
            assert rerun.returncode == 0, rerun.stderr
            entry = (await log.list_conversations(ListQuery(run_id="k9")))[0]
            resumed = await Conductor(log).load(entry.conversation_id)
        memory = InMemoryLog()
        await BatchRunner(memory, load_scenario(path), providers({}), run_id="clean").run()
        clean = (await _states(memory, "clean"))[0]
    domain = domain_named("banking")
    scenario_task = next(t for t in load_scenario(path).tasks if t.id == task)
    assert resumed.graded is not None and clean.graded is not None
    assert resumed.graded.passed == clean.graded.passed is True
    assert reached_state(resumed, domain) == reached_state(clean, domain)
    assert reached_state(resumed, domain) == target_state(resumed, scenario_task, domain)
    called = [t.called.call_id for t in resumed.tools]
    assert len(called) == len(set(called))  # every call recorded once
