"""Real processes on one SQLite file: Ctrl+C then resume, and two `aic join` processes."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from aiconv.platform import codec
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import MessagePosted, TurnClaimed
from aiconv.queues.urls import open_log
from aiconv.testing.processes import run_aic, spawn_aic


async def wait_for_state(db: Path, cid: str, predicate, timeout: float = 20.0) -> ConversationState:  # type: ignore[no-untyped-def]
    """Poll the log (a condition with a deadline) until ``predicate(state)`` holds."""
    async with open_log(f"sqlite:///{db}") as log, asyncio.timeout(timeout):
        conductor = Conductor(log)
        while True:
            state = await conductor.catch_up(ConversationState(conversation_id=cid))
            if state.started is not None and predicate(state):
                return state
            await log.wait(cid, state.sequence, 0.5)


async def test_ctrl_c_records_interrupted_then_resume_finishes(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    created = run_aic(
        "start",
        "--detach",
        "--db",
        str(db),
        "--max-turns",
        "8",
        "--agent1",
        "mock:turns=0,latency=0.05",
        "--agent2",
        "mock:turns=0,latency=0.05",
    )
    cid = created.stdout.strip()
    process = spawn_aic("resume", cid, "--db", str(db))
    try:
        # A detached conversation is not ended, so `resume` runs it; interrupt it mid-way.
        await wait_for_state(db, cid, lambda s: s.turns >= 2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    stopped = await wait_for_state(db, cid, lambda s: s.is_ended)
    assert stopped.ended is not None and stopped.ended.reason == "interrupted"
    assert stopped.turns < 8
    resumed = run_aic("resume", cid, "--db", str(db), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    final = await wait_for_state(db, cid, lambda s: s.is_ended)
    assert final.ended is not None and final.ended.reason == "max_turns"
    assert [m.sender for m in final.messages] == ["mock-1", "mock-2"] * 4


async def test_two_join_processes_alternate_strictly(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    cid = run_aic(
        "start",
        "--detach",
        "--db",
        str(db),
        "--max-turns",
        "12",
        "--agent1",
        "mock:turns=0",
        "--agent2",
        "mock:turns=0",
    ).stdout.strip()
    first = spawn_aic("join", cid, "--as", "mock-1", "--db", str(db), "--quiet")
    second = spawn_aic("join", cid, "--as", "mock-2", "--db", str(db), "--quiet")
    try:
        for process in (first, second):
            _, stderr = process.communicate(timeout=60)
            assert process.returncode == 0, stderr
    finally:
        first.kill()
        second.kill()
    async with open_log(f"sqlite:///{db}") as log:
        recorded = codec.decode_all(await log.read(cid))
    assert [r.sequence for r in recorded] == list(range(1, len(recorded) + 1))
    senders = [r.event.sender for r in recorded if isinstance(r.event, MessagePosted)]
    assert senders == ["mock-1", "mock-2"] * 6
    claimers = {r.event.instance_id for r in recorded if isinstance(r.event, TurnClaimed)}
    assert len(claimers) == 2
