"""Reading Chat Completions replies, whole or streamed, into one shape (text, tool calls, usage,
finish reason): streamed tool calls arrive in pieces keyed by ``index`` (the id and name in the
first, the arguments spread over the rest), several calls in one reply. A stream that ends
without a finish reason was cut short: ``ValueError``, which the adapter maps to
``MalformedResponse``.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import Any

from aiconv.agents.messages import ToolCall, Usage
from aiconv.agents.provider import DeltaCallback
from aiconv.agents.providers import reply_fields


@dataclass(frozen=True, slots=True, kw_only=True)
class Completion:
    """What a reply said."""

    text: str
    model: str
    usage: Usage
    finish_reason: str | None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(slots=True)
class _Call:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


def from_completion(completion: Any, asked: str) -> Completion:
    """A whole ``ChatCompletion`` (``asked``: the model asked for, if the reply names none).
    One without a choice or a message is no reply (a gateway's ``{"error": …}`` body with
    status 200 is such a one): ``ValueError``."""
    choices = completion.choices
    if not isinstance(choices, list) or not choices or choices[0].message is None:
        raise ValueError(f"the reply has no message{_error_of(completion)}")
    choice = choices[0]
    message = choice.message
    calls = []
    for call in message.tool_calls or ():
        function = call.function
        if function is None:
            raise ValueError(f"tool call {call.id!r} has no function")
        calls.append(reply_fields.call(call.id, function.name, function.arguments))
    # A model that refuses a structured request says why in ``refusal``, not ``content``.
    text = reply_fields.text(message.content, "content") or reply_fields.text(
        getattr(message, "refusal", None), "refusal"
    )
    return Completion(
        text=text,
        model=reply_fields.model(completion.model, asked),
        usage=usage_of(completion.usage),
        finish_reason=choice.finish_reason,
        tool_calls=tuple(calls),
    )


def _error_of(completion: Any) -> str:
    """What an error body with status 200 said, if it said anything."""
    error = getattr(completion, "error", None)
    message = error.get("message") if isinstance(error, dict) else None
    return f" (it says: {str(message)[:200]})" if message else ""


async def from_chunks(
    chunks: AsyncIterable[Any], model: str, on_delta: DeltaCallback
) -> Completion:
    """A streamed reply, calling ``on_delta`` with each text chunk."""
    parts: list[str] = []
    calls: dict[int, _Call] = {}
    finish: str | None = None
    usage = Usage()
    async for chunk in chunks:
        model = reply_fields.model(chunk.model, model)
        if chunk.usage is not None:
            usage = usage_of(chunk.usage)
        for choice in chunk.choices or ():
            finish = choice.finish_reason or finish
            piece = reply_fields.text(choice.delta.content, "content") or reply_fields.text(
                getattr(choice.delta, "refusal", None), "refusal"
            )
            if piece:
                parts.append(piece)
                on_delta(piece)
            for piece in choice.delta.tool_calls or ():
                _add(calls.setdefault(piece.index, _Call()), piece)
    if finish is None:  # every complete stream ends its choice with a finish_reason
        raise ValueError("the stream ended before its finish_reason")
    return Completion(
        text="".join(parts),
        model=model,
        usage=usage,
        finish_reason=finish,
        tool_calls=tuple(
            reply_fields.call(c.id, c.name, "".join(c.arguments)) for _, c in sorted(calls.items())
        ),
    )


def _add(call: _Call, piece: Any) -> None:
    call.id = piece.id or call.id
    if piece.function is not None:
        call.name = piece.function.name or call.name
        if piece.function.arguments:
            call.arguments.append(piece.function.arguments)


def usage_of(usage: Any) -> Usage:
    """Our ``Usage``: cached prompt tokens are part of the input, reasoning of the output."""
    if usage is None:
        return Usage()
    prompt = getattr(usage, "prompt_tokens_details", None)
    completion = getattr(usage, "completion_tokens_details", None)
    cached = getattr(prompt, "cached_tokens", None) if prompt else None
    reasoning = getattr(completion, "reasoning_tokens", None) if completion else None
    return Usage(
        input_tokens=reply_fields.count(usage.prompt_tokens, "prompt_tokens"),
        output_tokens=reply_fields.count(usage.completion_tokens, "completion_tokens"),
        cache_read_tokens=reply_fields.count(cached, "cached_tokens"),
        reasoning_tokens=reply_fields.count(reasoning, "reasoning_tokens"),
    )
