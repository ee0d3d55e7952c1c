"""Tool round trips per vendor through the real SDKs against the fake server, streaming and
not, several calls in one reply; the fake server as strict about tool messages as the vendors.
"""

from __future__ import annotations

import pytest

from aiconv.agents.messages import (
    ChatMessage,
    ChatReply,
    ChatRequest,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from aiconv.agents.provider import ChatProvider
from aiconv.errors import MalformedResponse, ProviderRejected
from aiconv.testing.fake_llm import FakeLLM, Fault

MODELS = {"anthropic": "claude-sonnet-5-5", "openai": "gpt-6.2-sol", "gemini": "gemini-3.8-flash"}

TOOLS = (
    ToolSpec(
        name="lookup_account",
        description="Look up a customer account by its account id",
        parameters={
            "type": "object",
            "properties": {"account_id": {"type": "string", "description": "e.g. ACC-1"}},
            "required": ["account_id"],
        },
    ),
    ToolSpec(
        name="block_card",
        description="Block a lost or stolen card",
        parameters={
            "type": "object",
            "properties": {
                "card_number": {"type": "string"},
                "reason": {"type": "string", "enum": ["stolen", "lost", "damaged"]},
            },
            "required": ["card_number", "reason"],
        },
    ),
    ToolSpec(
        name="handoff_to_human",
        description="Transfer the caller to a human agent",
        parameters={"type": "object", "properties": {}},
    ),
)
ASK = "I lost my card 4929-1234 and my account is ACC-778; please block the card."


def ask(model: str, *history: ChatMessage, tools: tuple[ToolSpec, ...] = TOOLS) -> ChatRequest:
    messages = (ChatMessage(role="user", content=ASK), *history)
    return ChatRequest(
        model=model, system="You are support.", messages=messages, max_tokens=400, tools=tools
    )


async def complete(provider: ChatProvider, request: ChatRequest, stream: bool) -> ChatReply:
    chunks: list[str] = []
    reply = await provider.complete(request, on_delta=chunks.append if stream else None)
    if stream and reply.content:
        assert "".join(chunks) == reply.content
    return reply


def results_for(calls: tuple[ToolCall, ...]) -> ChatMessage:
    results = tuple(
        ToolResult(call_id=c.id, name=c.name, content=f'{{"ok": true, "tool": "{c.name}"}}')
        for c in calls
    )
    return ChatMessage(role="tool", content="", tool_results=results)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
async def test_a_tool_round_trip_with_parallel_calls(
    adapter: ChatProvider, fake: FakeLLM, stream: bool
) -> None:
    model = MODELS[adapter.name]
    first = await complete(adapter, ask(model), stream)
    assert [c.name for c in first.tool_calls] == ["block_card", "lookup_account"]
    assert first.tool_calls[0].arguments == {"card_number": "4929-1234", "reason": "lost"}
    assert first.tool_calls[1].arguments == {"account_id": "ACC-778"}
    assert all(c.id and c.error is None for c in first.tool_calls)
    assert len({c.id for c in first.tool_calls}) == 2
    assert first.usage.output_tokens > 0

    called = ChatMessage(role="assistant", content=first.content, tool_calls=first.tool_calls)
    second = await complete(adapter, ask(model, called, results_for(first.tool_calls)), stream)
    assert second.tool_calls == ()
    assert "I checked with block_card" in second.content
    assert "I checked with lookup_account" in second.content
    assert fake.requests[-1].turn.chat.messages[-1].tool_results[0].call_id == (
        first.tool_calls[0].id
    )


async def test_the_vendor_bodies_carry_tools_calls_and_results(fake: FakeLLM) -> None:
    from tests.agents.conftest import build

    for api in ("anthropic", "openai", "gemini"):
        provider = build(api, fake)
        first = await provider.complete(ask(MODELS[api]))
        called = ChatMessage(role="assistant", content="", tool_calls=first.tool_calls)
        await provider.complete(ask(MODELS[api], called, results_for(first.tool_calls)))
        await provider.aclose()
    anthropic, openai, gemini = (r.body for r in fake.requests[1::2])
    assert anthropic["tools"][0]["input_schema"]["required"] == ["account_id"]
    assert anthropic["tool_choice"] == {"type": "auto"}
    assert [b["type"] for b in anthropic["messages"][1]["content"]] == ["tool_use", "tool_use"]
    assert [b["type"] for b in anthropic["messages"][2]["content"]] == ["tool_result"] * 2
    assert openai["tools"][1]["function"]["name"] == "block_card"
    assert [m["role"] for m in openai["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
    ]
    assert openai["messages"][2]["tool_calls"][0]["type"] == "function"
    declarations = gemini["tools"][0]["functionDeclarations"]
    assert declarations[2]["name"] == "handoff_to_human"
    assert "thoughtSignature" in gemini["contents"][1]["parts"][0]
    assert [list(p) for p in gemini["contents"][2]["parts"]] == [["functionResponse"]] * 2


async def test_an_unanswered_tool_call_is_rejected_as_the_vendor_would(
    adapter: ChatProvider,
) -> None:
    model = MODELS[adapter.name]
    first = await adapter.complete(ask(model))
    called = ChatMessage(role="assistant", content="", tool_calls=first.tool_calls)
    only_one = ChatMessage(
        role="tool",
        content="",
        tool_results=(ToolResult(call_id=first.tool_calls[0].id, name="block_card", content="ok"),),
    )
    with pytest.raises(ProviderRejected, match="HTTP 400") as caught:
        await adapter.complete(ask(model, called, only_one))
    assert caught.value.request_id is None or caught.value.request_id.startswith("req_")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("raw", ["[1, 2]", '{"card_number": "49'])
async def test_arguments_that_are_not_a_json_object_become_a_call_with_an_error(
    fake: FakeLLM, stream: bool, raw: str
) -> None:
    from tests.agents.conftest import build

    for api in ("anthropic", "openai"):
        provider = build(api, fake)
        fake.faults.push(Fault(arguments=raw, api=api))
        reply = await complete(provider, ask(MODELS[api]), stream)
        await provider.aclose()
        assert [c.name for c in reply.tool_calls] == ["block_card", "lookup_account"]
        assert all(c.error and c.arguments == {} for c in reply.tool_calls), reply.tool_calls


async def test_no_tools_offered_means_a_plain_text_reply(adapter: ChatProvider) -> None:
    reply = await adapter.complete(ask(MODELS[adapter.name], tools=()))
    assert reply.tool_calls == ()
    assert reply.content


async def test_gemini_arguments_that_are_not_an_object_are_a_retryable_malformed_response(
    fake: FakeLLM,
) -> None:
    """The google-genai SDK validates ``args`` as an object itself: the reply is unreadable."""
    from tests.agents.conftest import build

    provider = build("gemini", fake)
    fake.faults.push(Fault(arguments="[1, 2]", api="gemini"))
    with pytest.raises(MalformedResponse) as caught:
        await provider.complete(ask(MODELS["gemini"]))
    await provider.aclose()
    assert caught.value.retryable
