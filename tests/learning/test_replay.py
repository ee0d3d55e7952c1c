"""Replay: imported conversations are forked where the human agent first answered, the agent
under test carries on with a simulated customer, and the outcomes are compared; the parents never
change and a second run resumes instead of starting over."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from aiconv.agents.provider import ChatProvider
from aiconv.errors import ScenarioError
from aiconv.learning.importer import ImportReport, prepare, write
from aiconv.learning.library import imported_ids
from aiconv.learning.parse import parse_file
from aiconv.learning.redaction import Redactor
from aiconv.learning.replay import Replay, fork_point
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.queues.log import ConversationLog, ListQuery
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.scenario import Seat, load_scenario
from aiconv.testing.providers import ScriptedProvider

SCENARIO = """\
name = "replay"
personas = ["typical"]
[agent]
agent = "mock"
[customer]
agent = "mock"
[[intents]]
name = "any"
description = "whatever brought them"
[[outcomes]]
slug = "resolved"
success = true
[[outcomes]]
slug = "escalated"
[[outcomes]]
slug = "follow_up"
[[outcomes]]
slug = "abandoned"
[evaluator]
default = "abandoned"
[[evaluator.rules]]
outcome = "escalated"
keywords = ["transfer"]
[[evaluator.rules]]
outcome = "follow_up"
keywords = ["ticket"]
[[evaluator.rules]]
outcome = "resolved"
keywords = ["sorted"]
"""


def _providers(seat: Seat) -> ChatProvider:
    if seat.role == "agent":
        return ScriptedProvider(["That's sorted now; the confirmation is on its way.\n<END>"])
    return ScriptedProvider(["ok, thank you"])


async def _imported(log: ConversationLog, corpus_dir: Path, count: int) -> list[str]:
    parsed = parse_file(corpus_dir / "chats.jsonl")
    head = type(parsed)(transcripts=parsed.transcripts[:count])
    prepared, _ = prepare(head, source="acme", file="chats.jsonl", fmt="jsonl", redactor=Redactor())
    await write(log, prepared, ImportReport())
    return await imported_ids(log)


async def test_forks_at_the_humans_first_answer_and_compares_outcomes(
    corpus_dir: Path, truth: dict[str, Any], tmp_path: Path
) -> None:
    log = InMemoryLog()
    parents = await _imported(log, corpus_dir, 16)
    before = {cid: [s.data for s in await log.read(cid)] for cid in parents}
    (tmp_path / "s.toml").write_text(SCENARIO, encoding="utf-8")
    scenario = load_scenario(tmp_path / "s.toml")
    conductor = Conductor(log)
    replay = Replay(conductor, scenario, _providers, run_id="replay-1")
    report = (await replay.run(parents)).to_dict()

    assert report["compared"] == 16 and report["agent_success_rate"] == 1.0
    planted = Counter()
    for cid in parents:
        state = await conductor.load(cid)
        meta = state.started.metadata["imported"] if state.started else {}
        planted[truth["conversations"][meta["source_id"]]["outcome"]] += 1
    assert report["human_success_rate"] == planted["resolved"] / 16
    assert report["regressions"] == []
    assert len(report["improvements"]) == 16 - planted["resolved"]
    forks = await log.list_conversations(ListQuery(run_id="replay-1", limit=100))
    assert len(forks) == 16 and all("fork" in f.tags for f in forks)
    for cid in parents:
        assert [s.data for s in await log.read(cid)] == before[cid]  # parents never change
    case = next(c for c in (await replay.run(parents)).cases if c.fork_id)
    parent = await conductor.load(case.parent_id)
    child = await conductor.load(str(case.fork_id))
    at = fork_point(parent, "support")
    assert case.at == at and at is not None
    copied = [m for m in child.messages if m.sequence <= at]
    assert [m.content for m in copied] == [m.content for m in parent.messages if m.sequence <= at]
    assert all(m.sender == "customer" for m in copied)
    first_new = next(m for m in child.messages if m.sequence > at + 1)
    assert first_new.sender == "support" and "sorted" in first_new.content
    assert child.outcome is not None and child.outcome.outcome == "resolved"
    assert child.participant("customer").system and "What you came for" in str(
        child.participant("customer").system
    )


async def test_a_second_run_resumes_and_writes_nothing_new(
    corpus_dir: Path, tmp_path: Path
) -> None:
    log = InMemoryLog()
    parents = await _imported(log, corpus_dir, 4)
    (tmp_path / "s.toml").write_text(SCENARIO, encoding="utf-8")
    scenario = load_scenario(tmp_path / "s.toml")
    first = await Replay(Conductor(log), scenario, _providers, run_id="r").run(parents)
    head = len(await log.read_all(0, limit=100_000))
    again = await Replay(Conductor(log), scenario, _providers, run_id="r").run(parents)
    assert again.to_dict() == first.to_dict()
    assert len(await log.read_all(0, limit=100_000)) == head


async def test_a_run_is_never_continued_with_another_agent_or_scenario(
    corpus_dir: Path, tmp_path: Path
) -> None:
    # Replaying again after pointing [agent] at another agent found the first agent's forks
    # under the same (default) run id and reported their outcomes as the new agent's.
    log = InMemoryLog()
    parents = await _imported(log, corpus_dir, 2)
    (tmp_path / "s.toml").write_text(SCENARIO, encoding="utf-8")
    await Replay(Conductor(log), load_scenario(tmp_path / "s.toml"), _providers, run_id="r").run(
        parents
    )
    head = len(await log.read_all(0, limit=100_000))
    for old, new in (
        ('agent = "mock"\n[customer]', 'agent = "mock:seed=7"\n[customer]'),
        ('default = "abandoned"', 'default = "resolved"'),
    ):
        (tmp_path / "t.toml").write_text(SCENARIO.replace(old, new, 1), encoding="utf-8")
        other = Replay(Conductor(log), load_scenario(tmp_path / "t.toml"), _providers, run_id="r")
        with pytest.raises(ScenarioError, match="use another --run-id"):
            await other.run(parents)
        assert len(await log.read_all(0, limit=100_000)) == head


async def test_a_conversation_the_agent_never_answered_is_skipped_with_a_reason(
    tmp_path: Path,
) -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    from aiconv.platform.events import ParticipantSpec

    specs = (
        ParticipantSpec(name="customer", agent="mock"),
        ParticipantSpec(name="support", agent="mock"),
    )
    state = await session.create(conductor, topic="t", participants=specs)
    (tmp_path / "s.toml").write_text(SCENARIO, encoding="utf-8")
    replay = Replay(conductor, load_scenario(tmp_path / "s.toml"), _providers, run_id="r")
    report = (await replay.run([state.conversation_id])).to_dict()
    assert report["compared"] == 0
    assert report["skipped"] == [
        {"parent": state.conversation_id, "why": "support never wrote message 1"}
    ]
