"""Human- and machine-readable exports beyond the JSON document: JSONL events and Markdown."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime

from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState
from aiconv.platform.flow_fold import flows_of
from aiconv.platform.projections import summarize


def export_jsonl(events: Iterable[Recorded]) -> str:
    """Every event, one JSON object a line: sequence, position, kind, at, data."""
    lines = []
    for r in events:
        record = {
            "sequence": r.sequence,
            "position": r.position,
            "kind": r.event.KIND,
            "at": r.at,
            "data": asdict(r.event),
        }
        lines.append(json.dumps(record, default=list))
    return "\n".join(lines) + "\n"


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _code(text: str) -> str:
    """``text`` as an inline code span that no backtick inside can close early."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def export_markdown(state: ConversationState) -> str:
    """The transcript as Markdown."""
    assert state.started is not None
    out = [
        f"# {state.started.topic}",
        "",
        f"Conversation `{state.conversation_id}`, started {_when(state.started_at)}.",
        "",
    ]
    out += [f"- **{p.name}**: {p.agent} ({p.model})" for p in state.participants]
    out.append("")
    timeline: list[tuple[int, list[str]]] = []
    for m in state.messages:
        who = "_moderator_" if m.moderator else f"**{m.sender}**"
        timeline.append((m.sequence, [f"### {who} · {_when(m.at)}", "", m.content, ""]))
    for t in state.tools:
        result = t.returned.outcome if t.returned else "pending"
        content = _code(t.returned.content[:500]) if t.returned else ""
        call = _code(f"{t.called.tool}({json.dumps(dict(t.called.arguments))})")
        timeline.append(
            (t.sequence, [f"> tool · {t.called.speaker} · {call} → {result} {content}", ""])
        )
    for _, lines in sorted(timeline, key=lambda item: item[0]):
        out += lines
    out += _flow_lines(state)
    summary = summarize(state)
    cost = "unknown" if summary.cost_usd is None else f"${summary.cost_usd:.6f}"
    out += [
        "---",
        "",
        f"Ended: **{summary.end_reason or 'not yet'}** {summary.end_detail or ''}".rstrip(),
        "",
        f"Turns {summary.turns}, tokens {summary.input_tokens} in / "
        f"{summary.output_tokens} out, cost {cost}, duration {summary.duration_s:.2f}s.",
        "",
    ]
    return "\n".join(out)


def _flow_lines(state: ConversationState) -> list[str]:
    """What each flow participant collected, as a Markdown section."""
    lines: list[str] = []
    for progress in flows_of(state.flow_events).values():
        done = "complete" if progress.final else f"at stage {progress.stage}"
        lines += [f"## Collected by {progress.participant} ({progress.flow}, {done})", ""]
        for name, value in progress.values.items():
            confidence = progress.confidence.get(name, 0.0)
            lines.append(f"- **{name}**: {_code(json.dumps(value))} ({confidence:.2f})")
        lines += [f"- output **{k}**: {v}" for k, v in progress.output.items()]
        lines.append("")
    return lines
