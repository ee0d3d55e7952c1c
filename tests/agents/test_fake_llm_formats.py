"""The fake server's structured output: it refuses malformed requests for it as the vendors
document (their error bodies, raw JSON over real HTTP), samples valid objects from schemas, and
answers scripted text.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from pydantic import BaseModel, Field

from aiconv.testing.fake_llm import FakeLLM, Fault, fault_json
from aiconv.testing.fake_llm.answers import sample_json
from tests.agents.conftest import ANY_API_KEY

USER = {"role": "user", "content": "hi"}
OBJECT = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
TOOL = {"name": "Basics", "input_schema": OBJECT}
ANTHROPIC = {"model": "m", "max_tokens": 99, "messages": [USER], "tools": [TOOL]}
OPENAI = {"model": "m", "messages": [USER]}
GEMINI = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
STRICT = {**OBJECT, "additionalProperties": False}


def anthropic(**extra: Any) -> tuple[str, str, dict[str, Any]]:
    return "anthropic", "/v1/messages", ANTHROPIC | extra


def openai(response_format: Any, **extra: Any) -> tuple[str, str, dict[str, Any]]:
    body = OPENAI | {"response_format": response_format} | extra
    return "openai", "/v1/chat/completions", body


def json_schema(schema: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "Basics", "schema": schema} | extra}


def gemini(**config: Any) -> tuple[str, str, dict[str, Any]]:
    path = "/v1beta/models/gemini-3.8-flash:generateContent"
    return "gemini", path, GEMINI | {"generationConfig": config}


CASES = [
    (*anthropic(tool_choice={"type": "tool", "name": "other"}), "'other' is not in tools"),
    (*anthropic(tool_choice={"type": "tool"}), "tool_choice.tool.name: Field required"),
    (*anthropic(tool_choice={"type": "function"}), "does not match any of the expected tags"),
    (*anthropic(tool_choice={"type": "none", "name": "Basics"}), "Extra inputs are not permitted"),
    (
        *anthropic(
            tool_choice={"type": "tool", "name": "Basics"},
            thinking={"type": "enabled", "budget_tokens": 2048},
        ),
        "Thinking may not be enabled",
    ),
    (*openai({"type": "json"}), "Supported values are: 'text', 'json_object'"),
    (*openai({"type": "json_schema"}), "Missing required parameter: 'response_format.json_schema'"),
    (*openai({"type": "json_schema", "json_schema": {"schema": OBJECT}}), "json_schema.name'"),
    (*openai(json_schema(OBJECT) | {"schema": OBJECT}), "Unknown parameter"),
    (*openai(json_schema(OBJECT, name="my schema")), "does not match pattern"),
    (*openai(json_schema(OBJECT, strict="yes")), "json_schema.strict"),
    (*openai(json_schema(OBJECT, strict=True)), "'additionalProperties' is required"),
    (
        *openai(json_schema({**STRICT, "properties": {"a": {}, "b": {}}}, strict=True)),
        "every key in properties. Missing 'b'",
    ),
    (
        *openai(
            json_schema(
                {**STRICT, "properties": {"a": {"type": "object", "properties": {}}}},
                strict=True,
            )
        ),
        "In context=('properties', 'a')",
    ),
    (*openai(json_schema({"type": "array"}, strict=True)), "'type: \"object\"'"),
    (*openai(json_schema({**OBJECT, "required": ["b"]})), "required must list names"),
    (*openai({"type": "json_object"}), "must contain the word 'json'"),
    (*gemini(responseJsonSchema=OBJECT), "must be application/json"),
    (
        *gemini(responseMimeType="application/json", responseJsonSchema=OBJECT, responseSchema={}),
        "cannot both be set",
    ),
    (*gemini(responseMimeType="application/jsonl"), "unsupported mime type"),
    (
        *gemini(
            responseMimeType="application/json",
            responseJsonSchema={**OBJECT, "properties": {"a": {"type": "integer", "default": 3}}},
        ),
        "Unknown name 'default'",
    ),
    (
        *gemini(responseMimeType="application/json", responseSchema={**OBJECT, "$defs": {}}),
        "Unknown name '$defs'",
    ),
    (
        *gemini(
            responseMimeType="application/json",
            responseJsonSchema={
                "type": "object",
                "properties": {"a": {"$ref": "#/$defs/A", "description": "an A"}},
                "$defs": {"A": {"type": "string"}},
            },
        ),
        "a $ref may have no sibling keywords",
    ),
]


@pytest.mark.parametrize(("api", "path", "body", "says"), CASES)
async def test_the_fake_rejects_malformed_structured_requests_as_the_vendor_does(
    fake: FakeLLM, api: str, path: str, body: dict[str, Any], says: str
) -> None:
    async with httpx2.AsyncClient(base_url=fake.base_url, headers=ANY_API_KEY) as client:
        response = await client.post(path, json=body, params={"key": "k"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert says in error["message"]
    if api == "gemini":
        assert error["status"] == "INVALID_ARGUMENT"
    else:
        assert error["type"] == "invalid_request_error"
    assert fake.requests == []


async def test_a_json_object_request_mentioning_json_is_answered_with_an_object(
    fake: FakeLLM,
) -> None:
    body = OPENAI | {
        "messages": [{"role": "user", "content": "Answer in JSON."}],
        "response_format": {"type": "json_object"},
    }
    async with httpx2.AsyncClient(base_url=fake.base_url, headers=ANY_API_KEY) as client:
        response = await client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "{}"


async def test_scripted_text_replaces_the_chatter_also_across_processes(fake: FakeLLM) -> None:
    async with httpx2.AsyncClient(base_url=fake.base_url, headers=ANY_API_KEY) as client:
        queued = await client.post("/_fake/faults", json=fault_json(Fault(text="scripted!")))
        assert queued.json() == {"queued": 1}
        response = await client.post("/v1/chat/completions", json=OPENAI)
    assert response.json()["choices"][0]["message"]["content"] == "scripted!"


class Nested(BaseModel):
    label: str
    tags: list[str] = Field(min_length=2)


class Sampled(BaseModel):
    kind: str = Field(pattern="^(a|b)$", json_schema_extra={"enum": ["a", "b"]})
    count: int = Field(gt=0, le=10)
    score: float = Field(ge=0, le=1)
    nested: Nested = Field(description="a nested object")
    maybe: Nested | None = None
    flag: bool


def test_a_sampled_object_validates_against_its_model() -> None:
    value = Sampled.model_validate_json(sample_json(Sampled.model_json_schema()))
    assert value.kind == "a" and 0 < value.count <= 10 and value.maybe is not None
