"""Vendor-neutral chat values: what goes to a provider and what comes back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: ``tool`` messages carry the results of the tool calls of the ``assistant`` message before.
Role = Literal["user", "assistant", "tool"]
#: Whether the model may call tools (``auto``), must call one (``required``) or must not.
ToolChoice = Literal["auto", "required", "none"]


def _empty_object_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {}}


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolSpec:
    """A tool a model may call: its name, what it does, and the JSON schema of its arguments."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=_empty_object_schema)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCall:
    """A model asks for tool ``name`` with ``arguments``; ``id`` pairs the call with its result.

    ``error`` is set (and ``arguments`` empty) when the vendor sent arguments that are not a JSON
    object: the call is answered with a tool error instead of being run.
    """

    id: str
    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    #: An opaque vendor token that must travel back with the call in the history (Gemini's
    #: ``thought_signature``, base64); keep it wherever the call is recorded.
    signature: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolResult:
    """What the call ``call_id`` returned: text (JSON for structured results) or an error."""

    call_id: str
    name: str
    content: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    """A request for a structured reply: one JSON object that validates against ``schema``.

    ``name`` identifies the schema to the vendor (``[A-Za-z0-9_-]``, at most 64 characters).
    Each adapter asks through its vendor's native mechanism; ``aiconv.agents.structured`` parses,
    validates and repairs the reply.
    """

    name: str
    schema: Mapping[str, Any] = field(default_factory=_empty_object_schema)


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """A fact a participant records together with its message: an event ``kind`` and its JSON
    body (a stage flow's ``StageEntered`` and ``FieldsExtracted``).

    The conductor appends a reply's records in the same atomic append as its message, and hands
    the speaker its own earlier records with every request (``ChatRequest.records``), so a
    participant whose state is a fold over them keeps no state of its own.
    """

    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMessage:
    """One message of the history, seen from the speaker: its own lines are ``assistant``.

    An ``assistant`` message may carry ``tool_calls`` (with or without text); the ``tool``
    message right after it carries one ``tool_results`` entry per call, in the same order.
    """

    role: Role
    content: str
    name: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_results: tuple[ToolResult, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatRequest:
    """A request for the next message of ``speaker``.

    ``messages`` is already mapped to roles and ordered for the vendor-neutral rules (starts with
    a user turn, alternates where merging was needed); ``context`` carries facts offline agents
    may use (topic, speaker, persona, other participants, turn index, seed).
    """

    model: str
    system: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int = 1024
    temperature: float | None = None
    #: Asks the vendor for reproducible sampling where it supports a seed (OpenAI, Gemini).
    seed: int | None = None
    context: Mapping[str, str | int | float | None] = field(default_factory=dict)
    #: Tools the model may call this time; empty means a plain chat request.
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: ToolChoice = "auto"
    #: Asks for one JSON object matching a schema instead of free text (see ``ResponseFormat``).
    response_format: ResponseFormat | None = None
    #: What this speaker recorded earlier in the conversation, oldest first (see ``Record``).
    records: tuple[Record, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Tokens a call consumed, as the provider reported them."""

    input_tokens: int = 0
    output_tokens: int = 0
    #: Of ``input_tokens``: read from the vendor's prompt cache (billed at the cache-read rate).
    cache_read_tokens: int = 0
    #: Of ``input_tokens``: written to the prompt cache (billed at the cache-write rate).
    cache_write_tokens: int = 0
    #: Of ``output_tokens``: spent on reasoning (thinking) rather than the visible reply.
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Input and output tokens together."""
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatReply:
    """A provider's answer: text, the model that actually answered, usage and the call's facts."""

    content: str
    model: str
    #: The vendor name of the provider that answered (``ChatProvider.name``).
    provider: str = ""
    usage: Usage = Usage()
    cost_usd: float | None = None
    latency_s: float = 0.0
    attempts: int = 1
    finish_reason: str | None = None
    #: Set when the provider asks to end the conversation instead of speaking (e.g. a replayed
    #: script ran out); the conductor then records ``ConversationEnded(reason=stop)``.
    stop: str | None = None
    #: Tools the model wants called before it goes on (possibly several; text may come too).
    tool_calls: tuple[ToolCall, ...] = ()
    #: Served by the response cache (``agents/cache.py``): ``cost_usd`` is 0 and ``saved_usd``
    #: what the recorded call cost.
    cached: bool = False
    saved_usd: float | None = None
    #: Facts to record with the message, in the same atomic append (see ``Record``).
    records: tuple[Record, ...] = ()

    @property
    def truncated(self) -> bool:
        """Whether the reply was cut at the output limit (``finish_reason`` says so)."""
        return (self.finish_reason or "").lower() in TRUNCATED


#: Finish reasons that mean the reply hit its output limit (Anthropic, OpenAI, Gemini).
TRUNCATED = frozenset({"max_tokens", "length", "model_context_window_exceeded"})


def tool_call_from(call_id: str, name: str, arguments: object) -> ToolCall:
    """A ``ToolCall`` from a vendor's arguments: JSON text (as OpenAI and streamed Anthropic
    send them; empty text is ``{}``) or an already parsed value. Anything but a JSON object
    becomes a call with ``error`` set, to be answered with a tool error instead of run."""
    value = arguments
    if isinstance(arguments, str):
        try:
            value = json.loads(arguments) if arguments.strip() else {}
        except ValueError as exc:
            return ToolCall(
                id=call_id, name=name, error=f"arguments are not valid JSON ({exc}): {arguments!r}"
            )
    if not isinstance(value, dict):
        return ToolCall(
            id=call_id,
            name=name,
            error=f"arguments must be a JSON object, not {type(value).__name__}: {value!r}",
        )
    return ToolCall(id=call_id, name=name, arguments=value)


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters a token), never zero for non-empty text."""
    return (len(text) + 3) // 4


def request_tokens(request: ChatRequest) -> int:
    """Estimated input tokens of a whole request (system prompt, history, tool calls, results
    and the tools offered)."""
    return (
        estimate_tokens(request.system)
        + sum(message_tokens(m) for m in request.messages)
        + sum(estimate_tokens(to_json(_spec_json(t))) for t in request.tools)
    )


def message_tokens(message: ChatMessage) -> int:
    """Estimated tokens of one message with its tool calls and results."""
    if not message.tool_calls and not message.tool_results:  # most messages: text alone
        return estimate_tokens(message.content)
    calls = sum(estimate_tokens(c.name + to_json(c.arguments)) for c in message.tool_calls)
    return (
        estimate_tokens(message.content)
        + calls
        + sum(estimate_tokens(r.content) for r in message.tool_results)
    )


def _spec_json(spec: ToolSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description, "parameters": spec.parameters}


def to_json(value: Any) -> str:
    """``value`` (tool arguments, schemas: mappings, sequences, scalars) as compact JSON text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple | list | set | frozenset):
        return list(value)
    return str(value)
