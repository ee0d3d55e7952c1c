"""A reply that says nothing (blank text) does not break the next speaker's vendor call.

Anthropic refuses a text block of whitespace ("text content blocks must contain non-whitespace
text") and a request without messages; so did our history when one agent answered blank and
the Claude (or Gemini) agent spoke next: the conversation ended ``provider_error``.
"""

from __future__ import annotations

import pytest

from aiconv.agents.messages import ChatMessage, ChatRequest, ToolCall, ToolResult
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.specs import ParticipantSpec, StopConfig
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.fake_llm import FakeLLM, Fault

from .conftest import build


@pytest.mark.parametrize("listener", ["anthropic", "gemini", "openai"])
@pytest.mark.parametrize("blank", ["   ", "\n"])
async def test_a_blank_reply_does_not_break_the_next_speakers_call(
    listener: str, blank: str, fake: FakeLLM
) -> None:
    speaker, hearer = build("openai", fake), build(listener, fake)
    fake.faults.push(Fault(text=blank, api="openai"))
    conductor = Conductor(InMemoryLog())
    pair = [
        ParticipantSpec(name="first", agent="openai", model=speaker.model),
        ParticipantSpec(name="second", agent=listener, model=hearer.model),
    ]
    state = await session.create(
        conductor, topic="Is a hot dog a sandwich?", participants=pair, stop=StopConfig(max_turns=2)
    )
    try:
        final = await session.play_all(
            conductor, state.conversation_id, {"first": speaker, "second": hearer}
        )
    finally:
        await speaker.aclose()
        await hearer.aclose()
    assert final.ended is not None
    assert final.ended.reason == "max_turns", final.ended.detail
    assert final.messages[0].content == blank  # recorded as said


async def test_blank_text_beside_tool_calls_is_not_sent_to_claude(fake: FakeLLM) -> None:
    claude = build("anthropic", fake)
    call = ToolCall(id="toolu_1", name="lookup", arguments={"account_id": "acc-1"})
    request = ChatRequest(
        model=claude.model,
        system="You are support.",
        messages=(
            ChatMessage(role="user", content="My balance?"),
            ChatMessage(role="assistant", content=" \n", tool_calls=(call,)),
            ChatMessage(
                role="tool",
                content="",
                tool_results=(ToolResult(call_id="toolu_1", name="lookup", content="12"),),
            ),
        ),
        max_tokens=200,
    )
    try:
        reply = await claude.complete(request)
    finally:
        await claude.aclose()
    assert reply.content


async def test_a_tool_error_without_a_message_reaches_claude(fake: FakeLLM) -> None:
    # raise ToolError("") in a tools file: Anthropic refuses an error tool_result without
    # content ("content cannot be empty if `is_error` is true"), which ended the conversation.
    claude = build("anthropic", fake)
    call = ToolCall(id="toolu_1", name="lookup", arguments={"account_id": "acc-1"})
    failed = ToolResult(call_id="toolu_1", name="lookup", content="", is_error=True)
    request = ChatRequest(
        model=claude.model,
        system="You are support.",
        messages=(
            ChatMessage(role="user", content="My balance?"),
            ChatMessage(role="assistant", content="", tool_calls=(call,)),
            ChatMessage(role="tool", content="", tool_results=(failed,)),
        ),
        max_tokens=200,
    )
    try:
        reply = await claude.complete(request)
    finally:
        await claude.aclose()
    assert reply.content
    result = fake.requests[-1].body["messages"][-1]["content"][0]
    assert result["is_error"] and "lookup failed" in result["content"]
