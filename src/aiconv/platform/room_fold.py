"""The fold's rules for the events of the rooms around the core — tool calls and their results,
environments and grading, what voice listeners heard, forks, flow stages and extractions — kept
apart from the core rules in ``conversation.py`` (which calls ``room_changes`` for any event it
does not handle). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from aiconv.platform.codec import Recorded
from aiconv.platform.events import (
    ConversationForked,
    CriterionEvaluated,
    EnvironmentSnapshot,
    FieldsExtracted,
    StageEntered,
    TaskGraded,
    ToolCalled,
    ToolReturned,
    UtteranceHeard,
)

if TYPE_CHECKING:  # conversation.py imports this module
    from aiconv.platform.conversation import ConversationState


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolActivity:
    """A tool call of a participant (``called`` at ``sequence``) and, once recorded, its result."""

    sequence: int
    called: ToolCalled
    returned: ToolReturned | None = None

    @property
    def is_pending(self) -> bool:
        """Recorded as called but not as returned (running, or its instance stopped)."""
        return self.returned is None


def room_changes(state: ConversationState, recorded: Recorded, event: object) -> dict[str, Any]:
    """The fields a room's ``event`` changes (nothing for an event nobody folds)."""
    match event:
        case ToolCalled():
            return _called(state, recorded.sequence, event)
        case ToolReturned():
            return {"tools": _returned(state.tools, event)}
        case EnvironmentSnapshot():
            return {"environments": MappingProxyType({**state.environments, event.domain: event})}
        case CriterionEvaluated():
            return {"criteria": (*state.criteria, event)}
        case TaskGraded():
            return {"graded": event}
        case UtteranceHeard():
            heard = {**state.heard, (event.listener, event.message_sequence): event.text}
            return {"heard": MappingProxyType(heard)}
        case ConversationForked():
            return _fork(state, recorded, event)
        case StageEntered() | FieldsExtracted():
            return {"flow_events": (*state.flow_events, event)}
    return {}


def _fork(
    state: ConversationState, recorded: Recorded, event: ConversationForked
) -> dict[str, Any]:
    """A fork starts afresh from the copied history: new settings, no end, claim or outcome,
    and its clock (``started_at``) from the moment it was forked."""
    if state.started is None:
        return {}
    parent = state.started
    # A fork belongs to no run of its parent's and is not itself an imported conversation.
    metadata = {k: v for k, v in parent.metadata.items() if k not in ("run_id", "imported")}
    metadata.update(event.metadata)
    metadata["forked_from"] = {
        "conversation_id": event.parent_id,
        "at": event.at_sequence,
        "imported": bool(parent.metadata.get("imported")),
    }
    started = replace(
        parent,
        participants=event.participants or parent.participants,
        stop=event.stop or parent.stop,
        turn_policy=event.turn_policy or parent.turn_policy,
        judge=event.judge or parent.judge,
        stamp=event.stamp or parent.stamp,
        metadata=metadata,
    )
    return {
        "started": started,
        "started_at": recorded.at,
        "ended": None,
        "claim": None,
        "last_claim": None,
        "outcome": None,
        "forked": event,
    }


def _called(state: ConversationState, sequence: int, event: ToolCalled) -> dict[str, Any]:
    activity = ToolActivity(sequence=sequence, called=event)
    return {
        "tools": (*state.tools, activity),
        "input_tokens": state.input_tokens + event.input_tokens,
        "output_tokens": state.output_tokens + event.output_tokens,
        "cost_usd": state.cost_usd + (event.cost_usd or 0.0),
        "cost_known": state.cost_known and (event.cost_usd is not None or not event.model),
    }


def _returned(tools: tuple[ToolActivity, ...], event: ToolReturned) -> tuple[ToolActivity, ...]:
    for index in range(len(tools) - 1, -1, -1):
        if tools[index].called.call_id == event.call_id:
            done = ToolActivity(
                sequence=tools[index].sequence, called=tools[index].called, returned=event
            )
            return (*tools[:index], done, *tools[index + 1 :])
    return tools  # a result without its call: nothing to attach it to (never written by us)
