"""Human- and machine-readable exports beyond the JSON document: JSONL events and Markdown."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime

from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState
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
    for m in state.messages:
        who = "_moderator_" if m.moderator else f"**{m.sender}**"
        out += [f"### {who} · {_when(m.at)}", "", m.content, ""]
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
