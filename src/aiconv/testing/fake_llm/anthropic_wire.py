"""The Anthropic Messages API as the fake server speaks it: requests validated as strictly as
the API documents (``max_tokens`` required, at least 1; only ``user``/``assistant`` roles; every
``tool_use`` answered by a ``tool_result`` first in the next user message, and no stray
results; ``tool_use`` ids unique and their ``input`` an object; no empty message, blank text
block or empty error result; well-formed tools with unique names; a ``tool_choice`` that
names a tool it was given: forced tool use, how structured output is asked for), replies
whole or as SSE events, and error bodies.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from aiconv.agents.messages import ChatMessage, ChatRequest, ToolCall, ToolResult, ToolSpec
from aiconv.testing.fake_llm.formats import anthropic_choice
from aiconv.testing.fake_llm.wire import (
    Answer,
    Rejected,
    Turn,
    check_tool,
    json_chunks,
    pieces,
    require,
    sse,
    text_of,
)

_STOP_REASONS = {"end": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def parse(body: dict[str, Any]) -> Turn:
    """A validated Messages API request."""
    require(isinstance(body.get("model"), str) and body["model"], "model: Field required")
    tokens = _max_tokens(body)
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise Rejected("messages: at least one message is required")
    messages: list[ChatMessage] = []
    previous: list[str] = []
    names: dict[str, str] = {}
    for index, message in enumerate(raw):
        previous = _check_message(index, message, previous)
        _check_content(index, message, last=index == len(raw) - 1, seen=names)
        messages += _neutral(message, names)
    require(not previous, _unanswered(len(raw) - 1, previous))
    tools = tuple(_tool(i, t) for i, t in enumerate(body.get("tools") or []))
    require(len({t.name for t in tools}) == len(tools), "tools: Tool names must be unique.")
    choice, forced = anthropic_choice(body, tools)
    system = body.get("system") or ""
    chat = ChatRequest(
        model=body["model"],
        system=text_of(system),
        messages=tuple(messages),
        max_tokens=tokens,
        tools=tools,
        tool_choice=choice,
        response_format=forced,
    )
    thinking = (body.get("thinking") or {}).get("type") == "enabled"
    return Turn(
        api="anthropic",
        chat=chat,
        max_tokens=tokens,
        stream=bool(body.get("stream")),
        reasoning=thinking,
        caches='"cache_control"' in json.dumps(body),
    )


def _max_tokens(body: dict[str, Any]) -> int:
    """``max_tokens``: required, a whole number of at least 1 (the API's own words for each)."""
    require("max_tokens" in body, "max_tokens: Field required")
    tokens = body["max_tokens"]
    require(
        isinstance(tokens, int) and not isinstance(tokens, bool),
        "max_tokens: Input should be a valid integer",
    )
    require(tokens >= 1, "max_tokens: Input should be greater than or equal to 1")
    return int(tokens)


def _check_message(index: int, message: Any, open_calls: list[str]) -> list[str]:
    """Check one message against the tool calls the one before left open; its own calls."""
    role = message.get("role") if isinstance(message, dict) else None
    require(
        role in ("user", "assistant"),
        f"messages.{index}.role: Unexpected role {role!r}. The Messages API accepts a top-level "
        '`system` parameter, not "system" as an input message role.',
    )
    content = message.get("content")
    blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
    results = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
    calls = [b.get("id") for b in blocks if b.get("type") == "tool_use"]
    require(role == "user" or not results, f"messages.{index}: tool_result only in user messages")
    require(role == "assistant" or not calls, f"messages.{index}: tool_use only in assistant ones")
    missing = [c for c in open_calls if c not in results]
    require(not missing, _unanswered(index - 1, missing))
    stray = [r for r in results if r not in open_calls]
    require(
        not stray,
        f"messages.{index}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
        f"{', '.join(map(str, stray))}. Each `tool_result` block must have a corresponding "
        "`tool_use` block in the previous message.",
    )
    first_other = next((i for i, b in enumerate(blocks) if b.get("type") != "tool_result"), None)
    require(
        first_other is None or first_other >= len(results),
        f"messages.{index}.content: `tool_result` blocks must come first in the content",
    )
    return [str(c) for c in calls]


def _check_content(
    index: int, message: dict[str, Any], *, last: bool, seen: dict[str, str]
) -> None:
    """The blocks themselves: content (but a final assistant prefill's) not empty, text blocks
    not blank, ``tool_use`` ids unique in the request and their ``input`` an object, an error
    ``tool_result`` not empty. ``seen`` holds the ids of the messages before."""
    content = message.get("content")
    blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
    require(
        bool(blocks) or (last and message["role"] == "assistant"),
        f"messages.{index}: all messages must have non-empty content except for the optional "
        "final assistant message",
    )
    for n, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "text":
            text = block.get("text")
            require(
                isinstance(text, str) and text != "",
                "messages: text content blocks must be non-empty",
            )
            require(
                text.strip() != "", "messages: text content blocks must contain non-whitespace text"
            )
        elif kind == "tool_use":
            require(
                block.get("id") not in seen,
                f"messages.{index}.content.{n}: `tool_use` ids must be unique",
            )
            seen[str(block.get("id"))] = str(block.get("name"))
            require(
                isinstance(block.get("input"), dict),
                f"messages.{index}.content.{n}.tool_use.input: Input should be a valid dictionary",
            )
        elif kind == "tool_result":
            require(
                not block.get("is_error") or bool(text_of(block.get("content", ""))),
                f"messages.{index}.content.{n}.tool_result: content cannot be empty if "
                "`is_error` is true",
            )


def _unanswered(index: int, ids: list[str]) -> str:
    return (
        f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately "
        f"after: {', '.join(ids)}. Each `tool_use` block must have a corresponding "
        "`tool_result` block in the next message."
    )


def _neutral(message: dict[str, Any], names: dict[str, str]) -> list[ChatMessage]:
    """The message in our terms; ``names`` maps the call ids seen so far to their tools."""
    content = message["content"]
    blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
    text = text_of([b for b in blocks if b.get("type") == "text"])
    if message["role"] == "assistant":
        calls = tuple(
            ToolCall(id=b["id"], name=b["name"], arguments=b.get("input") or {})
            for b in blocks
            if b.get("type") == "tool_use"
        )
        names.update((c.id, c.name) for c in calls)
        return [ChatMessage(role="assistant", content=text, tool_calls=calls)]
    results = tuple(
        ToolResult(
            call_id=b["tool_use_id"],
            name=names.get(b["tool_use_id"], ""),
            content=text_of(b.get("content", "")),
            is_error=bool(b.get("is_error")),
        )
        for b in blocks
        if b.get("type") == "tool_result"
    )
    out = [ChatMessage(role="tool", content="", tool_results=results)] if results else []
    return out + ([ChatMessage(role="user", content=text)] if text or not results else [])


def _tool(index: int, tool: Any) -> ToolSpec:
    require(isinstance(tool, dict), f"tools.{index}: must be an object")
    check_tool(tool.get("name"), tool.get("input_schema"), f"tools.{index}")
    return ToolSpec(
        name=tool["name"],
        description=str(tool.get("description", "")),
        parameters=tool["input_schema"],
    )


def reply(turn: Turn, answer: Answer) -> dict[str, Any]:
    """A whole Messages API response."""
    content: list[dict[str, Any]] = [{"type": "text", "text": answer.text}] if answer.text else []
    content += [
        {"type": "tool_use", "id": c.id, "name": c.name, "input": answer.arguments_value(c)}
        for c in answer.tool_calls
    ]
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": turn.model,
        "content": content,
        "stop_reason": _STOP_REASONS[answer.stop],
        "stop_sequence": None,
        "usage": _usage(answer) | {"output_tokens": answer.output_tokens},
    }


