"""The facts a conversation is made of: frozen, past-tense events with a ``kind`` and a version.

Adding a field with a default is backwards compatible; renaming or changing the meaning of one
bumps ``SCHEMA_VERSION`` of that event and adds an upcaster in ``upcasters.py``. The events of
tools and grading live in ``action_events.py``, those of voice and forks in ``room_events.py``,
those of stage flows in ``flow_events.py``,
and the values a conversation starts with in ``specs.py``; all are importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiconv.platform.action_events import (
    CriterionEvaluated,
    EnvironmentSnapshot,
    TaskGraded,
    ToolCalled,
    ToolReturned,
)
from aiconv.platform.flow_events import Extraction, FieldsExtracted, StageEntered
from aiconv.platform.room_events import ConversationForked, UtteranceHeard, UtteranceSpoken
from aiconv.platform.specs import ParticipantSpec, PluginRef, StopConfig, StopSignal

__all__ = [
    "EVENT_TYPES",
    "AgentFailed",
    "ConversationEnded",
    "ConversationForked",
    "ConversationResumed",
    "ConversationStarted",
    "CriterionEvaluated",
    "EnvironmentSnapshot",
    "Event",
    "Extraction",
    "FieldsExtracted",
    "LoopDetected",
    "MessagePosted",
    "ModeratorNoted",
    "OutcomeDecided",
    "OutcomeProposed",
    "ParticipantSpec",
    "PluginRef",
    "StageEntered",
    "StopConfig",
    "StopSignal",
    "TaskGraded",
    "ToolCalled",
    "ToolReturned",
    "TurnClaimed",
    "UtteranceHeard",
    "UtteranceSpoken",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationStarted:
    """A conversation began: its topic, participants, first speaker, policy and stop rules.

    ``judge`` decides, after each message, which events to add and whether to stop (the plain
    stop rules, closing and loop detection when None); ``stamp`` rewrites each message before it
    is posted (e.g. simulated time). Version 2 made them typed fields (they were untyped
    ``metadata`` keys in version 1; ``codec`` upcasts old events).
    """

    KIND: ClassVar[str] = "ConversationStarted"
    SCHEMA_VERSION: ClassVar[int] = 2
    topic: str
    participants: tuple[ParticipantSpec, ...]
    first_speaker: str
    turn_policy: str = "round_robin"
    stop: StopConfig = StopConfig()  # noqa: RUF009 — frozen: one shared default is safe
    seed: int | None = None
    lease_s: float = 60.0
    detached: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    judge: PluginRef | None = None
    stamp: PluginRef | None = None
    #: When it really began, for a conversation recorded elsewhere and imported (else None:
    #: the time the log stored the event).
    occurred_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnClaimed:
    """``speaker``'s instance ``instance_id`` holds the next turn until ``lease_expires_at``."""

    KIND: ClassVar[str] = "TurnClaimed"
    SCHEMA_VERSION: ClassVar[int] = 1
    speaker: str
    instance_id: str
    lease_expires_at: float
    trace_context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted:
    """``sender`` said ``content``; the call's model, usage, cost and latency."""

    KIND: ClassVar[str] = "MessagePosted"
    SCHEMA_VERSION: ClassVar[int] = 1
    sender: str
    content: str
    model: str = ""
    #: The vendor name of the provider that answered (``ChatReply.provider``); empty in events
    #: recorded before it was kept.
    provider: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    attempts: int = 1
    trace_id: str | None = None
    simulated_at: float | None = None
    #: The reply came from the response cache: nothing was paid (``cost_usd`` 0) and
    #: ``saved_usd`` is what the original call cost (None when its price was unknown).
    cached: bool = False
    saved_usd: float | None = None
    #: When it was really sent, for a message recorded elsewhere and imported (else None: the
    #: time the log stored the event).
    occurred_at: float | None = None
    #: Why the model stopped, as the vendor said it (``end_turn``, ``stop``, ``max_tokens`` …);
    #: ``truncated`` when it hit its output limit, so the content is cut short.
    finish_reason: str | None = None
    truncated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeratorNoted:
    """The platform addressed the participants (e.g. a nudge after a detected loop)."""

    KIND: ClassVar[str] = "ModeratorNoted"
    SCHEMA_VERSION: ClassVar[int] = 1
    content: str
    reason: str = ""
    #: When it was really written, for an imported note (else None).
    occurred_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentFailed:
    """A provider call for ``speaker`` failed; the conversation may go on or end, or (``released``)
    the turn is left to another instance."""

    KIND: ClassVar[str] = "AgentFailed"
    SCHEMA_VERSION: ClassVar[int] = 1
    speaker: str
    error_kind: str
    message: str
    retryable: bool = False
    breaker_state: str | None = None
    attempts: int = 1
    #: The vendor's id of the failed request (what its support asks for), when it sent one.
    request_id: str | None = None
    #: The failing instance gave its turn back instead of ending the conversation (its own
    #: provider failed in a shared conversation, e.g. ``aic join``): the turn is open at once.
    released: bool = False

    @property
    def kind(self) -> str:
        """``error_kind`` under its short name (``failed.kind == "tool_outcome_unknown"``); the
        event's own kind is ``KIND``, and the recorded field stays ``error_kind``."""
        return self.error_kind


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopDetected:
    """The loop detector recognised ``kind`` with ``score`` over the messages at ``sequences``."""

    KIND: ClassVar[str] = "LoopDetected"
    SCHEMA_VERSION: ClassVar[int] = 1
    loop_kind: str
    score: float
    sequences: tuple[int, ...] = ()
    detail: str = ""

    @property
    def kind(self) -> str:
        """``loop_kind`` under the issue's name (``loop.kind == "repetition"``); the event's
        own kind is ``KIND``, and the recorded field stays ``loop_kind``."""
        return self.loop_kind


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeProposed:
    """``by`` proposes that the conversation reached ``outcome``."""

    KIND: ClassVar[str] = "OutcomeProposed"
    SCHEMA_VERSION: ClassVar[int] = 1
    outcome: str
    by: str
    confidence: float = 1.0
    rationale: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeDecided:
    """The outcome of the conversation, decided by ``by`` (an evaluator or an arbitration rule).

    When a model judged it (an LLM judge, or a task grader's judge), what judging cost: the
    judge's model, its tokens over every call (a retry after an invalid answer included) and
    dollars (None when its price is unknown, or when no model was asked: rules, arbitration,
    events recorded before it was kept). It is not the conversation's own cost.
    """

    KIND: ClassVar[str] = "OutcomeDecided"
    SCHEMA_VERSION: ClassVar[int] = 1
    outcome: str
    by: str
    confidence: float = 1.0
    rationale: str = ""
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationEnded:
    """The conversation ended for ``reason`` (a stop rule, a signal, a failure)."""

    KIND: ClassVar[str] = "ConversationEnded"
    SCHEMA_VERSION: ClassVar[int] = 1
    reason: str
    detail: str = ""
    by: str = ""
    #: When it really ended, for an imported conversation (else None).
    occurred_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationResumed:
    """An unfinished (e.g. interrupted) conversation was taken up again."""

    KIND: ClassVar[str] = "ConversationResumed"
    SCHEMA_VERSION: ClassVar[int] = 1
    by: str = ""


Event = (
    ConversationStarted
    | TurnClaimed
    | MessagePosted
    | ToolCalled
    | ToolReturned
    | EnvironmentSnapshot
    | CriterionEvaluated
    | TaskGraded
    | ModeratorNoted
    | AgentFailed
    | LoopDetected
    | OutcomeProposed
    | OutcomeDecided
    | ConversationEnded
    | ConversationResumed
    | UtteranceSpoken
    | UtteranceHeard
    | ConversationForked
    | StageEntered
    | FieldsExtracted
)

EVENT_TYPES: tuple[type[Event], ...] = (
    ConversationStarted,
    TurnClaimed,
    MessagePosted,
    ToolCalled,
    ToolReturned,
    EnvironmentSnapshot,
    CriterionEvaluated,
    TaskGraded,
    ModeratorNoted,
    AgentFailed,
    LoopDetected,
    OutcomeProposed,
    OutcomeDecided,
    ConversationEnded,
    ConversationResumed,
    UtteranceSpoken,
    UtteranceHeard,
    ConversationForked,
    StageEntered,
    FieldsExtracted,
)
