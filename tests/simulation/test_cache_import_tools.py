"""``aic cache import`` of a tool-using agent: the replies that asked for tools are imported with
its messages, so a replay of that agent from the imported cache runs through (the agent is a
real SDK against the fake LLM server, its tools a Python file)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from aiconv.platform.conductor import Conductor
from aiconv.queues.log import ListQuery
from aiconv.queues.urls import open_log
from aiconv.testing.fake_llm import FakeLLM
from aiconv.testing.processes import cli_env, run_aic
from tests.simulation.conftest import END_TOKEN_OUTCOMES

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "examples" / "tools" / "banking.py"

SCENARIO = (
    f"""\
name = "tooled"
repeat = 2
personas = [{{ name = "calm", interrupts = 0.0 }}]

[limits]
max_turns = 6

[agent]
agent = "gpt"
tools = ["{TOOLS}"]

[customer]
agent = "mock:turns=0"

[[intents]]
name = "lost-card"
description = "My debit card is lost: block it and send a new one"

"""
    + END_TOKEN_OUTCOMES
)


@pytest.mark.timeout(240)
async def test_a_tool_using_agent_replays_from_an_imported_cache(tmp_path: Path) -> None:
    """Recorded without the cache, imported into a fresh one, replayed: every model reply of
    the agent — tool rounds and messages — is a hit, and nothing misses."""
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    db, cache = tmp_path / "runs.db", f"sqlite:///{tmp_path / 'fresh.db'}"

    async def aic(*args: str) -> tuple[int, str, str]:
        done = await asyncio.to_thread(run_aic, *args, env=env, timeout=120)
        return done.returncode, done.stdout, done.stderr

    async with FakeLLM() as server:
        env = cli_env(
            {"OPENAI_API_KEY": "fake-key", "OPENAI_BASE_URL": server.openai_base_url},
            home=tmp_path,
        )
        base = ("simulate", str(path), "--db", str(db), "--run-id", "base", "--quiet")
        code, _, err = await aic(*base)
        assert code == 0, err
        rounds = await _tool_rounds(db, "base")
        assert rounds > 0  # the agent did use its tools
        for participant in ("support", "customer"):
            code, out, err = await aic(
                "cache", "import", "base", "--participant", participant, "--db", str(db),
                "--cache-url", cache, "--json",
            )  # fmt: skip
            assert code == 0, err
        asked = len(server.requests)
        code, out, err = await aic(
            "simulate", str(path), "--db", str(db), "--run-id", "again", "--quiet",
            "--cache", "replay", "--cache-url", cache, "--json",
        )  # fmt: skip
        assert len(server.requests) == asked  # the model was never asked again
    assert code == 0, err
    assert "cache_miss" not in err and json.loads(out)["failed"] == 0
    async with open_log(f"sqlite:///{db}") as log:
        conductor = Conductor(log)
        for entry in await log.list_conversations(ListQuery(run_id="again", limit=10)):
            state = await conductor.load(entry.conversation_id)
            assert state.ended is not None and state.ended.reason != "cache_miss"
            assert all(t.called.cached for t in state.tools if t.called.model)
            assert all(m.cached for m in state.messages if m.sender == "support")
    assert await _tool_rounds(db, "again") == rounds


async def _tool_rounds(db: Path, run_id: str) -> int:
    """The model replies of ``run_id`` that asked for tools (first calls of their rounds)."""
    async with open_log(f"sqlite:///{db}") as log:
        conductor = Conductor(log)
        entries = await log.list_conversations(ListQuery(run_id=run_id, limit=10))
        states = [await conductor.load(e.conversation_id) for e in entries]
    return sum(1 for s in states for t in s.tools if t.called.model)
