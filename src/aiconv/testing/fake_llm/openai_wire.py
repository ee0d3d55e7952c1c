"""OpenAI Chat Completions as the fake server speaks it: requests validated as strictly as the
API documents (every ``tool_call_id`` of an assistant message answered by the ``tool``
messages right after it, no ``tool`` message without a call, at most one of ``max_tokens``
and ``max_completion_tokens``, called names as the API allows,
well-formed ``tools``, ``tool_choice``, ``parallel_tool_calls`` and ``stream_options`` only
where allowed, a ``response_format`` as documented,
strict mode's schema rules included), replies whole or as SSE chunks
(tool call arguments in pieces, several calls by ``index``), and error bodies.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from aiconv.agents.messages import ChatMessage, ChatRequest, ToolResult, ToolSpec, tool_call_from
from aiconv.testing.fake_llm.formats import openai_format
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

_FINISH = {"end": "stop", "length": "length", "tool_calls": "tool_calls"}
_SYSTEM = frozenset({"system", "developer"})
#: The name of a function an assistant message called (``\Z``: JSON Schema's ``$``).
_CALLED = re.compile(r"^[a-zA-Z0-9_-]+\Z")


def parse(body: dict[str, Any]) -> Turn:
    """A validated Chat Completions request."""
    require(isinstance(body.get("model"), str) and body["model"], "you must provide a model")
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise Rejected("'messages' must be a non-empty array")
    tools = tuple(_tool(i, t) for i, t in enumerate(body.get("tools") or []))
    choice = body.get("tool_choice")
    require(
        choice is None or bool(tools),
        "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
        "specified.",
    )
    require(
        "parallel_tool_calls" not in body or bool(tools),
        "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when "
        "'tools' are specified.",
    )
    require(
        "stream_options" not in body or bool(body.get("stream")),
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
    )
    require(
        body.get("max_tokens") is None or body.get("max_completion_tokens") is None,
        "Invalid request: 'max_tokens' and 'max_completion_tokens' cannot both be set; use "
        "'max_completion_tokens' ('max_tokens' is deprecated).",
    )
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    prompt = "\n".join(text_of(m.get("content")) for m in raw if isinstance(m, dict))
    chat = ChatRequest(
        model=body["model"],
        system="\n".join(text_of(m.get("content")) for m in raw if m.get("role") in _SYSTEM),
        messages=_history(raw),
        max_tokens=limit or 4096,
        tools=tools,
        tool_choice=_choice(choice),
        response_format=openai_format(body, prompt),
    )
    return Turn(api="openai", chat=chat, max_tokens=limit, stream=bool(body.get("stream")))


def _history(raw: list[Any]) -> tuple[ChatMessage, ...]:
    messages: list[ChatMessage] = []
    open_calls: dict[str, str] = {}
    for index, message in enumerate(raw):
        role = message.get("role") if isinstance(message, dict) else None
        require(role in {*_SYSTEM, "user", "assistant", "tool"}, f"messages[{index}].role: {role}")
        if role == "tool":
            messages.append(_result(index, message, open_calls))
            continue
        require(not open_calls, _unanswered(open_calls))
        if role == "assistant":
            assistant = _assistant(index, message)
            open_calls = {c.id: c.name for c in assistant.tool_calls}
            messages.append(assistant)
        elif role == "user":
            messages.append(ChatMessage(role="user", content=text_of(message.get("content"))))
    require(not open_calls, _unanswered(open_calls))
    return tuple(_grouped(messages))


def _assistant(index: int, message: dict[str, Any]) -> ChatMessage:
    calls = []
    for n, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") or {}
        require(
            call.get("type") == "function" and isinstance(call.get("id"), str),
            f"messages[{index}].tool_calls[{n}]: needs an id and type 'function'",
        )
        name = function.get("name")
        require(
            isinstance(name, str) and _CALLED.match(name) is not None,
            f"Invalid 'messages[{index}].tool_calls[{n}].function.name': string does not match "
            f"pattern. Expected a string that matches the pattern '{_CALLED.pattern}'.",
        )
        require(
            isinstance(function.get("arguments"), str),
            f"messages[{index}].tool_calls[{n}].function.arguments must be a string",
        )
        calls.append(tool_call_from(call["id"], function.get("name", ""), function["arguments"]))
    text = text_of(message.get("content"))
    return ChatMessage(role="assistant", content=text, tool_calls=tuple(calls))


def _result(index: int, message: dict[str, Any], open_calls: dict[str, str]) -> ChatMessage:
    call_id = str(message.get("tool_call_id"))
    require(
        call_id in open_calls,
        f"Invalid parameter: messages[{index}] with role 'tool' must be a response to a "
        "preceeding message with 'tool_calls'.",
    )
    name = open_calls.pop(call_id)
    result = ToolResult(call_id=call_id, name=name, content=text_of(message.get("content")))
    return ChatMessage(role="tool", content="", tool_results=(result,))


def _grouped(messages: list[ChatMessage]) -> list[ChatMessage]:
    """Consecutive ``tool`` messages as one, as in our model (one per round)."""
    out: list[ChatMessage] = []
    for message in messages:
        if out and message.role == "tool" and out[-1].role == "tool":
            results = out[-1].tool_results + message.tool_results
            out[-1] = ChatMessage(role="tool", content="", tool_results=results)
        else:
            out.append(message)
    return out


def _unanswered(open_calls: dict[str, str]) -> str:
    return (
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        + ", ".join(open_calls)
    )


def _tool(index: int, tool: Any) -> ToolSpec:
    require(isinstance(tool, dict) and tool.get("type") == "function", f"tools[{index}].type")
    function = tool.get("function") or {}
    schema = function.get("parameters", {"type": "object", "properties": {}})
    check_tool(function.get("name"), schema, f"tools[{index}].function")
    return ToolSpec(
        name=function["name"], description=str(function.get("description", "")), parameters=schema
    )


def _choice(choice: Any) -> Any:
    if choice is None or isinstance(choice, dict):
        return "required" if isinstance(choice, dict) else "auto"
    require(choice in ("auto", "none", "required"), f"Invalid value for 'tool_choice': {choice}")
    return choice


def reply(turn: Turn, answer: Answer) -> dict[str, Any]:
    """A whole Chat Completions response."""
    message: dict[str, Any] = {"role": "assistant", "content": answer.text or None}
    if answer.tool_calls:
        message["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": answer.arguments_text(c)},
            }
            for c in answer.tool_calls
        ]
    choice = {"index": 0, "message": message, "finish_reason": _FINISH[answer.stop]}
    return _head(turn, "chat.completion") | {"choices": [choice], "usage": _usage(answer)}


def chunks(turn: Turn, answer: Answer, *, include_usage: bool) -> Iterator[str]:
    """The SSE chunks of a streamed response, ending with ``[DONE]``."""
    head = _head(turn, "chat.completion.chunk")

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return sse(head | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    yield chunk({"role": "assistant", "content": ""})
    for piece in pieces(answer.text) if answer.text else []:
        yield chunk({"content": piece})
    for index, call in enumerate(answer.tool_calls):
        function = {"name": call.name, "arguments": ""}
        yield chunk(
            {
                "tool_calls": [
                    {"index": index, "id": call.id, "type": "function"} | {"function": function}
                ]
            }
        )
        for part in json_chunks(answer.arguments_text(call)):
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": part}}]})
    yield chunk({}, _FINISH[answer.stop])
    if include_usage:
        yield sse(head | {"choices": [], "usage": _usage(answer)})
    yield "data: [DONE]\n\n"


def _head(turn: Turn, kind: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": kind,
        "created": int(time.time()),
        "model": turn.model,
    }


def _usage(answer: Answer) -> dict[str, Any]:
    return {
        "prompt_tokens": answer.input_tokens,
        "completion_tokens": answer.output_tokens,
        "total_tokens": answer.input_tokens + answer.output_tokens,
        "prompt_tokens_details": {"cached_tokens": answer.cached_tokens},
        "completion_tokens_details": {"reasoning_tokens": answer.reasoning_tokens},
    }


def error(status: int, message: str, request_id: str) -> dict[str, Any]:
    """An OpenAI error body (the request id travels in the ``x-request-id`` header)."""
    kind = "requests" if status == 429 else "server_error" if status >= 500 else None
    kind = kind or "invalid_request_error"
    code = {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status)
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}
