"""Reading a streamed Messages API reply from its raw events, tool calls included.

Text arrives in ``text_delta``\\s (passed on as they come), a tool call's arguments in
``input_json_delta``\\s of its ``tool_use`` block (joined, then parsed once the block is
complete), usage in ``message_start`` and ``message_delta`` (cumulative). The forced tool of a
structured request (``structured``) is no call: its JSON is the reply's text, passed on as it
comes, and the reply ends as a turn does (``end_turn``). A stream without its
``message_start`` or ``message_stop``, or with deltas for blocks it never opened, raises
``BrokenStream``, which the adapter maps to ``MalformedResponse`` (retryable), never an SDK
assertion.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import Any

from aiconv.agents.messages import ToolCall, Usage
from aiconv.agents.provider import DeltaCallback
from aiconv.agents.providers import reply_fields


class BrokenStream(ValueError):
    """The events do not make a message."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamedMessage:
    """What a reply said, whether it came whole or streamed."""

    text: str
    model: str
    usage: Usage
    stop_reason: str | None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(slots=True)
class _Block:
    kind: str
    id: str = ""
    name: str = ""
    parts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Reader:
    on_delta: DeltaCallback
    structured: str | None = None
    model: str = ""
    usage: Any = None
    stop_reason: str | None = None
    started: bool = False
    stopped: bool = False
    blocks: dict[int, _Block] = field(default_factory=dict)

    def read(self, event: Any) -> None:
        kind = event.type
        if kind == "message_start":
            self.started = True
            self.model = reply_fields.model(event.message.model, self.model)
            self.usage = event.message.usage.model_copy()
        elif not self.started:
            raise BrokenStream(f"stream sent {kind} before message_start")
        elif kind == "content_block_start":
            block = event.content_block
            self.blocks[event.index] = _Block(
                block.type, getattr(block, "id", ""), getattr(block, "name", "")
            )
        elif kind == "content_block_delta":
            self._delta(event.index, event.delta)
        elif kind == "message_delta":
            self.stop_reason = event.delta.stop_reason or self.stop_reason
            self._count(event.usage)
        elif kind == "message_stop":
            self.stopped = True

    def _delta(self, index: int, delta: Any) -> None:
        block = self.blocks.get(index)
        if block is None:
            raise BrokenStream(f"stream sent a delta for block {index} it never started")
        if delta.type == "text_delta" and block.kind == "text":
            block.parts.append(delta.text)
            self.on_delta(delta.text)
        elif delta.type == "input_json_delta" and block.kind == "tool_use":
            block.parts.append(delta.partial_json)
            if self._is_answer(block):
                self.on_delta(delta.partial_json)

    def _is_answer(self, block: _Block) -> bool:
        return self.structured is not None and block.name == self.structured

    def _count(self, delta_usage: Any) -> None:
        """``message_delta`` usage is cumulative: it overwrites what it carries."""
        for name in (
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
            "output_tokens_details",
        ):
            value = getattr(delta_usage, name, None)
            if value is not None:
                setattr(self.usage, name, value)

    def message(self) -> StreamedMessage:
        if not self.stopped:
            raise BrokenStream("stream ended before message_stop")
        ordered = [self.blocks[i] for i in sorted(self.blocks)]
        answers = [b for b in ordered if b.kind == "tool_use" and self._is_answer(b)]
        text = "".join("".join(b.parts) for b in ordered if b.kind == "text")
        if answers:  # a structured reply: the forced tool's JSON is the text, not a call
            ordered = [b for b in ordered if b is not answers[0]]
            text = "".join(answers[0].parts)
        return StreamedMessage(
            text=text,
            model=self.model,
            usage=usage_of(self.usage),
            stop_reason=answered(self.stop_reason) if answers else self.stop_reason,
            tool_calls=tuple(
                reply_fields.call(b.id, b.name, "".join(b.parts))
                for b in ordered
                if b.kind == "tool_use"
            ),
        )


async def read_stream(
    events: AsyncIterable[Any],
    on_delta: DeltaCallback,
    asked: str,
    *,
    structured: str | None = None,
) -> StreamedMessage:
    """The whole message from a raw event stream, calling ``on_delta`` with each text chunk
    (and each piece of the ``structured`` tool's JSON, the reply's text when there is one).
    ``asked``: the model asked for, if ``message_start`` names none."""
    reader = _Reader(on_delta, structured, model=asked)
    async for event in events:
        reader.read(event)
    return reader.message()


def answered(stop_reason: str | None) -> str | None:
    """The stop reason of a structured reply: its forced tool use is the end of the turn."""
    return "end_turn" if stop_reason == "tool_use" else stop_reason


def usage_of(u: Any) -> Usage:
    """Our ``Usage`` from the API's: cached input is part of the input, thinking of the output."""
    read = reply_fields.count(u.cache_read_input_tokens, "cache_read_input_tokens")
    written = reply_fields.count(u.cache_creation_input_tokens, "cache_creation_input_tokens")
    details = getattr(u, "output_tokens_details", None)
    thinking = details.thinking_tokens if details is not None else None
    return Usage(
        input_tokens=reply_fields.count(u.input_tokens, "input_tokens") + read + written,
        output_tokens=reply_fields.count(u.output_tokens, "output_tokens"),
        cache_read_tokens=read,
        cache_write_tokens=written,
        reasoning_tokens=reply_fields.count(thinking, "thinking_tokens"),
    )
