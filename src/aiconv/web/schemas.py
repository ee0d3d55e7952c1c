"""The JSON API's documents as pydantic models: they serialise every response and the OpenAPI
document is generated from them, so what the API says and what it does cannot drift apart.

Where a shape is already declared elsewhere it is derived, not written again: an index row from
``queues.log.IndexEntry``, an event's body from its dataclass in ``platform.events`` (one model
per kind, told apart by ``kind``). Only the transcript, a dict built by ``platform.projections``,
is spelled out here; its models forbid unknown fields, so a field added there without a word here
fails the API tests instead of going undocumented.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from aiconv.platform import projections
from aiconv.platform.events import EVENT_TYPES
from aiconv.queues.log import IndexEntry
from aiconv.validation import MAX_NAME, NAME_FORBIDDEN_CLASS, NAME_INVISIBLE_CLASS
from aiconv.web.flow_schema import FlowData

Status = Literal["active", "ended"]


def _not_text_nor_boolean(value: object) -> object:
    """A JSON number as it is: ``true`` was taken as 1 and ``"10"`` as 10, where the command line
    and the TOML files refuse both (a JSON number with no fraction, ``10.0``, is still an
    integer, as JSON Schema has it)."""
    if isinstance(value, (bool, str)):
        raise ValueError(f"must be a JSON number, not {type(value).__name__}")
    return value


#: A whole number in a request body: a JSON number, never text or a boolean.
WholeNumber = Annotated[int, BeforeValidator(_not_text_nor_boolean)]


class Strict(BaseModel):
    """A response document that refuses fields it does not declare."""

    model_config = ConfigDict(extra="forbid")


class ApiError(Strict):
    """Why a request failed, in one line."""

    error: str


class Health(Strict):
    """The server is up, serving this backend."""

    status: Literal["ok"]
    backend: str


def fields_of(cls: type[Any], **overrides: Any) -> dict[str, Any]:
    """The fields of the dataclass ``cls`` as pydantic field definitions (tuples become lists);
    ``overrides`` replace a field's type, or rename it when given as ``(new name, type)``."""
    hints = typing.get_type_hints(cls)
    derived: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        name, kind = field.name, hints[field.name]
        if typing.get_origin(kind) is tuple:
            kind = list[typing.get_args(kind)[0]]  # type: ignore[misc]
        override = overrides.get(name, kind)
        name, kind = override if isinstance(override, tuple) else (name, override)
        derived[name] = (kind, ...)
    return derived


IndexRow: type[Strict] = create_model(
    "IndexRow",
    __base__=Strict,
    __doc__="One row of the conversations index (``queues.log.IndexEntry``) and its page URL.",
    url=(str, Field(description="The conversation's page in the web view")),
    **fields_of(IndexEntry, status=Status),
)


def index_row(entry: IndexEntry) -> Strict:
    """The API form of an index entry."""
    values = {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry)}
    return IndexRow.model_validate({**values, "url": f"/conversations/{entry.conversation_id}"})


class ConversationPage(Strict):
    """One page of the conversations index, newest first."""

    total: int = Field(description="Matching conversations in all pages")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The next page's offset; null on the last page")
    items: list[IndexRow]  # type: ignore[valid-type]


class TranscriptParticipant(Strict):
    """A participant as the transcript shows it."""

    name: str
    agent: str
    model: str
    persona: str | None
    tools: list[str] = Field(description="Tool references the participant may call")


class TranscriptToolCall(Strict):
    """A tool call and its result (``platform.projections.tool_trajectory``)."""

    sequence: int
    speaker: str
    participant: str = Field(description="The participant that called the tool (= speaker)")
    call_id: str
    round: int
    tool: str
    arguments: dict[str, Any]
    outcome: str = Field(description="ok, error, timeout, unknown, or pending")
    is_error: bool | None
    content: str | None
    result: str | None = Field(description="content of a call that returned (outcome ok)")
    error: str | None = Field(description="content of a call that failed (is_error)")
    latency_s: float | None


class TranscriptMessage(Strict):
    """A posted message (or a moderator's note) with its usage and timing."""

    sequence: int
    sender: str
    content: str
    model: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    latency_s: float
    attempts: int
    at: float
    moderator: bool


class Ending(Strict):
    """Why and by whom the conversation ended."""

    reason: str
    detail: str
    by: str


Summary: type[Strict] = create_model(
    "Summary",
    __base__=Strict,
    __doc__="Totals of a conversation (``platform.projections.Summary``).",
    **fields_of(projections.Summary, turns_by=("turns_by_participant", dict[str, int])),
)


class Transcript(Strict):
    """The ``aic export --format json`` document, with where the stream stands."""

    conversation_id: str
    topic: str
    status: Status
    started_at: float
    participants: list[TranscriptParticipant]
    messages: list[TranscriptMessage]
    tool_calls: list[TranscriptToolCall] = Field(description="Every tool call, in order")
    ended: Ending | None
    outcome: str | None = Field(description="The decided outcome, if any")
    outcome_rationale: str | None = Field(description="Why that outcome was decided")
    summary: Summary  # type: ignore[valid-type]
    metadata: dict[str, Any]
    flows: list[FlowData] | None = Field(None, description="What flow participants collected")
    last_sequence: int = Field(description="The sequence of the last event so far")


