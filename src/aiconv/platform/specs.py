"""The values a conversation is started with: who takes part, how it stops, which plugins run it
(part of ``ConversationStarted``; see ``events.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantSpec:
    """Who takes part: a unique ``name``, the ``agent`` id it runs on and the resolved model."""

    name: str
    agent: str
    model: str = ""
    persona: str | None = None
    role: str | None = None
    system: str | None = None
    system_prompt: str = ""
    base_url: str | None = None
    #: Sampling temperature and seed of this participant's model (None: the vendor's default).
    temperature: float | None = None
    seed: int | None = None
    #: Tool sources this participant may call (``aiconv.tools`` references: a Python file or
    #: module, ``mcp:stdio:COMMAND``, ``mcp:http://…``, ``env:DOMAIN`` …), rebuilt by any process.
    tools: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StopSignal:
    """``token`` alone on a line of a message by ``sender`` (anyone when None) ends the
    conversation with ``reason`` (e.g. a simulated user's ``###STOP###`` -> ``satisfied``)."""

    token: str
    reason: str
    sender: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StopConfig:
    """The stop rules a conversation was started with (see ``termination.py``)."""

    max_turns: int = 20
    max_turns_per_participant: int | None = None
    end_token: str = "<END>"
    timeout_s: float | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    closing: str = "mutual"
    closing_phrases: tuple[str, ...] = ()
    loop_policy: str = "end"
    #: Tool rounds a turn may take before its message (then the model must answer in text).
    max_tool_rounds: int = 8
    #: Seconds a tool call may take before it is recorded as ``timeout``.
    tool_timeout_s: float = 60.0
    #: Tokens that end the conversation with a reason of their own.
    signals: tuple[StopSignal, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginRef:
    """A plugin a conversation is run with (an ``aiconv.judges`` or ``aiconv.stamps`` name) and
    the settings it is rebuilt from, so every process taking a turn runs it alike."""

    name: str
    config: dict[str, Any] = field(default_factory=dict)
