"""Per-stage routing across vendors, real SDKs against the fake server: a stage extracts through
OpenAI's native structured output and talks through Claude, and the flow's message carries the
talking model and both calls' usage."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aiconv.agents.catalog import default_registry
from aiconv.agents.guarded import GuardedProvider, Guards
from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.flows.participant import FlowProvider
from aiconv.platform.events import FieldsExtracted
from aiconv.platform.flow_fold import events_of, flow_progress
from aiconv.testing.fake_llm import FakeLLM, Fault
from tests.flows.conftest import EXAMPLE

KEY = "sk-test-not-a-real-key-1234567890"
READ = {
    "agent_type": {"value": "sales", "confidence": 0.92},
    "tone": {"value": "formal", "confidence": 0.4},
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeLLM]:
    async with FakeLLM(end_after=3) as server:
        yield server


@pytest.fixture(params=[False, True], ids=["bare", "guarded"])
async def routed(
    fake: FakeLLM, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[ChatProvider]:
    path = tmp_path / "routed.toml"
    text = EXAMPLE.read_text().replace(
        'extractor = "extractor"', 'extractor = "openai:gpt-4o-mini"', 1
    )
    path.write_text(
        text.replace(
            'name = "COLLECTING_BASICS"', 'name = "COLLECTING_BASICS"\nagent = "claude"', 1
        )
    )
    env = {
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": fake.openai_base_url,
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": fake.base_url,
    }
    registry = default_registry()
    spec = registry.resolve(f"flow:{path}")
    registry.preflight(spec)
    provider = registry.build(spec, env, wrap=Guards().wrap if request.param else None)
    yield provider
    await provider.aclose()


async def test_a_stage_extracts_with_one_vendor_and_talks_with_another(
    routed: ChatProvider, fake: FakeLLM
) -> None:
    fake.faults.push(Fault(text=json.dumps(READ)), Fault(text="Lovely. Is formal the right tone?"))
    request = ChatRequest(
        model="",
        system="",
        messages=(ChatMessage(role="user", content="A sales bot, formal-ish."),),
        context={"speaker": "designer", "turn": 2},
    )
    reply = await routed.complete(request)
    assert reply.content == "Lovely. Is formal the right tone?"
    extract, talk = fake.requests
    fmt = extract.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "extracted_fields"
    assert "tone" in fmt["json_schema"]["schema"]["properties"]
    assert "messages" in talk.body and "Just to be sure, is this right: the tone is formal?" in str(
        talk.body["system"]
    )
    assert reply.model.startswith("claude")
    assert reply.usage.input_tokens > 0 and reply.usage.output_tokens > 0
    progress = flow_progress(events_of(reply.records, "designer"), "designer")
    assert progress.values == {"agent_type": "sales"}
    assert progress.rejected[0].note == "confidence 0.40 below 0.60"


def basics(text: str = "A sales bot, formal-ish.") -> ChatRequest:
    return ChatRequest(
        model="",
        system="",
        messages=(ChatMessage(role="user", content=text),),
        context={"speaker": "designer", "turn": 2},
    )


async def test_a_failing_stage_agent_is_retried_by_its_guard(
    routed: ChatProvider, fake: FakeLLM
) -> None:
    fake.faults.push(Fault(status=503), Fault(text=json.dumps(READ)), Fault(text="Formal?"))
    assert isinstance(routed, FlowProvider)
    guarded = isinstance(routed.agents["openai:gpt-4o-mini"], GuardedProvider)
    reply = await routed.complete(basics())
    read = events_of(reply.records, "designer")[1]  # after entering the first stage
    assert isinstance(read, FieldsExtracted)
    if guarded:  # retried: the extraction went through
        assert read.error is None and len(fake.requests) == 3
    else:  # a failure is a recorded value, and the flow asks again
        assert read.error is not None and read.error.startswith("provider_error: openai: HTTP 503")


@pytest.mark.parametrize("extractor", ["claude", "gemini", "openai:gpt-4o-mini"])
async def test_every_vendor_accepts_the_extraction_schema(
    fake: FakeLLM, tmp_path: Path, extractor: str
) -> None:
    path = tmp_path / "flow.toml"
    path.write_text(
        EXAMPLE.read_text().replace('extractor = "extractor"', f'extractor = "{extractor}"', 1)
    )
    env = {
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": fake.openai_base_url,
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": fake.base_url,
        "GEMINI_API_KEY": KEY,
        "GEMINI_BASE_URL": fake.base_url,
    }
    registry = default_registry()
    provider = registry.build(registry.resolve(f"flow:{path}"), env)
    fake.faults.push(Fault(text=json.dumps(READ)))
    try:
        reply = await provider.complete(basics())
    finally:
        await provider.aclose()
    read = events_of(reply.records, "designer")[1]
    assert isinstance(read, FieldsExtracted) and read.error is None, read
    assert [e.name for e in read.extractions] == ["agent_type", "tone"]
