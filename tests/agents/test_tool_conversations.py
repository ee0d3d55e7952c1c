"""Whole conversations with tool rounds through each vendor's real SDK against the strict fake
server: the conductor records every call and result, and rebuilds each vendor's history (tool
use and results in order, Gemini's thought signatures sent back) so the vendor accepts it."""

from __future__ import annotations

import pytest

from aiconv.agents.provider import ChatProvider
from aiconv.agents.tools.python import PythonTools
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import (
    MessagePosted,
    ParticipantSpec,
    StopConfig,
    ToolCalled,
    ToolReturned,
)
from aiconv.platform.toolrounds import RESULT_LIMIT
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.fake_llm import FakeLLM
from aiconv.testing.providers import ScriptedProvider, varied_text

from .conftest import build


def lookup_account(account_id: str) -> dict[str, object]:
    """Look an account up by its id (e.g. acc-1)."""
    return {"account_id": account_id, "balance": 1288.65}


def block_card(card_id: str) -> str:
    """Block a lost card by its id (e.g. card-7)."""
    return f"card {card_id} blocked"


@pytest.mark.parametrize("api", ["anthropic", "openai", "gemini"])
async def test_a_conversation_with_tool_rounds_on_every_vendor(api: str, fake: FakeLLM) -> None:
    agent: ChatProvider = build(api, fake)
    log = InMemoryLog()
    conductor = Conductor(log)
    pair = [
        ParticipantSpec(name="customer", agent="x"),
        ParticipantSpec(name="support", agent=api, model=agent.model),
    ]
    state = await session.create(
        conductor, topic="help", participants=pair, stop=StopConfig(max_turns=4)
    )
    customer = ScriptedProvider(
        ["My card card-7 is lost, please block it; account acc-1.", varied_text(2), varied_text(3)]
    )
    try:
        final = await session.play_all(
            conductor,
            state.conversation_id,
            {"customer": customer, "support": agent},
            tools={"support": PythonTools([lookup_account, block_card])},
        )
    finally:
        await agent.aclose()
    events = [r.event for r in codec.decode_all(await log.read(state.conversation_id))]
    called = [e for e in events if isinstance(e, ToolCalled)]
    returned = [e for e in events if isinstance(e, ToolReturned)]
    assert called and len(returned) == len(called)
    assert all(r.outcome == "ok" for r in returned)
    assert {c.tool for c in called} <= {"lookup_account", "block_card"}
    if api == "gemini":  # the fake signs the first call of each step and checks it comes back
        firsts = {(c.speaker, c.round): c for c in reversed(called)}.values()
        assert all(c.signature for c in firsts)
    posted = [e for e in events if isinstance(e, MessagePosted) and e.sender == "support"]
    assert posted and final.ended is not None
    assert final.ended.reason != "provider_error", final.ended.detail


def export_statement(account_id: str) -> str:
    """The whole statement of an account as CSV (e.g. acc-1): very long."""
    return "date,amount\n" + "2025-01-01,12.50\n" * 30_000


async def test_a_huge_tool_result_is_cut_with_a_note_and_flagged(fake: FakeLLM) -> None:
    """A tool returning half a megabyte: the log keeps its first RESULT_LIMIT characters and a
    note of its length, ``truncated`` says so, and the vendor is sent only that."""
    agent: ChatProvider = build("anthropic", fake)
    log = InMemoryLog()
    conductor = Conductor(log)
    pair = [
        ParticipantSpec(name="customer", agent="x"),
        ParticipantSpec(name="support", agent="anthropic", model=agent.model),
    ]
    state = await session.create(
        conductor, topic="help", participants=pair, stop=StopConfig(max_turns=3)
    )
    customer = ScriptedProvider(["Please send me the statement of acc-1.", varied_text(2)])
    try:
        await session.play_all(
            conductor,
            state.conversation_id,
            {"customer": customer, "support": agent},
            tools={"support": PythonTools([export_statement])},
        )
    finally:
        await agent.aclose()
    events = [r.event for r in codec.decode_all(await log.read(state.conversation_id))]
    (returned, *_) = [e for e in events if isinstance(e, ToolReturned)]
    full = len(export_statement("acc-1"))
    assert returned.truncated and returned.outcome == "ok"
    assert returned.content.startswith("date,amount\n2025-01-01,12.50\n")
    assert returned.content.endswith(
        f"[result truncated: {full:,} characters, the first {RESULT_LIMIT:,} shown]"
    )
    assert len(returned.content) < RESULT_LIMIT + 100
    sent = [str(r.body) for r in fake.requests if "result truncated" in str(r.body)]
    assert sent and all(len(body) < RESULT_LIMIT * 2 for body in sent)
