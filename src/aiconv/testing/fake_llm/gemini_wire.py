"""Gemini ``generateContent`` as the fake server speaks it: requests validated as the API does
(roles ``user``/``model`` only; an int32 ``seed`` and a ``temperature`` in [0, 2]; a
function-call turn answered by a turn with as many
``functionResponse`` parts, and none without one; for Gemini 3 models, the ``thoughtSignature``
of the first function call of each step of the current turn sent back; well-formed function
declarations; JSON output with one schema, ``responseSchema`` or ``responseJsonSchema``, of the
keywords each supports), replies whole or as ``alt=sse`` chunks (function calls arrive whole),
and error bodies.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from aiconv.agents.messages import (
    ChatMessage,
    ChatRequest,
    ToolCall,
    ToolResult,
    ToolSpec,
    to_json,
)
from aiconv.testing.fake_llm.formats import gemini_format, lower
from aiconv.testing.fake_llm.wire import (
    Answer,
    Rejected,
    Turn,
    check_tool,
    pieces,
    require,
    sse,
)

_MODES = {"AUTO": "auto", "ANY": "required", "VALIDATED": "auto", "NONE": "none"}
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def parse(body: dict[str, Any], model: str, *, stream: bool) -> Turn:
    """A validated generateContent request."""
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise Rejected("contents is not specified")
    instruction = _field(body, "systemInstruction") or {}
    config = _field(body, "generationConfig") or {}
    tools = tuple(_declarations(body.get("tools") or []))
    calling = _field(_field(body, "toolConfig") or {}, "functionCallingConfig") or {}
    mode = calling.get("mode", "AUTO")
    require(mode in _MODES, f"Invalid value at 'tool_config.function_calling_config.mode': {mode}")
    _check_sampling(config)
    limit = _field(config, "maxOutputTokens")
    chat = ChatRequest(
        model=model,
        system="".join(p.get("text", "") for p in instruction.get("parts", [])),
        messages=_history(contents, signed=model.startswith("gemini-3")),
        max_tokens=limit or 8192,
        tools=tools,
        tool_choice=_MODES[mode],  # type: ignore[arg-type]
        response_format=gemini_format(config),
    )
    return Turn(api="gemini", chat=chat, max_tokens=limit, stream=stream)


def _check_sampling(config: dict[str, Any]) -> None:
    """The seed is a protobuf int32 and the temperature in [0, 2], as the API has them."""
    seed = config.get("seed")
    require(
        seed is None or (isinstance(seed, int) and -(2**31) <= seed < 2**31),
        f"Invalid value at 'generation_config.seed' (TYPE_INT32), {seed}",
    )
    temperature = config.get("temperature")
    require(
        temperature is None or 0 <= temperature <= 2,
        f"generation_config.temperature: {temperature} is not in the range [0.0, 2.0]",
    )


def _history(contents: list[Any], *, signed: bool) -> tuple[ChatMessage, ...]:
    messages: list[ChatMessage] = []
    open_calls: list[ToolCall] = []
    if signed:
        _check_signatures(contents)
    for index, content in enumerate(contents):
        role = content.get("role", "user") if isinstance(content, dict) else None
        if role not in ("user", "model"):
            raise Rejected("Please use a valid role: user, model.")
        parts = [p for p in content.get("parts", []) if isinstance(p, dict)]
        responses = [_field(p, "functionResponse") for p in parts if _field(p, "functionResponse")]
        require(
            not responses or bool(open_calls),
            "Please ensure that function response turn comes immediately after a function "
            "call turn.",
        )
        require(
            not open_calls or len(responses) == len(open_calls),
            "Please ensure that the number of function response parts is equal to the number "
            f"of function call parts of the function call turn (contents[{index}]).",
        )
        message = _message(role, parts, responses, open_calls)
        open_calls = list(message[-1].tool_calls) if role == "model" else []
        messages += message
    return tuple(messages)


def _check_signatures(contents: list[Any]) -> None:
    """The current turn (since the last user text) must carry back each step's signature."""
    texts = [
        i
        for i, c in enumerate(contents)
        if isinstance(c, dict)
        and c.get("role", "user") == "user"
        and any("text" in p for p in c.get("parts", []) if isinstance(p, dict))
    ]
    for index in range(texts[-1] + 1 if texts else 0, len(contents)):
        content = contents[index]
        calls = [p for p in content.get("parts", []) if _field(p, "functionCall")]
        if content.get("role") == "model" and calls and not _field(calls[0], "thoughtSignature"):
            name = _field(calls[0], "functionCall").get("name")
            raise Rejected(
                "Function call is missing a thought_signature in functionCall parts. This is "
                "required for tools to work correctly. Additional data, function call "
                f"`default_api:{name}`, position {index + 1}."
            )


