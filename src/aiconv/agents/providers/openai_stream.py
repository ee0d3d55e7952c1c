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

from aiconv.agents.messages import ToolCall, Usage, tool_call_from
from aiconv.agents.provider import DeltaCallback


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


def from_completion(completion: Any) -> Completion:
    """A whole ``ChatCompletion``."""
    choice = completion.choices[0] if completion.choices else None
    message = choice.message if choice is not None else None
    calls = []
    for call in (message.tool_calls if message is not None else None) or ():
        function = getattr(call, "function", None)
        if function is not None:
            calls.append(tool_call_from(call.id, function.name, function.arguments))
    # A model that refuses a structured request says why in ``refusal``, not ``content``.
    text = (message.content or getattr(message, "refusal", None) or "") if message else ""
    return Completion(
        text=text,
        model=completion.model,
        usage=usage_of(completion.usage),
        finish_reason=choice.finish_reason if choice is not None else None,
        tool_calls=tuple(calls),
    )


async def from_chunks(
    chunks: AsyncIterable[Any], model: str, on_delta: DeltaCallback
) -> Completion:
    """A streamed reply, calling ``on_delta`` with each text chunk."""
    parts: list[str] = []
    calls: dict[int, _Call] = {}
    finish: str | None = None
    usage = Usage()
    async for chunk in chunks:
        model = chunk.model or model
        if chunk.usage is not None:
            usage = usage_of(chunk.usage)
        for choice in chunk.choices or ():
            finish = choice.finish_reason or finish
            piece = choice.delta.content or getattr(choice.delta, "refusal", None)
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
            tool_call_from(c.id, c.name, "".join(c.arguments)) for _, c in sorted(calls.items())
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
    return Usage(
        input_tokens=usage.prompt_tokens or 0,
        output_tokens=usage.completion_tokens or 0,
        cache_read_tokens=(getattr(prompt, "cached_tokens", None) or 0) if prompt else 0,
        reasoning_tokens=(getattr(completion, "reasoning_tokens", None) or 0) if completion else 0,
    )
