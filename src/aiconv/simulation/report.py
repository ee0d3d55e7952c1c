"""The report of a run, derived from the log alone: every conversation tagged with the run id.

``collect`` folds each conversation into a ``Row``; ``build`` computes the figures: outcome
distribution (overall, by persona, by intent), the success rate with a 95% Wilson interval,
pass@k and pass^k per persona × intent cell (k = the repetitions), turns, tokens, cost, latency,
loops, end reasons and the worst transcripts. Rendering lives in ``render.py``.

Conversations that have not finished (e.g. interrupted) are counted as ``unfinished`` and left
out of the rates; conversations that failed (provider errors) have no outcome and count as
failures.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiconv.errors import ConfigError
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.projections import percentile
from aiconv.queues.log import ConversationLog, ListQuery
from aiconv.simulation.stats import Rate, mean, pass_at_k, pass_hat_k

FAILED = "(failed)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One conversation of the run, as the report sees it."""

    conversation_id: str
    scenario: str
    persona: str
    intent: str
    repetition: int
    outcome: str | None
    success: bool
    finished: bool
    confidence: float | None
    decided_by: str | None
    rationale: str
    turns: int
    tokens: int
    cost_usd: float
    latencies: tuple[float, ...]
    loops: int
    end_reason: str | None

    @property
    def cell(self) -> str:
        """``persona/intent``."""
        return f"{self.persona}/{self.intent}"

    @property
    def label(self) -> str:
        """The outcome, or ``(failed)``."""
        return self.outcome or FAILED


def row_of(state: ConversationState) -> Row:
    """The report row of one conversation."""
    assert state.started is not None
    meta = state.started.metadata
    outcome = state.outcome
    ended = state.ended
    successes = set(meta.get("successes") or ())
    return Row(
        conversation_id=state.conversation_id,
        scenario=str(meta.get("scenario", "")),
        persona=str(meta.get("persona", "?")),
        intent=str(meta.get("intent", "?")),
        repetition=int(meta.get("repetition", 0)),
        outcome=outcome.outcome if outcome else None,
        success=outcome is not None and outcome.outcome in successes,
        finished=ended is not None and ended.reason != "interrupted",
        confidence=outcome.confidence if outcome else None,
        decided_by=outcome.by if outcome else None,
        rationale=outcome.rationale if outcome else (ended.detail if ended else ""),
        turns=state.turns,
        tokens=state.total_tokens,
        cost_usd=state.cost_usd,
        latencies=tuple(m.latency_s for m in state.messages if not m.moderator),
        loops=len(state.loops),
        end_reason=ended.reason if ended else None,
    )


async def collect(log: ConversationLog, run_id: str, page: int = 500) -> list[Row]:
    """Every conversation of ``run_id``, oldest first; ConfigError when there is none."""
    conductor = Conductor(log)
    ids: list[str] = []
    while True:
        entries = await log.list_conversations(
            ListQuery(run_id=run_id, limit=page, offset=len(ids))
        )
        ids += [e.conversation_id for e in entries]
        if len(entries) < page:
            break
    if not ids:
        raise ConfigError(f"no conversations with run id {run_id!r} (see `aic ls --run-id`)")
    rows = [row_of(await conductor.load(cid)) for cid in reversed(ids)]
    return sorted(rows, key=lambda r: (r.repetition, r.persona, r.intent))


def _distribution(rows: list[Row]) -> dict[str, int]:
    return dict(Counter(r.label for r in rows).most_common())


def _grouped(rows: list[Row], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return {
        name: {
            "outcomes": _distribution(members),
            "success": Rate(
                successes=sum(r.success for r in members), total=len(members)
            ).to_dict(),
        }
        for name, members in sorted(groups.items())
    }


def _cells(rows: list[Row], k: int) -> list[dict[str, Any]]:
    cells: dict[str, list[Row]] = {}
    for row in rows:
        cells.setdefault(row.cell, []).append(row)
    result = []
    for cell, members in sorted(cells.items()):
        n, c = len(members), sum(r.success for r in members)
        result.append(
            {
                "cell": cell,
                "persona": members[0].persona,
                "intent": members[0].intent,
                "n": n,
                "successes": c,
                "pass_at_k": _r(pass_at_k(n, c, min(k, n))),
                "pass_hat_k": _r(pass_hat_k(n, c, min(k, n))),
            }
        )
    return result


def _usage(rows: list[Row]) -> dict[str, Any]:
    latencies = [lat for r in rows for lat in r.latencies]
    return {
        "turns_mean": _r(mean([float(r.turns) for r in rows])),
        "turns_max": max((r.turns for r in rows), default=0),
        "tokens_total": sum(r.tokens for r in rows),
        "tokens_mean": _r(mean([float(r.tokens) for r in rows])),
        "cost_usd_total": round(sum(r.cost_usd for r in rows), 6),
        "cost_usd_mean": _r(mean([r.cost_usd for r in rows]), 6),
        "latency_s_mean": _r(mean(latencies)),
        "latency_s_p95": _r(percentile(latencies, 0.95)),
        "conversations_with_loops": sum(1 for r in rows if r.loops),
        "loops_total": sum(r.loops for r in rows),
        "end_reasons": dict(Counter(r.end_reason or "active" for r in rows).most_common()),
    }


def worst(rows: list[Row], count: int = 10) -> list[Row]:
    """Failures first (no outcome), then other non-successes, longest and least sure first."""
    bad = [r for r in rows if r.finished and not r.success]
    bad.sort(key=lambda r: (r.outcome is not None, -(r.turns), r.confidence or 0.0))
    return bad[:count]


def build(run_id: str, rows: list[Row], *, worst_count: int = 10) -> dict[str, Any]:
    """The report document (the documented JSON form)."""
    finished = [r for r in rows if r.finished]
    k = max(Counter(r.cell for r in finished).values(), default=0)
    success = Rate(successes=sum(r.success for r in finished), total=len(finished))
    return {
        "run_id": run_id,
        "scenario": rows[0].scenario if rows else "",
        "generated_at": time.time(),
        "conversations": len(rows),
        "finished": len(finished),
        "unfinished": len(rows) - len(finished),
        "failed": sum(1 for r in finished if r.outcome is None),
        "k": k,
        "success": success.to_dict(),
        "outcomes": _distribution(finished),
        "by_persona": _grouped(finished, "persona"),
        "by_intent": _grouped(finished, "intent"),
        "cells": _cells(finished, k),
        "usage": _usage(finished),
        "worst": [_worst_entry(r) for r in worst(finished, worst_count)],
    }


def _worst_entry(row: Row) -> dict[str, Any]:
    return {
        "conversation_id": row.conversation_id,
        "cell": row.cell,
        "repetition": row.repetition,
        "outcome": row.label,
        "end_reason": row.end_reason,
        "turns": row.turns,
        "rationale": row.rationale,
        "transcript": f"transcripts/{row.conversation_id}.md",
    }


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)
