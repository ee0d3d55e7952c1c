"""Fixtures: the fake LLM server and each real adapter pointed at it over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.agents.providers.anthropic import AnthropicProvider
from aiconv.agents.providers.gemini import GeminiProvider
from aiconv.agents.providers.openai import OpenAIProvider
from aiconv.testing.fake_llm import FakeLLM

FAKE_KEY = "sk-test-not-a-real-key-1234567890"
#: The key where each vendor takes it, for raw requests to the fake (which refuses none).
KEYED = {
    "anthropic": {"x-api-key": FAKE_KEY},
    "openai": {"authorization": f"Bearer {FAKE_KEY}"},
    "gemini": {"x-goog-api-key": FAKE_KEY},
}
#: The key in every vendor's place: a raw client for any of the fake's APIs.
ANY_API_KEY = {name: value for headers in KEYED.values() for name, value in headers.items()}

MakeProvider = Callable[[str], ChatProvider]


@pytest.fixture
async def fake() -> AsyncIterator[FakeLLM]:
    async with FakeLLM(end_after=3) as server:
        yield server


def build(api: str, server: FakeLLM, *, timeout: float = 30.0) -> ChatProvider:
    """The adapter for ``api`` pointed at ``server``."""
    if api == "anthropic":
        return AnthropicProvider(api_key=FAKE_KEY, base_url=server.base_url, timeout=timeout)
    if api == "openai":
        return OpenAIProvider(api_key=FAKE_KEY, base_url=server.openai_base_url, timeout=timeout)
    return GeminiProvider(api_key=FAKE_KEY, base_url=server.base_url, timeout=timeout)


@pytest.fixture(params=["anthropic", "openai", "gemini"])
async def adapter(request: pytest.FixtureRequest, fake: FakeLLM) -> AsyncIterator[ChatProvider]:
    provider = build(request.param, fake)
    yield provider
    await provider.aclose()


def chat_request(model: str, *, turns: int = 1, max_tokens: int = 321) -> ChatRequest:
    """A request with a system prompt and ``turns`` user/assistant exchanges before the ask."""
    messages = [ChatMessage(role="user", content="Is a hot dog a sandwich?")]
    for n in range(turns - 1):
        messages.append(ChatMessage(role="assistant", content=f"My view number {n}."))
        messages.append(ChatMessage(role="user", content=f"Your reply number {n}."))
    return ChatRequest(
        model=model,
        system="You are Ada.\nTopic: hot dogs\nWhen done, write <END> alone on its own line.",
        messages=tuple(messages),
        max_tokens=max_tokens,
    )
