"""Structured replies through each vendor's native mechanism, real SDKs against the fake server:
valid, Markdown-wrapped, invalid then repaired, invalid twice; streamed; the JSON-instruction
fallback of compatible servers; offline agents that cannot answer in JSON.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from pydantic import BaseModel, Field

from aiconv.agents.catalog import default_registry
from aiconv.agents.messages import ChatMessage, ChatRequest, ToolSpec
from aiconv.agents.provider import ChatProvider
from aiconv.agents.providers.anthropic import params as anthropic_params
from aiconv.agents.providers.openai import OpenAIProvider
from aiconv.agents.providers.openai_schema import response_format as openai_response_format
from aiconv.agents.structured import ask_structured, parse_structured, response_format_for
from aiconv.testing.fake_llm import FakeLLM, Fault
from tests.agents.conftest import FAKE_KEY

KEYS = {f"{vendor}_API_KEY": FAKE_KEY for vendor in ("OPENAI", "XAI", "PERPLEXITY", "OPENROUTER")}
MODELS = {"anthropic": "claude-sonnet-5-5", "openai": "gpt-6.2-sol", "gemini": "gemini-3.8-flash"}


class ToolConfig(BaseModel):
    name: str
    settings: list[str] = []


class AgentBasics(BaseModel):
    """What the agent-designer flow collects first (a nested model, an optional field, bounds)."""

    agent_type: str
    goals: list[str]
    tone: str | None = None
    confidence: float = Field(ge=0, le=1)
    tool: ToolConfig = Field(description="the first tool to configure")


VALID = json.dumps(
    {
        "agent_type": "support",
        "goals": ["refunds"],
        "tone": "warm",
        "confidence": 0.9,
        "tool": {"name": "crm", "settings": []},
    }
)
BROKEN = '{"agent_type": "support", "goals": ["refunds"'


def api_of(provider: ChatProvider) -> str:
    return provider.name


def ask(provider: ChatProvider, **changes: object) -> ChatRequest:
    request = ChatRequest(
        model=MODELS[provider.name],
        system="You extract an agent's basics from what the user says.",
        messages=(ChatMessage(role="user", content="A warm support bot for refunds, with a CRM."),),
        max_tokens=400,
    )
    return replace(request, **changes)  # type: ignore[arg-type]


def assert_native(api: str, body: dict[str, object]) -> None:
    """The request asked through the vendor's own mechanism."""
    schema = AgentBasics.model_json_schema()
    if api == "anthropic":
        assert body["tool_choice"] == {"type": "tool", "name": "AgentBasics"}
        tools = body["tools"]
        assert isinstance(tools, list) and tools[-1]["input_schema"] == schema
    elif api == "openai":
        fmt = body["response_format"]
        assert isinstance(fmt, dict) and fmt["type"] == "json_schema"
        assert fmt["json_schema"]["name"] == "AgentBasics"
        assert fmt["json_schema"]["strict"] is True
        assert fmt["json_schema"]["schema"]["required"] == list(schema["properties"])
    else:
        config = body["generationConfig"]
        assert isinstance(config, dict) and config["responseMimeType"] == "application/json"
        assert config["responseJsonSchema"]["required"] == schema["required"]
        assert "responseSchema" not in config


