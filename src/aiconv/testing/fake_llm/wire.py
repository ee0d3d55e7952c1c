"""The three wire formats the fake server speaks, as the vendors' SDKs parse them.

Each API has a parser (request body -> ``Turn``: system prompt, history, model, limits) and
renderers for a whole reply, its streamed events, and an error body. Nothing here does I/O.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

Api = Literal["anthropic", "openai", "gemini"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """What a request asks for, vendor-neutral: roles are ``user``/``assistant``."""

    api: Api
    model: str
    system: str
    messages: tuple[tuple[str, str], ...]
    max_tokens: int | None
    stream: bool


def count_tokens(text: str) -> int:
    """A deterministic stand-in for a tokenizer (about four characters a token)."""
    return max(1, (len(text) + 3) // 4)


def pieces(text: str) -> list[str]:
    """Text split the way a model streams it: word by word, whitespace kept."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


def parse_anthropic(body: dict[str, Any]) -> Turn:
    """A Messages API request."""
    system = body.get("system") or ""
    if isinstance(system, list):
        system = "".join(block.get("text", "") for block in system)
    return Turn(
        api="anthropic",
        model=str(body.get("model", "")),
        system=system,
        messages=tuple((m["role"], _text(m.get("content"))) for m in body.get("messages", [])),
        max_tokens=body.get("max_tokens"),
        stream=bool(body.get("stream")),
    )


def parse_openai(body: dict[str, Any]) -> Turn:
    """A Chat Completions request (system messages collected into ``system``)."""
    messages = body.get("messages", [])
    system = "\n".join(
        _text(m.get("content")) for m in messages if m["role"] in {"system", "developer"}
    )
    history = tuple(
        (m["role"], _text(m.get("content"))) for m in messages if m["role"] in {"user", "assistant"}
    )
    return Turn(
        api="openai",
        model=str(body.get("model", "")),
        system=system,
        messages=history,
        max_tokens=body.get("max_completion_tokens") or body.get("max_tokens"),
        stream=bool(body.get("stream")),
    )


def parse_gemini(body: dict[str, Any], model: str, *, stream: bool) -> Turn:
    """A generateContent request (roles ``user``/``model``)."""
    instruction = body.get("systemInstruction") or body.get("system_instruction") or {}
    system = "".join(p.get("text", "") for p in instruction.get("parts", []))
    history = tuple(
        ("assistant" if c.get("role") == "model" else "user", _parts(c.get("parts", [])))
        for c in body.get("contents", [])
    )
    config = body.get("generationConfig") or body.get("generation_config") or {}
    return Turn(
        api="gemini",
        model=model,
        system=system,
        messages=history,
        max_tokens=config.get("maxOutputTokens"),
        stream=stream,
    )


def anthropic_reply(turn: Turn, text: str) -> dict[str, Any]:
    """A whole Messages API response."""
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": turn.model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": _input_tokens(turn), "output_tokens": count_tokens(text)},
    }


def anthropic_events(turn: Turn, text: str) -> Iterator[str]:
    """The SSE events of a streamed Messages API response."""
    start = anthropic_reply(turn, "") | {"stop_reason": None}
    start["content"] = []
    start["usage"] = {"input_tokens": _input_tokens(turn), "output_tokens": 1}
    yield _sse({"type": "message_start", "message": start}, event="message_start")
    block = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text", "text": ""},
    }
    yield _sse(block, event="content_block_start")
    yield _sse({"type": "ping"}, event="ping")
    for piece in pieces(text):
        delta = {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": piece},
        }
        yield _sse(delta, event="content_block_delta")
    yield _sse({"type": "content_block_stop", "index": 0}, event="content_block_stop")
    end = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": count_tokens(text)},
    }
    yield _sse(end, event="message_delta")
    yield _sse({"type": "message_stop"}, event="message_stop")


def anthropic_error(status: int, message: str) -> dict[str, Any]:
    """An Anthropic error body."""
    kinds = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}
    kind = kinds.get(status, "overloaded_error" if status == 529 else "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


def openai_reply(turn: Turn, text: str) -> dict[str, Any]:
    """A whole Chat Completions response."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": turn.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": _openai_usage(turn, text),
    }


def openai_chunks(turn: Turn, text: str, *, include_usage: bool) -> Iterator[str]:
    """The SSE chunks of a streamed Chat Completions response, ending with ``[DONE]``."""
    head = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": turn.model,
    }
    first = {"role": "assistant", "content": ""}
    yield _sse(head | {"choices": [{"index": 0, "delta": first, "finish_reason": None}]})
    for piece in pieces(text):
        choice = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
        yield _sse(head | {"choices": [choice]})
    yield _sse(head | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if include_usage:
        yield _sse(head | {"choices": [], "usage": _openai_usage(turn, text)})
    yield "data: [DONE]\n\n"


def openai_error(status: int, message: str) -> dict[str, Any]:
    """An OpenAI error body."""
    kind = "rate_limit_exceeded" if status == 429 else "invalid_request_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def gemini_reply(turn: Turn, text: str, *, final: bool = True) -> dict[str, Any]:
    """A generateContent response (also one streamed chunk when ``final`` is false)."""
    candidate: dict[str, Any] = {
        "content": {"role": "model", "parts": [{"text": text}]},
        "index": 0,
    }
    body: dict[str, Any] = {"candidates": [candidate], "modelVersion": turn.model}
    if final:
        candidate["finishReason"] = "STOP"
        prompt, output = _input_tokens(turn), count_tokens(text)
        body["usageMetadata"] = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": output,
            "totalTokenCount": prompt + output,
        }
    return body


def gemini_chunks(turn: Turn, text: str) -> Iterator[str]:
    """The SSE chunks of ``streamGenerateContent?alt=sse``; the last carries usage."""
    parts = pieces(text)
    for piece in parts[:-1]:
        yield _sse(gemini_reply(turn, piece, final=False), crlf=True)
    last = gemini_reply(turn, parts[-1])
    last["usageMetadata"]["candidatesTokenCount"] = count_tokens(text)
    yield _sse(last, crlf=True)


def gemini_error(status: int, message: str) -> dict[str, Any]:
    """A Google API error body."""
    names = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 429: "RESOURCE_EXHAUSTED"}
    name = names.get(status, "UNAVAILABLE" if status == 503 else "INTERNAL")
    return {"error": {"code": status, "message": message, "status": name}}


def _sse(data: dict[str, Any], *, event: str | None = None, crlf: bool = False) -> str:
    end = "\r\n\r\n" if crlf else "\n\n"
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}{end}"


def _openai_usage(turn: Turn, text: str) -> dict[str, int]:
    prompt, output = _input_tokens(turn), count_tokens(text)
    return {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output}


def _input_tokens(turn: Turn) -> int:
    return count_tokens(turn.system) + sum(count_tokens(text) for _, text in turn.messages)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


def _parts(parts: list[dict[str, Any]]) -> str:
    return "".join(p.get("text", "") for p in parts if isinstance(p, dict))
