"""ConversationState: a pure fold over a conversation's events. Nothing else is stored as state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from aiconv.platform import slot_writers
from aiconv.platform.codec import Recorded
from aiconv.platform.events import (
    AgentFailed,
    ConversationEnded,
    ConversationForked,
    ConversationResumed,
    ConversationStarted,
    CriterionEvaluated,
    EnvironmentSnapshot,
    Event,
    FieldsExtracted,
    LoopDetected,
    MessagePosted,
    ModeratorNoted,
    OutcomeDecided,
    ParticipantSpec,
    StageEntered,
    TaskGraded,
    TurnClaimed,
)
from aiconv.platform.room_fold import ToolActivity as ToolActivity  # re-exported
from aiconv.platform.room_fold import room_changes

_EMPTY: Mapping[str, int] = MappingProxyType({})
_NO_ENV: Mapping[str, EnvironmentSnapshot] = MappingProxyType({})
_HEARD: Mapping[tuple[str, int], str] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """A posted message with where and when it was stored."""

    sequence: int
    at: float
    sender: str
    content: str
    model: str = ""
    provider: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    attempts: int = 1
    moderator: bool = False
    cached: bool = False
    saved_usd: float | None = None
    truncated: bool = False


#: A ``Message`` from its ``MessagePosted``: every field they share, by name (one message shape:
#: a field added to both is carried without another line here), the others at their defaults.
_message_of = slot_writers.converter(Message, ("sequence", "at"), MessagePosted)


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """An active turn claim."""

    sequence: int
    speaker: str
    instance_id: str
    lease_expires_at: float
    at: float
    trace_context: Mapping[str, str] = field(default_factory=dict)

    def is_live(self, now: float) -> bool:
        """Whether the lease still holds at ``now``."""
        return now < self.lease_expires_at


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationState:
    """Everything derivable about one conversation, folded from its events."""

    conversation_id: str
    sequence: int = 0
    started: ConversationStarted | None = None
    started_at: float = 0.0
    updated_at: float = 0.0
    messages: tuple[Message, ...] = ()
    turns_by: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True
    claim: Claim | None = None
    #: The most recent claim, kept after its message (who has been serving the conversation).
    last_claim: Claim | None = None
    ended: ConversationEnded | None = None
    failures: int = 0
    loops: tuple[LoopDetected, ...] = ()
    outcome: OutcomeDecided | None = None
    #: What each listener heard of a message, by (listener, message sequence) (voice only).
    heard: Mapping[tuple[str, int], str] = field(default_factory=lambda: _HEARD)
    #: Every tool call of every participant, in order, with its result once recorded.
    tools: tuple[ToolActivity, ...] = ()
    #: The initial state of each environment, by domain (``EnvironmentSnapshot``).
    environments: Mapping[str, EnvironmentSnapshot] = field(default_factory=lambda: _NO_ENV)
    #: The task's criteria as graded, and its verdict.
    criteria: tuple[CriterionEvaluated, ...] = ()
    graded: TaskGraded | None = None
    #: Set when this conversation is a fork of another (its parent and point).
    forked: ConversationForked | None = None
    #: The stages and extractions of flow participants, in order (``flow_fold`` folds them).
    flow_events: tuple[StageEntered | FieldsExtracted, ...] = ()

    @property
    def participants(self) -> tuple[ParticipantSpec, ...]:
        """The participants, in speaking order."""
        return self.started.participants if self.started else ()

    @property
    def turns(self) -> int:
        """Messages posted by participants (moderator notes excluded)."""
        return sum(self.turns_by.values())

    @property
    def last_sender(self) -> str | None:
        """Who posted the last participant message."""
        for message in reversed(self.messages):
            if not message.moderator:
                return message.sender
        return None

    @property
    def has_begun(self) -> bool:
        """Whether anyone has claimed a turn, posted a message or failed in it yet (a turn
        released after a failure leaves no claim, but the conversation had begun)."""
        return bool(self.messages) or self.last_claim is not None or self.failures > 0

    @property
    def is_ended(self) -> bool:
        """Whether the conversation has ended (and not been resumed since)."""
        return self.ended is not None

    @property
    def total_tokens(self) -> int:
        """Input and output tokens of every message."""
        return self.input_tokens + self.output_tokens

    def turn_tools(self, speaker: str) -> tuple[ToolActivity, ...]:
        """``speaker``'s tool calls since the last message: the rounds of the turn in progress
        (what a takeover continues from)."""
        if not self.tools:  # most turns of most conversations: no tool was ever called
            return ()
        last = self.messages[-1].sequence if self.messages else 0
        return tuple(t for t in self.tools if t.sequence > last and t.called.speaker == speaker)

    def participant(self, name: str) -> ParticipantSpec:
        """The participant called ``name``."""
        for spec in self.participants:
            if spec.name == name:
                return spec
        raise KeyError(name)


def evolve(state: ConversationState, recorded: Recorded) -> ConversationState:
    """The state after ``recorded``; events out of order are a bug in the caller."""
    if recorded.sequence != state.sequence + 1:
        raise ValueError(
            f"event {recorded.sequence} applied to state at {state.sequence} "
            f"of {state.conversation_id}"
        )
    changes = _changes(state, recorded, recorded.event)
    changes["sequence"] = recorded.sequence
    changes["updated_at"] = occurred_at(recorded)
    return _copy(state, changes)


def occurred_at(recorded: Recorded) -> float:
    """When the event happened: its own ``occurred_at`` (imported conversations keep their
    original times), else when the log stored it."""
    when = getattr(recorded.event, "occurred_at", None)
    return recorded.at if when is None else float(when)


#: ``dataclasses.replace(state, **changes)`` at half the cost (it runs for every event folded).
_copy = slot_writers.copier(ConversationState)


def _changes(state: ConversationState, recorded: Recorded, event: object) -> dict[str, Any]:
    """The fields ``event`` changes (besides ``sequence`` and ``updated_at``)."""
    match event:
        case ConversationStarted():
            return {"started": event, "started_at": occurred_at(recorded)}
        case TurnClaimed():
            claim = Claim(
                sequence=recorded.sequence,
                speaker=event.speaker,
                instance_id=event.instance_id,
                lease_expires_at=event.lease_expires_at,
                at=recorded.at,
                trace_context=event.trace_context,
            )
            return {"claim": claim, "last_claim": claim}
        case MessagePosted():
            return _post(state, recorded, event)
        case ModeratorNoted():
            note = Message(
                sequence=recorded.sequence,
                at=occurred_at(recorded),
                sender="moderator",
                content=event.content,
                moderator=True,
            )
            return {"messages": (*state.messages, note)}
        case AgentFailed():
            # A failure ends nothing by itself: a failed provider call comes with
            # ConversationEnded, an unknown tool outcome lets the turn go on, and a released
            # turn is open to any instance at once (nobody is serving it any more).
            if event.released:
                return {"failures": state.failures + 1, "claim": None, "last_claim": None}
            return {"failures": state.failures + 1}
        case LoopDetected():
            return {"loops": (*state.loops, event)}
        case OutcomeDecided():
            return {"outcome": event}
        case ConversationEnded():
            return {"ended": event, "claim": None}
        case ConversationResumed():
            return {"ended": None, "claim": None}
    return room_changes(state, recorded, event)


def _post(state: ConversationState, recorded: Recorded, event: MessagePosted) -> dict[str, Any]:
    message = _message_of(recorded.sequence, occurred_at(recorded), event)
    turns_by = dict(state.turns_by)
    turns_by[event.sender] = turns_by.get(event.sender, 0) + 1
    return {
        "messages": (*state.messages, message),
        "turns_by": MappingProxyType(turns_by),
        "input_tokens": state.input_tokens + event.input_tokens,
        "output_tokens": state.output_tokens + event.output_tokens,
        "cost_usd": state.cost_usd + (event.cost_usd or 0.0),
        "cost_known": state.cost_known and event.cost_usd is not None,
        "claim": None,
    }


def fold(conversation_id: str, events: Iterable[Recorded]) -> ConversationState:
    """The state of ``conversation_id`` after ``events``."""
    state = ConversationState(conversation_id=conversation_id)
    for recorded in events:
        state = evolve(state, recorded)
    return state


def fold_ahead(
    state: ConversationState,
    events: Sequence[Event],
    now: float,
    *,
    folded: ConversationState | None = None,
) -> ConversationState:
    """``state`` as if ``events`` were appended right after it at ``now`` (to judge or index a
    state before the append that makes it real); ``folded``: the first of them folded so already
    (e.g. what the judge saw), continued rather than folded again."""
    ahead, cid = folded or state, state.conversation_id
    for sequence in range(ahead.sequence + 1, state.sequence + len(events) + 1):
        event = events[sequence - state.sequence - 1]
        ahead = evolve(
            ahead, Recorded(conversation_id=cid, sequence=sequence, position=0, at=now, event=event)
        )
    return ahead
