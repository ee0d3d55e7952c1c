"""The fake LLM server refuses what the vendors refuse, with their error bodies and request ids.

Raw JSON over real HTTP (the SDKs would not even send most of these).
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from aiconv.testing.fake_llm import FakeLLM
from tests.agents.conftest import KEYED

USER = {"role": "user", "content": "hi"}
TOOL = {"name": "lookup", "input_schema": {"type": "object", "properties": {}}}
CALL = {
    "role": "assistant",
    "content": [{"type": "tool_use", "id": "t1", "name": "lookup", "input": {}}],
}
OPENAI_CALL = {
    "role": "assistant",
    "content": None,
    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
}
USER_PARTS = {"role": "user", "parts": [{"text": "hi"}]}
GEMINI_TOOLS = [
    {"functionDeclarations": [{"name": "f", "parametersJsonSchema": {"type": "object"}}]}
]

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("anthropic", "/v1/messages", {"model": "m", "messages": [USER]}, "max_tokens: Field required"),
    (
        "anthropic",
        "/v1/messages",
        {"model": "m", "max_tokens": 0, "messages": [USER]},
        "max_tokens: Input should be greater than or equal to 1",
    ),
    (
        "anthropic",
        "/v1/messages",
        {"model": "m", "max_tokens": "9", "messages": [USER]},
        "max_tokens: Input should be a valid integer",
    ),
    (
        "openai",
        "/v1/chat/completions",
        {"model": "m", "messages": [USER], "max_tokens": 9, "max_completion_tokens": 9},
        "'max_tokens' and 'max_completion_tokens' cannot both be set",
    ),
    (
        "anthropic",
        "/v1/messages",
        {"model": "m", "max_tokens": 9, "messages": [{"role": "system", "content": "x"}, USER]},
        "Unexpected role 'system'",
    ),
    (
        "anthropic",
        "/v1/messages",
        {"model": "m", "max_tokens": 9, "tools": [TOOL], "messages": [USER, CALL, USER]},
        "without `tool_result` blocks",
    ),
    (
        "anthropic",
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "tools": [TOOL],
            "messages": [
                USER,
                CALL,
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "first"},
                        {"type": "tool_result", "tool_use_id": "t1", "content": "ok"},
                    ],
                },
            ],
        },
        "must come first",
    ),
    (
        "anthropic",
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "messages": [
                USER,
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "nope", "content": "ok"}],
                },
            ],
        },
        "unexpected `tool_use_id`",
    ),
    (
        "anthropic",
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "messages": [USER],
            "tools": [{"name": "bad name!", "input_schema": {"type": "object"}}],
        },
        "must match",
    ),
    (
        "anthropic",
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "messages": [USER],
            "tools": [{"name": "t", "input_schema": {"type": "object", "required": ["x"]}}],
        },
        "required must list names",
    ),
    (
        "openai",
        "/v1/chat/completions",
        {"model": "m", "messages": [USER, OPENAI_CALL, USER]},
        "did not have response messages: c1",
    ),
    (
        "openai",
        "/v1/chat/completions",
        {"model": "m", "messages": [USER, {"role": "tool", "tool_call_id": "x", "content": ""}]},
        "must be a response to a preceeding message with 'tool_calls'",
    ),
    (
        "openai",
        "/v1/chat/completions",
        {"model": "m", "messages": [USER], "tool_choice": "auto"},
        "only allowed when 'tools' are specified",
    ),
    (
        "openai",
        "/v1/chat/completions",
        {"model": "m", "messages": [USER], "stream_options": {"include_usage": True}},
        "only allowed when 'stream' is enabled",
    ),
    (
        "openai",
        "/v1/chat/completions",
        {
            "model": "m",
            "messages": [USER],
            "tools": [
                {"type": "function", "function": {"name": "f", "parameters": {"type": "list"}}}
            ],
        },
        "type 'object'",
    ),
    (
        "gemini",
        "/v1beta/models/gemini-3.8-flash:generateContent",
        {"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]},
        "valid role",
    ),
    # the API's seed is an int32 (its protobuf field): a 64-bit seed is a 400
    (
        "gemini",
        "/v1beta/models/gemini-3.8-flash:generateContent",
        {"contents": [USER_PARTS], "generationConfig": {"seed": 2**31}},
        "Invalid value at 'generation_config.seed' (TYPE_INT32), 2147483648",
    ),
    (
        "gemini",
        "/v1beta/models/gemini-3.8-flash:generateContent",
        {"contents": [USER_PARTS], "generationConfig": {"temperature": 2.5}},
        "temperature",
    ),
    (
        "gemini",
        "/v1beta/models/gemini-3.8-flash:generateContent",
        {
            "tools": GEMINI_TOOLS,
            "contents": [
                {"role": "user", "parts": [{"text": "x"}]},
                {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {}}}]},
                {"role": "user", "parts": [{"text": "y"}]},
            ],
        },
        "number of function response parts",
    ),
    (
        "gemini",
        "/v1beta/models/gemini-3.8-flash:generateContent",
        {
            "tools": GEMINI_TOOLS,
            "contents": [
                {"role": "user", "parts": [{"text": "x"}]},
                {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {}}}]},
                {"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {}}}]},
            ],
        },
        "missing a thought_signature",
    ),
    # a tool schema naming a table as a type or a required property (an MCP server's may): a
    # 500 from a TypeError in the fake, where the vendors answer 400
    (
        "anthropic",
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "messages": [USER],
            "tools": [
                TOOL | {"input_schema": {"type": "object", "properties": {"a": {"type": {}}}}}
            ],
        },
        "unknown JSON schema type",
    ),
    (
        "anthropic",
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "messages": [USER],
            "tools": [TOOL | {"input_schema": {"type": "object", "required": [{}]}}],
        },
        "required must list names of its properties",
    ),
    # Tools, as strict as the vendors (issue 20, re-verified on tools).
    (
        "anthropic",
        "/v1/messages",
        {"model": "m", "max_tokens": 9, "messages": [USER], "tools": [TOOL | {"name": "f\n"}]},
        "must match",
    ),
    (
        "anthropic",
        "/v1/messages",
        {"model": "m", "max_tokens": 9, "messages": [USER], "tools": [TOOL, TOOL]},
        "Tool names must be unique",
    ),
    (
        "anthropic",
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "tools": [TOOL],
            "messages": [
                USER,
                {"role": "assistant", "content": CALL["content"] * 2},
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}] * 2,
                },
            ],
        },
        "`tool_use` ids must be unique",
    ),
    (
        "anthropic",
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "tools": [TOOL],
            "messages": [
                USER,
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "t1", "name": "lookup", "input": "{}"}],
                },
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}],
                },
            ],
        },
        "Input should be a valid dictionary",
    ),
    (
        "anthropic",
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "tools": [TOOL],
            "messages": [
                USER,
                CALL,
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "t1",
                            "content": "",
                            "is_error": True,
                        }
                    ],
                },
            ],
        },
        "content cannot be empty if `is_error` is true",
    ),
    (
        "anthropic",
        "/v1/messages",
        {"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": " \n"}]},
        "text content blocks must contain non-whitespace text",
    ),
    (
        "anthropic",
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "messages": [USER, {"role": "assistant", "content": []}, USER],
        },
        "all messages must have non-empty content",
    ),
    (
        "openai",
        "/v1/chat/completions",
        {
            "model": "m",
            "messages": [
                USER,
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "a.b", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "ok"},
            ],
        },
        "string does not match pattern",
    ),
    (
        "openai",
        "/v1/chat/completions",
        {"model": "m", "messages": [USER], "parallel_tool_calls": False},
        "'parallel_tool_calls' is only allowed when 'tools' are specified",
    ),
]


@pytest.mark.parametrize(("api", "path", "body", "says"), CASES)
async def test_the_fake_rejects_what_the_vendor_rejects(
    fake: FakeLLM, api: str, path: str, body: dict[str, Any], says: str
) -> None:
    async with httpx2.AsyncClient(base_url=fake.base_url) as client:
        response = await client.post(path, json=body, headers=KEYED[api])
    assert response.status_code == 400
    error = response.json()["error"]
    assert says in error["message"]
    if api == "anthropic":
        assert error["type"] == "invalid_request_error"
        assert response.headers["request-id"] == response.json()["request_id"]
    elif api == "openai":
        assert error["type"] == "invalid_request_error"
        assert response.headers["x-request-id"].startswith("req_")
    else:
        assert error["status"] == "INVALID_ARGUMENT"
    assert fake.requests == []  # a rejected request never reaches the model


GOOD = {
    "anthropic": ("/v1/messages", {"model": "m", "max_tokens": 9, "messages": [USER]}),
    "openai": ("/v1/chat/completions", {"model": "m", "messages": [USER]}),
    "gemini": ("/v1beta/models/gemini-3.8-flash:generateContent", {"contents": [USER_PARTS]}),
}
#: A request without a key, or with a blank one, as each vendor answers it.
UNKEYED: list[tuple[str, dict[str, str], int]] = [
    ("anthropic", {}, 401),
    ("anthropic", {"x-api-key": ""}, 401),
    ("anthropic", {"authorization": "Bearer"}, 401),
    ("openai", {}, 401),
    ("openai", {"authorization": "Bearer"}, 401),
    ("openai", {"authorization": "Basic k"}, 401),
    ("gemini", {}, 403),
    ("gemini", {"x-goog-api-key": ""}, 403),
]


@pytest.mark.parametrize(("api", "headers", "status"), UNKEYED)
async def test_the_fake_refuses_a_request_without_a_key_as_the_vendor_does(
    fake: FakeLLM, api: str, headers: dict[str, str], status: int
) -> None:
    """The fake answered requests without any key; every vendor refuses them, before reading
    the body (a broken body without a key is still the auth error)."""
    path, body = GOOD[api]
    async with httpx2.AsyncClient(base_url=fake.base_url) as client:
        response = await client.post(path, json=body, headers=headers)
        broken = await client.post(path, content=b"{", headers=headers)
    assert (response.status_code, broken.status_code) == (status, status)
    assert broken.json()["error"] == response.json()["error"]
    error = response.json()["error"]
    if api == "anthropic":
        assert response.json()["type"] == "error"
        assert error == {"type": "authentication_error", "message": "x-api-key header is required"}
        assert response.headers["request-id"] == response.json()["request_id"]
    elif api == "openai":
        assert error["type"] == "invalid_request_error" and error["code"] is None
        assert error["message"].startswith("You didn't provide an API key.")
        assert response.headers["x-request-id"].startswith("req_")
    else:
        assert (error["code"], error["status"]) == (403, "PERMISSION_DENIED")
        assert "unregistered callers" in error["message"]
    assert fake.requests == []


@pytest.mark.parametrize(
    ("api", "headers", "params"),
    [
        ("anthropic", {"x-api-key": "k"}, {}),
        ("anthropic", {"authorization": "Bearer k"}, {}),  # how the installed SDK sends api_key
        ("openai", {"authorization": "Bearer k"}, {}),
        ("gemini", {"x-goog-api-key": "k"}, {}),
        ("gemini", {}, {"key": "k"}),
    ],
)
async def test_any_key_where_the_vendor_takes_it_is_accepted(
    fake: FakeLLM, api: str, headers: dict[str, str], params: dict[str, str]
) -> None:
    path, body = GOOD[api]
    async with httpx2.AsyncClient(base_url=fake.base_url) as client:
        response = await client.post(path, json=body, headers=headers, params=params)
    assert response.status_code == 200, response.text
