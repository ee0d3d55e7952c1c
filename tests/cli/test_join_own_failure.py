"""``aic join`` whose own provider cannot be used: a short error and exit 1, while the shared
conversation stays active and its turn is there for the next process. Real processes on a
SQLite log; a closed port and the fake vendor server stand in for a missing or refusing Ollama.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest

from aiconv.platform import codec
from aiconv.platform.events import AgentFailed, Event, MessagePosted
from aiconv.queues.urls import open_log
from aiconv.testing.fake_llm import FakeLLM, Fault
from aiconv.testing.processes import cli_env, run_aic

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def detached(db: Path, *args: str) -> str:
    """A conversation of two mock participants that nobody runs yet."""
    created = run_aic("start", "--detach", "--db", str(db), "--max-turns", "4", *args)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


def closed_port() -> int:
    """A port on this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def events(db: Path, cid: str) -> list[Event]:
    async with open_log(f"sqlite:///{db}", "existing") as log:
        return [r.event for r in codec.decode_all(await log.read(cid))]


def error_line(stderr: str) -> str:
    """The one line on stderr (logs are at ``error`` level): an ``error:``, no traceback."""
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


async def play_both(db: Path, cid: str) -> None:
    """Both seats joined with mock agents in two processes, to the end (``max_turns``)."""
    joins = [
        asyncio.to_thread(
            run_aic, "join", cid, "--as", name, "--db", str(db), "--quiet", timeout=90
        )
        for name in ("mock-1", "mock-2")
    ]
    for done in await asyncio.gather(*joins):
        assert done.returncode == 0, done.stderr
    played = await events(db, cid)
    assert [e.sender for e in played if isinstance(e, MessagePosted)] == ["mock-1", "mock-2"] * 2
    assert played[-1].KIND == "ConversationEnded" and played[-1].reason == "max_turns"


async def test_join_on_an_ollama_that_is_not_running_leaves_the_conversation_alone(
    tmp_path: Path,
) -> None:
    """Connection refused on this machine is found before joining: exit 1, one line naming
    the agent and the cause, nothing appended; the conversation plays on with other joins."""
    db = tmp_path / "runs.db"
    cid = detached(db)
    env = cli_env({"OLLAMA_HOST": f"127.0.0.1:{closed_port()}"}, home=tmp_path)
    joined = await asyncio.to_thread(
        run_aic, "join", cid, "--as", "mock-1", "--agent", "ollama", "--db", str(db), env=env
    )
    assert joined.returncode == 1, joined.stderr
    line = error_line(joined.stderr)
    assert "ollama" in line and "connection refused" in line and "OLLAMA_HOST" in line
    assert [e.KIND for e in await events(db, cid)] == ["ConversationStarted"]
    await play_both(db, cid)


@pytest.mark.parametrize(("status", "cause"), [(401, "HTTP 401"), (404, "HTTP 404")])
async def test_a_join_whose_key_or_model_is_refused_gives_its_turn_back(
    tmp_path: Path, status: int, cause: str
) -> None:
    """A refused key (401) or an unknown model (404) at the first turn: the failure is recorded
    with the turn released (no end), exit 1 with one line; although the lease is ten minutes,
    the next joins take that very turn at once, and each turn is answered once."""
    db = tmp_path / "runs.db"
    cid = detached(db, "--lease", "600")
    async with FakeLLM() as server:
        server.faults.push(Fault(status=status, message="refused by the fake"))
        env = cli_env({"OLLAMA_HOST": server.base_url}, home=tmp_path)
        joined = await asyncio.to_thread(
            run_aic, "join", cid, "--as", "mock-1", "--agent", "ollama",
            "--db", str(db), "--log-level", "error", env=env,
        )  # fmt: skip
        asked = [r.body["model"] for r in server.requests]
    assert joined.returncode == 1, joined.stderr
    line = error_line(joined.stderr)
    assert f"ollama: {cause}" in line and f"aic join {cid} --as mock-1" in line
    assert asked == ["llama3.2"]  # the override's own model, not the recorded mock-chat
    recorded = await events(db, cid)
    assert [e.KIND for e in recorded] == ["ConversationStarted", "TurnClaimed", "AgentFailed"]
    failed = recorded[-1]
    assert isinstance(failed, AgentFailed) and failed.released and failed.speaker == "mock-1"
    async with asyncio.timeout(120):  # far below the lease: the turn really was given back
        await play_both(db, cid)


async def test_aic_start_still_ends_its_own_conversation_when_its_provider_refuses(
    tmp_path: Path,
) -> None:
    """The line: a process that runs the whole conversation ends it (resumable) on a provider
    failure, as before; only a joined seat gives its turn back."""
    db = tmp_path / "runs.db"
    async with FakeLLM() as server:
        server.faults.push(Fault(status=401, message="refused by the fake"))
        env = cli_env({"OLLAMA_HOST": server.base_url}, home=tmp_path)
        started = await asyncio.to_thread(
            run_aic, "start", "--db", str(db), "--agent1", "ollama", "--agent2", "mock",
            "--max-turns", "4", "--quiet", env=env,
        )  # fmt: skip
    assert started.returncode == 0, started.stderr
    listed = run_aic("ls", "--db", str(db), "--json")
    assert [row["end_reason"] for row in json.loads(listed.stdout)] == ["provider_error"]