def _message(
    role: str, parts: list[dict[str, Any]], responses: list[Any], calls: list[ToolCall]
) -> list[ChatMessage]:
    text = "".join(str(p.get("text", "")) for p in parts if not p.get("thought"))
    if role == "model":
        found = [_field(p, "functionCall") for p in parts if _field(p, "functionCall")]
        made = tuple(
            ToolCall(
                id=str(c.get("id") or c["name"]), name=c["name"], arguments=c.get("args") or {}
            )
            for c in found
        )
        return [ChatMessage(role="assistant", content=text, tool_calls=made)]
    results = tuple(
        ToolResult(
            call_id=str(r.get("id") or call.id),
            name=str(r.get("name", "")),
            content=to_json(r.get("response", {})),
            is_error="error" in (r.get("response") or {}),
        )
        for r, call in zip(responses, calls, strict=False)
    )
    out = [ChatMessage(role="tool", content="", tool_results=results)] if results else []
    return out + ([ChatMessage(role="user", content=text)] if text or not results else [])


def _declarations(tools: list[Any]) -> Iterator[ToolSpec]:
    for t, tool in enumerate(tools):
        for d, declaration in enumerate(_field(tool, "functionDeclarations") or []):
            where = f"tools[{t}].function_declarations[{d}]"
            json_schema = _field(declaration, "parametersJsonSchema")
            openapi = declaration.get("parameters")
            require(
                json_schema is None or openapi is None,
                f"{where}: parameters and parameters_json_schema are mutually exclusive",
            )
            schema = json_schema or lower(openapi or {"type": "OBJECT", "properties": {}})
            check_tool(declaration.get("name"), schema, where)
            yield ToolSpec(
                name=declaration["name"],
                description=str(declaration.get("description", "")),
                parameters=schema,
            )


def _field(body: dict[str, Any], camel: str) -> Any:
    """A field by its JSON name or its proto name (the API accepts both, the SDK sends some
    fields one way and some the other)."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    return body.get(camel, body.get(snake))


def reply(turn: Turn, answer: Answer, *, text: str | None = None, final: bool = True) -> Any:
    """A generateContent response (one streamed chunk when ``final`` is false)."""
    parts: list[dict[str, Any]] = []
    shown = answer.text if text is None else text
    if shown or not answer.tool_calls:
        parts.append({"text": shown})
    if final:
        parts += [
            {"functionCall": {"id": c.id, "name": c.name, "args": answer.arguments_value(c)}}
            for c in answer.tool_calls
        ]
        if answer.tool_calls:  # the first call of a step carries the step's signature
            signature = base64.b64encode(f"sig:{answer.tool_calls[0].id}".encode()).decode()
            parts[-len(answer.tool_calls)]["thoughtSignature"] = signature
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    body: dict[str, Any] = {"candidates": [candidate], "modelVersion": turn.model}
    if final:
        candidate["finishReason"] = "MAX_TOKENS" if answer.stop == "length" else "STOP"
        body["usageMetadata"] = {
            "promptTokenCount": answer.input_tokens,
            "candidatesTokenCount": answer.output_tokens - answer.reasoning_tokens,
            "thoughtsTokenCount": answer.reasoning_tokens,
            "cachedContentTokenCount": answer.cached_tokens,
            "totalTokenCount": answer.input_tokens + answer.output_tokens,
        }
    return body


def chunks(turn: Turn, answer: Answer) -> Iterator[str]:
    """The SSE chunks of ``streamGenerateContent?alt=sse``; the last carries calls and usage."""
    parts = pieces(answer.text) if answer.text else [""]
    for piece in parts[:-1]:
        yield sse(reply(turn, answer, text=piece, final=False), crlf=True)
    yield sse(reply(turn, answer, text=parts[-1]), crlf=True)


def error(status: int, message: str, request_id: str) -> dict[str, Any]:
    """A Google API error body."""
    name = STATUS_NAMES.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")
    return {"error": {"code": status, "message": message, "status": name}}
