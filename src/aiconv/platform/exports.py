"""Human- and machine-readable exports beyond the JSON document: JSONL events and Markdown."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime

from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ToolCalled, ToolReturned
from aiconv.platform.flow_fold import flows_of
from aiconv.platform.markdown import block, code_span, inline
from aiconv.platform.projections import summarize


def export_jsonl(events: Iterable[Recorded]) -> str:
    """Every event, one JSON object a line: sequence, position, kind, at, data. A tool event's
    data names its ``participant`` (as the JSON document, the web API and the Python events
    do) beside the recorded ``speaker``, kept for readers written against it."""
    lines = []
    for r in events:
        data = asdict(r.event)
        if isinstance(r.event, ToolCalled | ToolReturned):
            data["participant"] = r.event.participant
        record = {
            "sequence": r.sequence,
            "position": r.position,
            "kind": r.event.KIND,
            "at": r.at,
            "data": data,
        }
        lines.append(json.dumps(record, default=list))
    return "\n".join(lines) + "\n"


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def export_markdown(state: ConversationState) -> str:
    """The transcript as Markdown; whatever the participants wrote shows as text (see
    ``markdown``)."""
    assert state.started is not None
    out = [
        f"# {inline(state.started.topic)}",
        "",
        f"Conversation `{state.conversation_id}`, started {_when(state.started_at)}.",
        "",
    ]
    out += [
        f"- **{inline(p.name)}**: {inline(p.agent)}" + (f" ({inline(p.model)})" if p.model else "")
        for p in state.participants
    ]
    out.append("")
    out += _timeline(state)
    summary = summarize(state)
    cost = "unknown" if summary.cost_usd is None else f"${summary.cost_usd:.6f}"
    out += [
        *_flow_lines(state),
        "---",
        "",
        f"Ended: **{inline(summary.end_reason or 'not yet')}** "
        f"{inline(summary.end_detail or '')}".rstrip(),
        "",
        f"Turns {summary.turns}, tokens {summary.input_tokens} in / "
        f"{summary.output_tokens} out, cost {cost}, duration {summary.duration_s:.2f}s.",
        "",
    ]
    return "\n".join(out)


def _timeline(state: ConversationState) -> list[str]:
    """Messages and tool calls, in the order they were recorded."""
    timeline: list[tuple[int, list[str]]] = []
    for m in state.messages:
        who = "_moderator_" if m.moderator else f"**{inline(m.sender)}**"
        timeline.append((m.sequence, [f"### {who} · {_when(m.at)}", "", *block(m.content), ""]))
    for t in state.tools:
        result = inline(t.returned.outcome) if t.returned else "pending"
        content = code_span(t.returned.content[:500]) if t.returned else ""
        call = code_span(f"{t.called.tool}({json.dumps(dict(t.called.arguments))})")
        speaker = inline(t.called.speaker)
        timeline.append((t.sequence, [f"> tool · {speaker} · {call} → {result} {content}", ""]))
    return [line for _, lines in sorted(timeline, key=lambda item: item[0]) for line in lines]


def _flow_lines(state: ConversationState) -> list[str]:
    """What each flow participant collected, as a Markdown section."""
    lines: list[str] = []
    for progress in flows_of(state.flow_events).values():
        done = "complete" if progress.final else f"at stage {progress.stage}"
        who = f"{inline(progress.participant)} ({inline(progress.flow)}, {inline(done)})"
        lines += [f"## Collected by {who}", ""]
        for name, value in progress.values.items():
            confidence = progress.confidence.get(name, 0.0)
            lines.append(f"- **{inline(name)}**: {code_span(json.dumps(value))} ({confidence:.2f})")
        lines += [f"- output **{inline(k)}**: {inline(str(v))}" for k, v in progress.output.items()]
        lines.append("")
    return lines
