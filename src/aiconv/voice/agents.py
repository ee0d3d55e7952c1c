"""The port for agents that take part by voice (audio in, audio out), and their turn's value.

A ``VoiceAgent`` is opened once per conversation (its session: instructions and tools), answers
each caller utterance with a ``VoiceTurn`` and is told when it was cut off (barge-in) so its
context holds only what was heard. Adapters: ``realtime.OpenAIRealtimeAgent`` and
``channel.WebSocketVoiceAgent``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiconv.agents.messages import ToolCall, ToolResult, ToolSpec
from aiconv.voice.audio import Audio

#: Runs one tool call for a voice agent and returns its result.
ToolHandler = Callable[[ToolCall], Awaitable[ToolResult]]


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceTurn:
    """A voice agent's answer: its audio, its own transcript, what it heard, tool calls made."""

    audio: Audio
    transcript: str
    heard: str | None = None
    first_audio_s: float | None = None
    latency_s: float = 0.0
    tool_calls: tuple[tuple[ToolCall, ToolResult], ...] = ()
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0


class VoiceAgent(Protocol):
    """An agent that listens and speaks."""

    label: str

    async def open(self, instructions: str, tools: Sequence[ToolSpec] = ()) -> None:
        """Start the session; ProviderRejected when the agent refuses it."""
        ...

    async def respond(self, audio: Audio, call_tool: ToolHandler | None = None) -> VoiceTurn:
        """The answer to ``audio`` (the caller's utterance)."""
        ...

    async def interrupted(self, played_s: float) -> None:
        """The caller cut the last answer off after ``played_s`` seconds."""
        ...

    async def close(self) -> None:
        """End the session."""
        ...


async def refuse_tool(call: ToolCall) -> ToolResult:
    """The tool handler when no tools are available: every call is answered with an error."""
    return ToolResult(
        call_id=call.id, name=call.name, content=f"no tool named {call.name!r}", is_error=True
    )
