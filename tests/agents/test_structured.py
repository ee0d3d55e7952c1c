"""Structured replies: parsing, validation and the one repair attempt (pure, shipped providers)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pydantic import BaseModel, Field

from aiconv.agents.messages import ChatMessage, ChatReply, ChatRequest, ResponseFormat
from aiconv.agents.structured import (
    StructuredOutputError,
    ask_structured,
    parse_structured,
    response_format_for,
)
from aiconv.errors import RateLimited
from aiconv.testing.providers import ScriptedProvider


class Basics(BaseModel):
    agent_type: str
    goals: list[str]
    confidence: float = Field(ge=0, le=1)


VALID = '{"agent_type": "support", "goals": ["refunds"], "confidence": 0.8}'
EXPECTED = Basics(agent_type="support", goals=["refunds"], confidence=0.8)


def ask() -> ChatRequest:
    return ChatRequest(
        model="m", system="Extract.", messages=(ChatMessage(role="user", content="A bot."),)
    )


@pytest.mark.parametrize(
    "text",
    [
        VALID,
        f"  {VALID}\n",
        f"```json\n{VALID}\n```",
        f"```\n{VALID}```",
        f"Here you go:\n```JSON\n{VALID}\n```\nAnything else?",
        f"Sure! {VALID} Hope that helps.",
        f"Using the {{agent_type}} template: {VALID}",
    ],
)
def test_parse_structured_finds_the_object_bare_fenced_or_in_prose(text: str) -> None:
    assert parse_structured(text, Basics) == EXPECTED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the reply is empty"),
        ("I cannot help with that.", "no JSON object in the reply"),
        ('{"agent_type": "support", "goals": [', "not valid JSON"),
        ("```json\n{'agent_type': 'x'}\n```", "not valid JSON"),
        ('{"agent_type": "support", "goals": "refunds", "confidence": 2}', "2 errors"),
        ('{"goals": []}', "agent_type: Field required"),
    ],
)
def test_parse_structured_raises_a_one_line_error(text: str, message: str) -> None:
    with pytest.raises(StructuredOutputError, match=message) as caught:
        parse_structured(text, Basics)
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) <= 300


def test_parse_structured_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="JSON"):
        parse_structured("{nope", Basics)


def test_response_format_names_the_model_safely() -> None:
    class Odd(BaseModel):
        x: int

    Odd.__name__ = "Odd[int] model"
    fmt = response_format_for(Odd)
    assert fmt.name == "Odd_int_model"
    assert fmt.schema["required"] == ["x"]
    assert response_format_for(Basics).name == "Basics"


async def test_a_valid_reply_needs_one_call_and_carries_the_format() -> None:
    provider = ScriptedProvider([VALID])
    result = await ask_structured(provider, ask(), Basics)
    assert result.ok and result.value == EXPECTED and not result.repaired
    assert len(result.replies) == 1 and result.error is None
    assert provider.requests[0].response_format == response_format_for(Basics)


async def test_a_request_format_set_by_the_caller_is_kept() -> None:
    own = ResponseFormat(name="hand_written", schema={"type": "object"})
    provider = ScriptedProvider([VALID])
    await ask_structured(provider, replace(ask(), response_format=own), Basics)
    assert provider.requests[0].response_format == own


async def test_an_invalid_reply_is_repaired_once_quoting_the_error() -> None:
    provider = ScriptedProvider(['{"agent_type": "support"}', f"```json\n{VALID}\n```"])
    result = await ask_structured(provider, ask(), Basics)
    assert result.ok and result.repaired and result.value == EXPECTED
    assert len(result.replies) == 2
    repair = provider.requests[1]
    assert [m.role for m in repair.messages] == ["user", "assistant", "user"]
    assert repair.messages[1].content == '{"agent_type": "support"}'
    assert "goals: Field required" in repair.messages[2].content
    assert "only the corrected JSON object" in repair.messages[2].content
    assert repair.response_format == response_format_for(Basics)


async def test_invalid_twice_is_a_recorded_failure_not_an_exception() -> None:
    provider = ScriptedProvider(["not json", '{"agent_type": 1'])
    result = await ask_structured(provider, ask(), Basics)
    assert not result.ok and result.value is None and not result.repaired
    assert result.error is not None and "not valid JSON" in result.error
    assert len(result.replies) == 2 and len(provider.requests) == 2


async def test_a_truncated_reply_says_so() -> None:
    cut = ChatReply(content='{"agent_type": "sup', model="m", finish_reason="max_tokens")
    result = await ask_structured(ScriptedProvider([cut, cut]), ask(), Basics)
    assert result.error is not None and "cut at the output limit" in result.error


async def test_a_provider_that_stops_is_a_failure_without_repair() -> None:
    stopped = ChatReply(content="", model="m", stop="script_end")
    provider = ScriptedProvider([stopped])
    result = await ask_structured(provider, ask(), Basics)
    assert not result.ok and result.error == "the provider stopped instead: script_end"
    assert len(provider.requests) == 1


async def test_provider_errors_still_raise() -> None:
    provider = ScriptedProvider([RateLimited("slow down", provider="scripted")])
    with pytest.raises(RateLimited):
        await ask_structured(provider, ask(), Basics)
