"""A tool call is observable like everything else: the tool metrics on an injected registry, an
``execute_tool`` span under its turn's span, a ``tool.returned`` log line, and no secret from a
tool's arguments or result in the log, the spans or the log lines."""

from __future__ import annotations

import asyncio
import json

from opentelemetry.trace import StatusCode
from structlog.testing import capture_logs

from aiconv.agents.messages import ChatReply, ToolCall, Usage, tool_call_from
from aiconv.agents.tools.python import PythonTools
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ParticipantSpec, StopConfig
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.providers import ScriptedProvider, varied_text
from tests.observability.conftest import Rig

KEY = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345"
TOKEN = "Bearer abcdefghijklmnopqrstuvwxyz0123"


def lookup(card_id: str, note: str, auth: dict[str, str]) -> str:
    """Look a card up (and echo a bearer token back, as a careless backend might)."""
    return f"card {card_id} is active; session {TOKEN}"


def broken(card_id: str) -> str:
    """Always fails."""
    raise RuntimeError("the core banking system is down")


def _calls(*calls: ToolCall) -> ChatReply:
    return ChatReply(content="", model="m", usage=Usage(input_tokens=5), tool_calls=calls)


async def _converse(rig: Rig) -> tuple[InMemoryLog, str]:
    log = InMemoryLog()
    conductor = Conductor(rig.log(log), observer=rig.observer)
    pair = [ParticipantSpec(name="customer", agent="x"), ParticipantSpec(name="support", agent="x")]
    state = await session.create(
        conductor, topic="lost card", participants=pair, stop=StopConfig(max_turns=2)
    )
    arguments = {"card_id": "c1", "note": f"my key is {KEY}", "auth": {"token": KEY}}
    support = ScriptedProvider(
        [
            _calls(ToolCall(id="call_1", name="lookup", arguments=arguments)),
            _calls(ToolCall(id="call_2", name="broken", arguments={"card_id": "c1"})),
            "Your card is active.",
        ]
    )
    customer = ScriptedProvider([varied_text(1), varied_text(2)])
    tools = {"support": PythonTools([lookup, broken])}
    seats = {"customer": rig.instrument(customer), "support": rig.instrument(support)}
    async with asyncio.timeout(20):
        await session.play_all(conductor, state.conversation_id, seats, tools=tools)
    return log, state.conversation_id


async def test_tool_calls_are_counted_and_timed_by_tool_and_outcome(rig: Rig) -> None:
    await _converse(rig)
    assert rig.sample("aiconv_tool_calls_total", tool="lookup", outcome="ok") == 1
    assert rig.sample("aiconv_tool_calls_total", tool="broken", outcome="error") == 1
    assert rig.sample("aiconv_tool_calls_total", tool="lookup", outcome="error") == 0
    for tool in ("lookup", "broken"):
        assert rig.sample("aiconv_tool_call_duration_seconds_count", tool=tool) == 1
        seconds = rig.sample("aiconv_tool_call_duration_seconds_sum", tool=tool)
        assert 0 < seconds < 5


async def test_each_call_has_an_execute_tool_span_under_its_turn(rig: Rig) -> None:
    _, cid = await _converse(rig)
    spans = rig.spans()
    tools = [s for s in spans if s.name.startswith("execute_tool")]
    assert [s.name for s in tools] == ["execute_tool lookup", "execute_tool broken"]
    [turn] = [s for s in spans if s.name == "invoke_agent support"]
    for span in tools:
        assert span.parent is not None and span.parent.span_id == turn.context.span_id
        assert span.context.trace_id == turn.context.trace_id
    ok, failed = (dict(s.attributes or {}) for s in tools)
    assert ok == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "lookup",
        "gen_ai.tool.call.id": "call_1",
        "gen_ai.tool.type": "function",
        "gen_ai.conversation.id": cid,
        "gen_ai.agent.name": "support",
    }
    assert tools[0].status.status_code is StatusCode.UNSET
    assert (failed["gen_ai.tool.call.id"], failed["error.type"]) == ("call_2", "error")
    assert tools[1].status.status_code is StatusCode.ERROR


async def test_a_returned_call_is_logged_with_its_outcome(rig: Rig) -> None:
    with capture_logs() as lines:
        await _converse(rig)
    returned = [line for line in lines if line["event"] == "tool.returned"]
    assert [(r["tool"], r["call_id"], r["outcome"]) for r in returned] == [
        ("lookup", "call_1", "ok"),
        ("broken", "call_2", "error"),
    ]
    assert all(r["latency_s"] >= 0 for r in returned)
    assert KEY not in repr(lines) and "abcdefghijklmnopqrstuvwxyz0123" not in repr(lines)


async def test_secrets_in_tool_arguments_and_results_are_redacted(rig: Rig) -> None:
    log, cid = await _converse(rig)
    stored = [json.loads(e.data) for e in await log.read(cid)]
    text = json.dumps(stored)
    assert KEY not in text, "a key in a tool argument reached the log"
    assert "abcdefghijklmnopqrstuvwxyz0123" not in text, "a token in a tool result reached the log"
    [called] = [e for e in stored if e.get("call_id") == "call_1" and "arguments" in e]
    assert called["arguments"] == {
        "card_id": "c1",
        "note": "my key is [REDACTED]",
        "auth": {"token": "[REDACTED]"},
    }
    [returned] = [e for e in stored if e.get("call_id") == "call_1" and "content" in e]
    assert returned["content"] == "card c1 is active; session [REDACTED]"
    spans = repr([dict(s.attributes or {}) for s in rig.spans()])
    assert KEY not in spans and "abcdefghijklmnopqrstuvwxyz0123" not in spans


async def test_a_key_in_arguments_that_are_not_json_is_redacted_in_the_log() -> None:
    """Arguments the model broke off mid-object are kept in the call's ``error`` to tell it what
    went wrong: a key in them is scrubbed there as in parsed arguments."""
    log = InMemoryLog()
    conductor = Conductor(log)
    pair = [ParticipantSpec(name="customer", agent="x"), ParticipantSpec(name="support", agent="x")]
    state = await session.create(
        conductor, topic="lost card", participants=pair, stop=StopConfig(max_turns=2)
    )
    broken_off = tool_call_from("call_1", "lookup", f'{{"card_id": "c1", "note": "{KEY}", ')
    support = ScriptedProvider([_calls(broken_off), "Sorry, let me try that again."])
    customer = ScriptedProvider([varied_text(1), varied_text(2)])
    async with asyncio.timeout(20):
        await session.play_all(
            conductor,
            state.conversation_id,
            {"customer": customer, "support": support},
            tools={"support": PythonTools([lookup])},
        )
    stored = [json.loads(e.data) for e in await log.read(state.conversation_id)]
    [called] = [e for e in stored if e.get("call_id") == "call_1" and "arguments" in e]
    assert called["error"] and "[REDACTED]" in called["error"]
    assert KEY not in json.dumps(stored), "a key in unparsable arguments reached the log"
