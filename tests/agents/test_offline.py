"""Offline agents built inside coroutines (workers, joins) do no blocking I/O up front."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiconv.agents.catalog import default_registry
from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.errors import ProviderRejected, ScenarioError, UnknownAgent


def request(*assistant_turns: str) -> ChatRequest:
    history = [ChatMessage(role="user", content="hi")]
    for text in assistant_turns:
        history += [
            ChatMessage(role="assistant", content=text),
            ChatMessage(role="user", content="?"),
        ]
    return ChatRequest(model="script", system="", messages=tuple(history))


async def test_script_is_read_on_first_use_and_replayed_in_order(tmp_path: Path) -> None:
    script = tmp_path / "replies.jsonl"
    script.write_text('{"content": "one"}\n{"content": "two"}\n')
    registry = default_registry()
    provider = registry.build(registry.resolve(f"script:{script}"))
    assert (await provider.complete(request())).content == "one"
    assert (await provider.complete(request("one"))).content == "two"
    assert (await provider.complete(request("one", "two"))).stop == "script_end"


async def test_a_missing_script_fails_the_call_not_the_process(tmp_path: Path) -> None:
    registry = default_registry()
    spec = registry.resolve(f"script:{tmp_path / 'gone.jsonl'}")
    provider = registry.build(spec)  # building reads nothing
    with pytest.raises(ProviderRejected, match="does not exist"):
        await provider.complete(request())
    with pytest.raises(ScenarioError, match="does not exist"):
        registry.preflight(spec)  # what the CLI runs before any work starts


@pytest.mark.parametrize("latency", ["5-1", "nan", "inf", "0-inf", "nan-1"])
def test_a_mock_latency_that_is_not_a_finite_ordered_range_is_refused(latency: str) -> None:
    registry = default_registry()
    spec = registry.resolve(f"mock:latency={latency}")
    with pytest.raises(UnknownAgent, match="latency"):
        registry.build(spec)