def events(turn: Turn, answer: Answer) -> Iterator[str]:
    """The SSE events of a streamed Messages API response."""
    start = reply(turn, answer) | {"content": [], "stop_reason": None}
    start["usage"] = _usage(answer) | {"output_tokens": 1}
    yield sse({"type": "message_start", "message": start}, event="message_start")
    index = 0
    if answer.text:
        yield from _block(index, {"type": "text", "text": ""}, "text_delta", pieces(answer.text))
        index += 1
    yield sse({"type": "ping"}, event="ping")
    for call in answer.tool_calls:
        opened = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
        yield from _block(
            index, opened, "input_json_delta", json_chunks(answer.arguments_text(call))
        )
        index += 1
    end = {
        "type": "message_delta",
        "delta": {"stop_reason": _STOP_REASONS[answer.stop], "stop_sequence": None},
        "usage": {"output_tokens": answer.output_tokens},
    }
    yield sse(end, event="message_delta")
    yield sse({"type": "message_stop"}, event="message_stop")


def _block(index: int, opened: dict[str, Any], kind: str, parts: list[str]) -> Iterator[str]:
    yield sse(
        {"type": "content_block_start", "index": index, "content_block": opened},
        event="content_block_start",
    )
    field = "text" if kind == "text_delta" else "partial_json"
    for part in parts:
        delta = {
            "type": "content_block_delta",
            "index": index,
            "delta": {"type": kind, field: part},
        }
        yield sse(delta, event="content_block_delta")
    yield sse({"type": "content_block_stop", "index": index}, event="content_block_stop")


def _usage(answer: Answer) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": answer.input_tokens - answer.cached_tokens - answer.written_tokens,
        "cache_creation_input_tokens": answer.written_tokens,
        "cache_read_input_tokens": answer.cached_tokens,
    }
    if answer.reasoning_tokens:
        usage["output_tokens_details"] = {"thinking_tokens": answer.reasoning_tokens}
    return usage


def error(status: int, message: str, request_id: str) -> dict[str, Any]:
    """An Anthropic error body."""
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": request_id}


__all__ = ["Rejected", "error", "events", "parse", "reply"]
