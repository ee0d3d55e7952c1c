"""Grading what a flow participant under test collected (``evaluation_criteria.collected``).

One ``collected`` criterion per expected field: it passes when the agent's accepted value equals
the expected one after normalisation (strings trimmed and compared without case, ``_`` read as a
space; numbers by value; lists of strings in any order; tables key by key). The evidence says
what was collected instead — or, when nothing was kept, what the extractor last read and why it
was rejected, or that it never read the field.
"""

from __future__ import annotations

from typing import Any

from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import CriterionEvaluated
from aiconv.platform.flow_fold import FlowProgress, flow_progress


def collected_criteria(
    state: ConversationState, task_id: str, expected: dict[str, Any] | None, agent: str
) -> list[CriterionEvaluated]:
    """A ``collected`` criterion per field of ``expected`` (none without it)."""
    if not expected:
        return []
    progress = flow_progress(state.flow_events, agent)
    return [
        CriterionEvaluated(
            task_id=task_id,
            criterion=f"collected:{name}",
            kind="collected",
            passed=name in progress.values and same(progress.values[name], wanted),
            evidence=_evidence(progress, name, wanted),
        )
        for name, wanted in expected.items()
    ]


def _evidence(progress: FlowProgress, name: str, wanted: Any) -> str:
    if name in progress.values:
        got = progress.values[name]
        if same(got, wanted):
            return f"{name}: collected {got!r} ({progress.confidence.get(name, 0.0):.2f})"
        return f"{name}: expected {wanted!r}, collected {got!r}"
    last = next((r for r in reversed(progress.rejected) if r.name == name), None)
    if last is None:
        return f"{name}: expected {wanted!r}, never read"
    return f"{name}: expected {wanted!r}, not collected (last read {last.value!r}: {last.note})"


def same(got: Any, wanted: Any) -> bool:
    """Whether a collected value equals the expected one after normalisation."""
    return bool(_normal(got) == _normal(wanted))


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.replace("_", " ").lower().split())
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        items = [_normal(v) for v in value]
        return sorted(items) if all(isinstance(i, str) for i in items) else items
    if isinstance(value, dict):
        return {_normal(k): _normal(v) for k, v in value.items()}
    return value