class LiveState(Strict):
    """The few facts a live view updates after each event."""

    status: Status
    turns: int
    cost_usd: float | None
    end_reason: str | None
    end_detail: str | None
    outcome: str | None


class EventBase(Strict):
    """Where and when an event was stored, and a one-line description of it."""

    sequence: int = Field(description="Per conversation, from 1, without gaps")
    position: int = Field(description="Global order in the log")
    at: float = Field(description="Seconds since the epoch")
    time: str = Field(
        description="``at`` as ISO 8601 UTC", json_schema_extra={"format": "date-time"}
    )
    summary: str
    meta: str = Field(description="Model, tokens, cost and latency of a message; else empty")


def _event_models(base: type[BaseModel], suffix: str, **extra: Any) -> dict[str, type[BaseModel]]:
    """One model per event kind: ``kind`` is the literal name, ``data`` the event's dataclass."""
    return {
        cls.KIND: create_model(
            f"{cls.KIND}{suffix}",
            __base__=base,
            kind=(Literal[cls.KIND], ...),  # type: ignore[arg-type]  # a literal built per kind
            data=(cls, Field(description=(cls.__doc__ or "").strip())),
            **extra,
        )
        for cls in EVENT_TYPES
    }


#: The API form of each kind of event, by kind.
EVENT_MODELS = _event_models(EventBase, "Event")
#: The ``event`` frames of the live stream, by kind: an event and the state after it.
FRAME_MODELS = _event_models(EventBase, "Frame", state=(LiveState, ...))
#: Any stored event, told apart by ``kind``.
AnyEvent = Annotated[typing.Union[tuple(EVENT_MODELS.values())], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007
#: Any ``event`` frame of the live stream.
AnyFrame = Annotated[typing.Union[tuple(FRAME_MODELS.values())], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007


class Run(Strict):
    """A simulation run: progress, outcome distribution and a page of its conversations."""

    run_id: str
    total: int
    ended: int
    active: int
    progress: float = Field(ge=0, le=1)
    outcomes: dict[str, int]
    end_reasons: dict[str, int]
    cost_usd: float
    scenario: str | None
    successes: list[str]
    success_rate: float | None
    conversations: ConversationPage


#: A participant name as the server checks it (``validation.check_name``), so the document
#: states the server's rule: what it allows is accepted, what it forbids refused.
Name = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_NAME,
        pattern=(
            rf"^[^{NAME_FORBIDDEN_CLASS}{NAME_INVISIBLE_CLASS}@\s]"
            rf"(?:[^{NAME_FORBIDDEN_CLASS}]*[^{NAME_FORBIDDEN_CLASS}{NAME_INVISIBLE_CLASS}\s])?$"
        ),
    ),
]


#: One line with something in it and no control characters, terminal escapes, line breaks or
#: bidirectional overrides (``validation.check_text``, as the command line checks a topic).
ONE_LINE = rf"^[^{NAME_FORBIDDEN_CLASS}]*[^{NAME_FORBIDDEN_CLASS}\s][^{NAME_FORBIDDEN_CLASS}]*$"


class NewConversation(Strict):
    """A conversation between the person calling the API and an agent."""

    agent: str = Field(
        min_length=1,
        max_length=500,
        description="The agent to talk to: any agent id (mock, claude, openai:MODEL, flow:FILE …)",
        examples=["mock", "echo"],
    )
    topic: str = Field(
        "An open conversation",
        min_length=1,
        max_length=2000,
        pattern=ONE_LINE,
        description="What the conversation is about (the agent is told)",
        examples=["Lost card"],
    )
    name: Name = Field("user", description="The person's participant name")
    agent_name: Name | None = Field(None, description="The agent's name (default: its alias)")
    first: Literal["person", "agent"] = Field("person", description="Who speaks first")
    max_turns: WholeNumber = Field(50, ge=1, le=10_000, description="Messages in all, both seats")
    system: str | None = Field(None, max_length=20_000, description="Extra instructions")
    persona: str | None = Field(
        None, max_length=20_000, pattern=ONE_LINE, description="The agent's persona"
    )


class Opened(Strict):
    """The new conversation: where to post the person's messages and read the replies."""

    conversation_id: str
    person: str
    agent: str
    status: Status
    next_speaker: str | None
    last_sequence: int
    messages_url: str
    events_url: str
    stream_url: str


class NewMessage(Strict):
    """What the person says on their turn."""

    content: str = Field(min_length=1, max_length=100_000, pattern=r"\S", examples=["Hello!"])


class Posted(Strict):
    """Where the conversation stands once the person's message is in the log."""

    conversation_id: str
    sequence: int = Field(description="The message's sequence; read replies with ?after= it")
    status: Status
    next_speaker: str | None
    end_reason: str | None
