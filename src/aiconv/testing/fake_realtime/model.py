"""The fake Realtime model: what it is asked (``FakeTurn``) and what it answers (``FakeReply``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class FakeTurn:
    """What the fake model is answering: what it heard, or the output of its last tool call."""

    heard: str
    tool_output: str | None = None
    turn: int = 1
    instructions: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FakeReply:
    """The fake model's answer: words to speak, or a function call (name, arguments)."""

    text: str = ""
    tool: tuple[str, dict[str, Any]] | None = None
    #: Why the response ends ``incomplete`` once its words are out (``content_filter``,
    #: ``max_output_tokens``), as the real server cuts an answer short; None: ``completed``.
    incomplete: str | None = None


def echo(turn: FakeTurn) -> FakeReply:
    """The default model: acknowledges what it heard, like a patient support agent."""
    if turn.tool_output is not None:
        return FakeReply(text=f"Done. {turn.tool_output}")
    heard = turn.heard or "nothing"
    return FakeReply(text=f"I heard you say {heard}. How else can I help?")
