"""A 200 reply the vendor's documentation does not allow (a gateway's error object or HTML page,
missing fields, fields of the wrong type, a tool call without a name) is a retryable
``MalformedResponse`` from the adapter, through the real SDKs over real HTTP: never an empty
reply taken as the model's, never an exception raised past the adapter's mapping (pricing a
reply without a model was an ``AttributeError`` traceback). A prompt Gemini blocked is refused
without a retry: the same prompt is blocked again."""

from __future__ import annotations

import json

import pytest

from aiconv.errors import MalformedResponse, ProviderError, ProviderRejected
from aiconv.testing.fake_llm import FakeLLM, Fault
from tests.agents.conftest import build, chat_request

MODELS = {"anthropic": "claude-sonnet-5-5", "openai": "gpt-6.2-sol", "gemini": "gemini-3.8-flash"}

_TEXT = {"type": "text", "text": "hi"}
_MESSAGE = {"id": "m", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5"}
_ANTHROPIC = {**_MESSAGE, "content": [_TEXT], "stop_reason": "end_turn"}
_USAGE = {"input_tokens": 3, "output_tokens": 1}
_CHOICE = {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
_OPENAI = {"id": "c", "object": "chat.completion", "model": "gpt-6.2-sol", "choices": [_CHOICE]}
_CANDIDATE = {"content": {"role": "model", "parts": [{"text": "hi"}]}, "finishReason": "STOP"}

BODIES = {
    "anthropic": {
        "a count as text": {**_ANTHROPIC, "usage": {"input_tokens": "3", "output_tokens": 1}},
        "a tool call without a name": {
            **_ANTHROPIC,
            "content": [{"type": "tool_use", "id": "t1", "input": {}}],
            "usage": _USAGE,
        },
    },
    "openai": {
        "an error object": {"error": {"message": "upstream failed", "type": "server_error"}},
        "no choices": {**_OPENAI, "choices": []},
        "a choice without a message": {**_OPENAI, "choices": [{**_CHOICE, "message": None}]},
        "content that is no text": {
            **_OPENAI,
            "choices": [{**_CHOICE, "message": {"role": "assistant", "content": 5}}],
        },
        "a count as text": {**_OPENAI, "usage": {"prompt_tokens": "a", "completion_tokens": 1}},
    },
    "gemini": {
        "an empty object": {},
        "an error object": {"error": {"code": 500, "message": "internal", "status": "INTERNAL"}},
        "a candidate without a finish reason": {"candidates": [{"content": _CANDIDATE["content"]}]},
    },
}
CASES = [(api, name) for api, bodies in BODIES.items() for name in bodies]


@pytest.mark.parametrize(("api", "name"), CASES, ids=[f"{a}-{n}" for a, n in CASES])
async def test_a_reply_missing_or_mistyping_fields_is_a_retryable_malformed_response(
    fake: FakeLLM, api: str, name: str
) -> None:
    provider = build(api, fake)
    fake.faults.push(Fault(body=json.dumps(BODIES[api][name])))
    try:
        with pytest.raises(MalformedResponse) as caught:
            await provider.complete(chat_request(MODELS[api]))
    finally:
        await provider.aclose()
    assert caught.value.retryable and caught.value.provider == api


@pytest.mark.parametrize("api", ["anthropic", "openai", "gemini"])
@pytest.mark.parametrize("stream", [False, True])
async def test_an_html_page_with_status_200_is_a_retryable_malformed_response(
    fake: FakeLLM, api: str, stream: bool
) -> None:
    provider = build(api, fake)
    page = "<html><body><h1>Bad gateway</h1></body></html>"
    fake.faults.push(Fault(body=page, content_type="text/html"))
    try:
        with pytest.raises(MalformedResponse) as caught:
            await provider.complete(
                chat_request(MODELS[api]), on_delta=(lambda _: None) if stream else None
            )
    finally:
        await provider.aclose()
    assert caught.value.retryable


@pytest.mark.parametrize("stream", [False, True])
async def test_a_prompt_gemini_blocked_is_rejected_without_a_retry(
    fake: FakeLLM, stream: bool
) -> None:
    blocked = json.dumps({"promptFeedback": {"blockReason": "SAFETY"}})
    provider = build("gemini", fake)
    fake.faults.push(Fault(body=f"data: {blocked}\r\n\r\n" if stream else blocked))
    try:
        with pytest.raises(ProviderError) as caught:
            await provider.complete(
                chat_request(MODELS["gemini"]), on_delta=(lambda _: None) if stream else None
            )
    finally:
        await provider.aclose()
    assert isinstance(caught.value, ProviderRejected) and not caught.value.retryable
    assert "blocked (SAFETY)" in str(caught.value)


@pytest.mark.parametrize("api", ["anthropic", "openai"])
async def test_a_reply_naming_no_model_is_read_as_the_model_asked_for(
    fake: FakeLLM, api: str
) -> None:
    """A compatible server may leave ``model`` out or null: the reply is priced as the model
    asked for (pricing ``None`` was an ``AttributeError`` raised past the adapter)."""
    provider = build(api, fake)
    body = {**_ANTHROPIC, "usage": _USAGE} if api == "anthropic" else _OPENAI
    fake.faults.push(Fault(body=json.dumps({**body, "model": None})))
    try:
        reply = await provider.complete(chat_request(MODELS[api]))
    finally:
        await provider.aclose()
    assert (reply.content, reply.model) == ("hi", MODELS[api])


def _events(*events: dict[str, object], named: bool) -> str:
    """A server-sent event stream of ``events`` (Anthropic names each event by its type)."""
    said = [
        f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" if named else f"data: {json.dumps(e)}\n\n"
        for e in events
    ]
    return "".join(said) + ("" if named else "data: [DONE]\n\n")


STREAMS = {
    "anthropic": _events(
        {
            "type": "message_start",
            "message": {
                **_MESSAGE,
                "model": None,
                "content": [],
                "stop_reason": None,
                "usage": _USAGE,
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 1},
        },
        {"type": "message_stop"},
        named=True,
    ),
    "openai": _events(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "model": None,
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": "hi"},
                    "finish_reason": "stop",
                }
            ],
        },
        named=False,
    ),
}


@pytest.mark.parametrize("api", ["anthropic", "openai"])
async def test_a_streamed_reply_naming_no_model_is_read_as_the_model_asked_for(
    fake: FakeLLM, api: str
) -> None:
    """Streamed, too: Anthropic's reader started from no model at all, so a ``message_start``
    without one gave a reply of model '' (priced as unknown) where the same reply unstreamed
    is the model asked for."""
    provider = build(api, fake)
    fake.faults.push(Fault(body=STREAMS[api], content_type="text/event-stream"))
    try:
        reply = await provider.complete(chat_request(MODELS[api]), on_delta=lambda _: None)
    finally:
        await provider.aclose()
    assert (reply.content, reply.model) == ("hi", MODELS[api])