async def test_each_vendor_answers_a_valid_object_natively(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    result = await ask_structured(adapter, ask(adapter), AgentBasics)
    assert result.ok and not result.repaired and result.error is None, result.error
    assert result.value is not None and result.value.tool.name == "example"
    reply = result.replies[0]
    assert reply.tool_calls == () and reply.finish_reason in ("end_turn", "stop")
    assert reply.usage.output_tokens > 0
    assert_native(api_of(adapter), fake.requests[-1].body)


async def test_json_wrapped_in_markdown_is_read(adapter: ChatProvider, fake: FakeLLM) -> None:
    fake.faults.push(Fault(text=f"Here it is:\n```json\n{VALID}\n```"))
    result = await ask_structured(adapter, ask(adapter), AgentBasics)
    assert result.ok and not result.repaired and len(result.replies) == 1
    assert result.value is not None and result.value.tone == "warm"


async def test_invalid_json_is_repaired_once(adapter: ChatProvider, fake: FakeLLM) -> None:
    fake.faults.push(Fault(text=BROKEN))
    result = await ask_structured(adapter, ask(adapter), AgentBasics)
    assert result.ok and result.repaired and len(result.replies) == 2
    assert len(fake.requests) == 2
    history = fake.requests[1].turn.chat.messages
    assert history[-2].role == "assistant" and history[-2].content == BROKEN
    assert history[-1].role == "user" and "not valid JSON" in history[-1].content
    assert_native(api_of(adapter), fake.requests[1].body)


async def test_invalid_twice_is_a_recorded_failure(adapter: ChatProvider, fake: FakeLLM) -> None:
    fake.faults.push(Fault(text=BROKEN), Fault(text='{"agent_type": "support"}'))
    result = await ask_structured(adapter, ask(adapter), AgentBasics)
    assert not result.ok and result.value is None and not result.repaired
    assert result.error is not None and "goals: Field required" in result.error
    assert len(result.replies) == 2 and all(r.usage.input_tokens > 0 for r in result.replies)


@pytest.mark.parametrize("text", [None, f"```json\n{VALID}\n```"])
async def test_a_streamed_structured_reply_is_text_not_a_tool_call(
    adapter: ChatProvider, fake: FakeLLM, text: str | None
) -> None:
    if text is not None:
        fake.faults.push(Fault(text=text))
    request = ask(adapter, response_format=response_format_for(AgentBasics))
    pieces: list[str] = []
    reply = await adapter.complete(request, on_delta=pieces.append)
    assert reply.tool_calls == () and "".join(pieces) == reply.content
    assert parse_structured(reply.content, AgentBasics).agent_type
    assert fake.requests[-1].turn.stream


async def test_conversation_tools_stay_tools_beside_the_forced_one(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    lookup = ToolSpec(name="lookup_order", description="Find an order")
    result = await ask_structured(adapter, ask(adapter, tools=(lookup,)), AgentBasics)
    assert result.ok and result.replies[0].tool_calls == ()
    assert fake.requests[-1].turn.chat.tools[0].name == "lookup_order"


@pytest.fixture
async def instructed(fake: FakeLLM) -> AsyncIterator[ChatProvider]:
    registry = default_registry()
    provider = registry.build(registry.resolve("compat:local-model", base_url=fake.openai_base_url))
    yield provider
    await provider.aclose()


async def test_a_compatible_server_gets_the_schema_as_an_instruction(
    instructed: ChatProvider, fake: FakeLLM
) -> None:
    fake.faults.push(Fault(text=f"```json\n{VALID}\n```"))
    request = ChatRequest(
        model="local-model", system="Extract.", messages=(ChatMessage(role="user", content="x"),)
    )
    result = await ask_structured(instructed, request, AgentBasics)
    assert result.ok and result.value is not None and result.value.agent_type == "support"
    body = fake.requests[-1].body
    assert "response_format" not in body
    system = body["messages"][0]["content"]
    assert system.startswith("Extract.\n\nReply with only one JSON object")
    assert '"agent_type"' in system and "AgentBasics" in system


async def test_a_compatible_server_that_ignores_the_instruction_fails_gracefully(
    instructed: ChatProvider, fake: FakeLLM
) -> None:
    request = ChatRequest(
        model="local-model", system="", messages=(ChatMessage(role="user", content="x"),)
    )
    result = await ask_structured(instructed, request, AgentBasics)
    assert not result.ok and result.error is not None and len(fake.requests) == 2


@pytest.mark.parametrize(
    ("agent", "mode"),
    [
        ("gpt", "json_schema"),
        ("grok", "json_schema"),
        ("ollama", "instruction"),
        ("perplexity", "instruction"),
        ("openrouter", "instruction"),
    ],
)
async def test_vendors_declare_how_they_are_asked_for_structure(agent: str, mode: str) -> None:
    registry = default_registry()
    provider = registry.build(registry.resolve(agent), env=KEYS)
    assert isinstance(provider, OpenAIProvider) and provider.structured == mode
    await provider.aclose()


@pytest.mark.parametrize("agent", ["echo", "mock", "mock:seed=3"])
async def test_an_offline_agent_without_json_is_a_failure_not_an_exception(agent: str) -> None:
    registry = default_registry()
    provider = registry.build(registry.resolve(agent))
    request = ChatRequest(
        model=provider.model,
        system="",
        messages=(ChatMessage(role="user", content="Describe the agent you want."),),
        context={"topic": "agent design", "speaker": "designer", "turn": 1},
    )
    result = await ask_structured(provider, request, AgentBasics)
    assert not result.ok and result.value is None and result.error
    assert "\n" not in result.error and len(result.replies) == 2


def test_claude_forced_tool_replaces_a_conversation_tool_of_its_name() -> None:
    request = ChatRequest(
        model="m",
        system="",
        messages=(ChatMessage(role="user", content="x"),),
        tools=(ToolSpec(name="AgentBasics"), ToolSpec(name="lookup")),
        response_format=response_format_for(AgentBasics),
    )
    tools = anthropic_params(request, "m")["tools"]
    assert [t["name"] for t in tools] == ["lookup", "AgentBasics"]
    assert tools[-1]["input_schema"] == AgentBasics.model_json_schema()


class OpenMap(BaseModel):
    counts: dict[str, int]


def test_a_schema_strict_mode_cannot_express_goes_non_strict_unchanged() -> None:
    body = openai_response_format(response_format_for(OpenMap))["json_schema"]
    assert body["strict"] is False and body["schema"] == OpenMap.model_json_schema()
    strict = openai_response_format(response_format_for(AgentBasics))["json_schema"]
    assert strict["strict"] is True
    tool = strict["schema"]["properties"]["tool"]
    assert "$ref" not in tool and tool["description"] == "the first tool to configure"
    assert tool["additionalProperties"] is False and tool["required"] == ["name", "settings"]
