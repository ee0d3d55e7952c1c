"""A flow through the Python API and a scenario file, and an extractor whose replies cannot be
used: the failure is recorded and the flow asks again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import aiconv
from aiconv.errors import ScenarioError
from aiconv.platform.events import FieldsExtracted
from aiconv.platform.flow_fold import flow_progress
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.scenario import load_scenario
from aiconv.testing.processes import run_aic
from tests.flows.conftest import EXAMPLE


async def test_the_python_api_seats_a_flow(tmp_path: Path) -> None:
    script = tmp_path / "user.txt"
    script.write_text("A research agent. My goals is summarise papers. Formal tone.\n")
    result = await aiconv.run_conversation(
        InMemoryLog(),
        participants=[
            aiconv.Participant("user", f"script:{script}"),
            aiconv.Participant("designer", f"flow:{EXAMPLE}"),
        ],
        topic="Design an agent",
        max_turns=4,
        env={},
    )
    progress = flow_progress(result.state.flow_events, "designer")
    assert progress.stage == "EXPLORING_TOOLS"
    assert progress.values["agent_type"] == "research"


async def test_a_bad_flow_in_the_python_api_fails_before_anything_is_written(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace('collect = ["agent_name"]', 'collect = ["name"]'))
    log = InMemoryLog()
    with pytest.raises(ScenarioError, match=r"bad.toml:\d+: stages\[5\].collect\[0\]"):
        await aiconv.run_conversation(
            log,
            participants=[aiconv.Participant("u"), aiconv.Participant("f", f"flow:{bad}")],
            topic="x",
            env={},
        )
    assert await log.list_conversations() == []


async def test_an_unusable_extractor_reply_is_recorded_and_the_flow_asks_again(
    tmp_path: Path,
) -> None:
    replies = tmp_path / "extractor.txt"
    replies.write_text("Sure! The tone is formal.\n\nStill not JSON, sorry.\n")
    flow = tmp_path / "flow.toml"
    flow.write_text(
        EXAMPLE.read_text().replace('extractor = "extractor"', f'extractor = "script:{replies}"', 1)
    )
    user = tmp_path / "user.txt"
    user.write_text("Formal, please.\n")
    result = await aiconv.run_conversation(
        InMemoryLog(),
        participants=[
            aiconv.Participant("user", f"script:{user}"),
            aiconv.Participant("designer", f"flow:{flow}"),
        ],
        topic="Design an agent",
        max_turns=4,
        env={},
    )
    read = [e for e in result.state.flow_events if isinstance(e, FieldsExtracted)]
    assert read[0].error is not None and read[0].error.startswith("no JSON object in the reply")
    assert read[0].extractions == ()
    said = [m.content for m in result.state.messages if m.sender == "designer"]
    assert "What type of agent are you building" in said[0]  # asked again


async def test_a_file_a_stage_agent_names_is_found_beside_the_flow(tmp_path: Path) -> None:
    """``extractor = "script:extractor.jsonl"`` in a flow file means the file next to it, as a
    scenario's tasks and tools are found beside the scenario, not in the working directory."""
    folder = tmp_path / "flows"
    folder.mkdir()
    reading = {"tone": {"value": "formal", "confidence": 0.9}}
    (folder / "extractor.jsonl").write_text(json.dumps({"content": json.dumps(reading)}) + "\n")
    flow = folder / "flow.toml"
    flow.write_text(
        EXAMPLE.read_text().replace(
            'extractor = "extractor"', 'extractor = "script:extractor.jsonl"', 1
        )
    )
    user = tmp_path / "user.txt"
    user.write_text("Formal, please.\n")
    result = await aiconv.run_conversation(
        InMemoryLog(),
        participants=[
            aiconv.Participant("user", f"script:{user}"),
            aiconv.Participant("designer", f"flow:{flow}"),
        ],
        topic="Design an agent",
        max_turns=2,
        env={},
    )
    [read] = [e for e in result.state.flow_events if isinstance(e, FieldsExtracted)]
    assert read.error is None
    assert read.by == f"script:{folder / 'extractor.jsonl'}"
    assert [(x.name, x.value, x.accepted) for x in read.extractions] == [("tone", "formal", True)]


def test_a_suite_names_its_flow_relative_to_itself(tmp_path: Path) -> None:
    """``agent = "flow:designer.toml"`` in a suite is the flow beside the suite, whatever the
    working directory, and an ``[[agents]]`` entry's flow too."""
    folder = tmp_path / "suite"
    folder.mkdir()
    for name in ("a.toml", "b.toml"):
        (folder / name).write_text(EXAMPLE.read_text())
    suite = folder / "suite.toml"
    suite.write_text(
        (EXAMPLE.parent / "suite.toml")
        .read_text()
        .replace('agent = "flow:agent-designer.toml"', 'agent = "flow:a.toml"')
        .replace('tasks = ["tasks.toml"]', f'tasks = ["{EXAMPLE.parent / "tasks.toml"}"]')
        + '\n[[agents]]\nagent = "flow:a.toml"\n\n[[agents]]\nagent = "flow:b.toml"\n'
    )
    scenario = load_scenario(suite)
    assert scenario.agent.agent == f"flow:{folder / 'a.toml'}"
    assert [s.agent for s in scenario.agents] == [
        f"flow:{folder / n}" for n in ("a.toml", "b.toml")
    ]


def test_a_suite_naming_a_bad_flow_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace('to = "COMPLETED"', 'to = "DONE"'))
    suite = tmp_path / "suite.toml"
    suite.write_text(
        (EXAMPLE.parent / "suite.toml")
        .read_text()
        .replace('agent = "flow:agent-designer.toml"', f'agent = "flow:{bad}"')
        .replace('tasks = ["tasks.toml"]', f'tasks = ["{EXAMPLE.parent / "tasks.toml"}"]')
    )
    db = tmp_path / "runs.db"
    result = run_aic("simulate", str(suite), "--db", str(db))
    assert result.returncode == 2
    assert f"{bad}:" in result.stderr and "unknown stage 'DONE'" in result.stderr
    assert not db.exists()
