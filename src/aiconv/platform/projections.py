"""Read models derived from the state (pure): the index entry, the summary, the transcript document.

All of them can be rebuilt from the events at any time; the JSON document is the documented
export format (``aic export --format json`` and ``aic-start --json``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from aiconv.platform.conversation import ConversationState, Message
from aiconv.platform.flow_fold import flow_document
from aiconv.queues.log import IndexEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """Turns, tokens, cost, latency and duration of a conversation, and why it ended."""

    turns: int
    turns_by: dict[str, int]
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    mean_latency_s: float | None
    p95_latency_s: float | None
    duration_s: float
    end_reason: str | None
    end_detail: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "turns": self.turns,
            "turns_by_participant": dict(self.turns_by),
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
            "mean_latency_s": self.mean_latency_s,
            "p95_latency_s": self.p95_latency_s,
            "duration_s": self.duration_s,
            "end_reason": self.end_reason,
            "end_detail": self.end_detail,
        }


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summarize(state: ConversationState) -> Summary:
    """The summary of ``state``."""
    latencies = [m.latency_s for m in state.messages if not m.moderator]
    return Summary(
        turns=state.turns,
        turns_by={p.name: state.turns_by.get(p.name, 0) for p in state.participants},
        input_tokens=state.input_tokens,
        output_tokens=state.output_tokens,
        cost_usd=round(state.cost_usd, 8) if state.cost_known else None,
        mean_latency_s=sum(latencies) / len(latencies) if latencies else None,
        p95_latency_s=percentile(latencies, 0.95),
        duration_s=max(0.0, state.updated_at - state.started_at),
        end_reason=state.ended.reason if state.ended else None,
        end_detail=state.ended.detail if state.ended else None,
    )


def status_of(state: ConversationState) -> str:
    """``active`` or ``ended``."""
    return "ended" if state.is_ended else "active"


def index_entry(state: ConversationState) -> IndexEntry:
    """The conversations-index row for ``state``."""
    assert state.started is not None
    run_id = state.started.metadata.get("run_id")
    return IndexEntry(
        conversation_id=state.conversation_id,
        created_at=state.started_at,
        updated_at=state.updated_at,
        topic=state.started.topic,
        participants=tuple(p.name for p in state.participants),
        agents=tuple(p.agent for p in state.participants),
        status=status_of(state),
        turns=state.turns,
        end_reason=state.ended.reason if state.ended else None,
        cost_usd=round(state.cost_usd, 8) if state.cost_known else None,
        run_id=str(run_id) if run_id is not None else None,
        last_sequence=state.sequence,
        tags=tags_of(state),
    )


def tool_trajectory(state: ConversationState) -> list[dict[str, Any]]:
    """Every tool call in order, with its result: what the participants *did*."""
    return [
        {
            "sequence": t.sequence,
            "speaker": t.called.speaker,
            "participant": t.called.participant,
            "call_id": t.called.call_id,
            "round": t.called.round,
            "tool": t.called.tool,
            "arguments": dict(t.called.arguments),
            "outcome": t.returned.outcome if t.returned else "pending",
            "is_error": t.returned.is_error if t.returned else None,
            "content": t.returned.content if t.returned else None,
            "result": t.returned.result if t.returned else None,
            "error": t.returned.error if t.returned else None,
            "latency_s": t.returned.latency_s if t.returned else None,
        }
        for t in state.tools
    ]


def tags_of(state: ConversationState) -> tuple[str, ...]:
    """Listing tags: ``imported`` for a conversation recorded elsewhere, ``fork`` and
    ``parent:<id>`` for a fork (so a parent's forks can be found without changing it)."""
    assert state.started is not None
    tags: list[str] = []
    if state.started.metadata.get("imported"):
        tags.append("imported")
    if state.forked is not None:
        tags += ["fork", f"parent:{state.forked.parent_id}"]
    return tuple(tags)


def transcript_document(state: ConversationState) -> dict[str, Any]:
    """The documented JSON export of a conversation."""
    assert state.started is not None
    return {
        "conversation_id": state.conversation_id,
        "topic": state.started.topic,
        "status": status_of(state),
        "started_at": state.started_at,
        "participants": [
            {
                "name": p.name,
                "agent": p.agent,
                "model": p.model,
                "persona": p.persona,
                "tools": list(p.tools),
            }
            for p in state.participants
        ],
        "messages": [_message_document(m) for m in state.messages],
        "ended": (
            {"reason": state.ended.reason, "detail": state.ended.detail, "by": state.ended.by}
            if state.ended
            else None
        ),
        "tool_calls": tool_trajectory(state),
        "outcome": state.outcome.outcome if state.outcome else None,
        "summary": summarize(state).to_dict(),
        "metadata": dict(state.started.metadata),
        **_flows(state),
    }


def _flows(state: ConversationState) -> dict[str, Any]:
    """``flows``: what each flow participant collected (only when there are any)."""
    if not state.flow_events:
        return {}
    return {"flows": flow_document(state.conversation_id, state.flow_events)["flows"]}


def _message_document(message: Message) -> dict[str, Any]:
    """One message of the JSON export."""
    return {
        "sequence": message.sequence,
        "sender": message.sender,
        "content": message.content,
        "model": message.model or None,
        "input_tokens": message.input_tokens,
        "output_tokens": message.output_tokens,
        "cost_usd": message.cost_usd,
        "latency_s": message.latency_s,
        "attempts": message.attempts,
        "at": message.at,
        "moderator": message.moderator,
    }
