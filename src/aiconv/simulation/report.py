"""The report of a run (pure): ``build`` turns the rows of ``rows.collect`` into the documented
JSON document. Rendering lives in ``render.py``, gates in ``gate.py``.

The document says first whether the run is complete (how many conversations are unfinished or
never started, against what the run planned) and whether it mixes scenarios; then the success
rate with its 95 % Wilson interval, the pass^k curve for k = 1 … n (overall and by persona,
intent and task, see ``stats.py``), the outcome distribution, per-cell figures, usage (tokens,
cost, cost per resolved conversation, the agent's latency p50/p95), the response cache's hits
and savings, the worst transcripts, and for a matrix run the same figures per agent.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from aiconv.platform.projections import percentile
from aiconv.simulation.rows import Row, planned_by_agent
from aiconv.simulation.scores import judge_scores, mean_scores
from aiconv.simulation.stats import (
    CellCount,
    Rate,
    mean,
    pass_at_k,
    pass_at_k_curve,
    pass_hat_k,
    pass_hat_k_curve,
)
from aiconv.voice.aggregate import by_group


def trial_key(rows: Sequence[Row]) -> Callable[[Row], str]:
    """What makes repetitions of one trial: the cell, and the agent in a matrix run (two agents'
    repetitions of a cell are not repetitions of one trial)."""
    if len({r.agent for r in rows}) > 1:
        return lambda r: f"{r.agent} · {r.cell}"
    return lambda r: r.cell


def cell_counts(rows: Sequence[Row]) -> list[CellCount]:
    """Successes and repetitions per cell (finished conversations only)."""
    key = trial_key(rows)
    cells: dict[str, list[Row]] = {}
    for row in rows:
        if row.finished:
            cells.setdefault(key(row), []).append(row)
    return [
        CellCount(n=len(members), successes=sum(r.success for r in members))
        for _, members in sorted(cells.items())
    ]


def curve(rows: Sequence[Row]) -> list[dict[str, object]]:
    """The pass^k curve of ``rows`` as JSON points."""
    return [point.to_dict() for point in pass_hat_k_curve(cell_counts(rows))]


def _success(rows: Sequence[Row]) -> Rate:
    finished = [r for r in rows if r.finished]
    return Rate(successes=sum(r.success for r in finished), total=len(finished))


def _grouped(rows: Sequence[Row], key: Callable[[Row], str | None]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        name = key(row)
        if name is not None:
            groups.setdefault(name, []).append(row)
    return {
        name: {
            "outcomes": dict(Counter(r.label for r in members if r.finished).most_common()),
            "success": _success(members).to_dict(),
            "pass_hat_k": curve(members),
        }
        for name, members in sorted(groups.items())
    }


def _cells(rows: Sequence[Row]) -> list[dict[str, Any]]:
    key = trial_key(rows)
    cells: dict[str, list[Row]] = {}
    for row in rows:
        if row.finished:
            cells.setdefault(key(row), []).append(row)
    result = []
    for cell, members in sorted(cells.items()):
        n, c = len(members), sum(r.success for r in members)
        result.append(
            {
                "cell": cell,
                "persona": members[0].persona,
                "intent": members[0].intent,
                "task": members[0].task,
                "n": n,
                "successes": c,
                "pass_at_k": pass_at_k(n, c, n),
                "pass_hat_k": [pass_hat_k(n, c, k) for k in range(1, n + 1)],
            }
        )
    return result


def usage(rows: Sequence[Row]) -> dict[str, Any]:
    """Turns, tokens, cost (paid, saved by the cache, per resolved conversation), latency.

    ``cost_usd_total`` is everything the run paid: the agents' calls
    (``agents_cost_usd_total``) and the judge's (``judge_cost_usd_total``, with its tokens and
    models); the other figures are the agents' alone.
    """
    finished = [r for r in rows if r.finished]
    latencies = [lat for r in finished for lat in r.agent_latencies]
    resolved = sum(r.success for r in finished)
    list_cost = sum(r.list_cost_usd for r in finished)
    agents_cost = sum(r.cost_usd for r in finished)
    judge_cost = sum(r.judge_cost_usd for r in finished)
    return {
        "turns_mean": _r(mean([float(r.turns) for r in finished])),
        "turns_max": max((r.turns for r in finished), default=0),
        "tokens_total": sum(r.tokens for r in finished),
        "tokens_mean": _r(mean([float(r.tokens) for r in finished])),
        "cost_usd_total": round(agents_cost + judge_cost, 6),
        "agents_cost_usd_total": round(agents_cost, 6),
        "judge_cost_usd_total": round(judge_cost, 6),
        "judge_tokens_total": sum(r.judge_tokens for r in finished),
        "judge_models": sorted({r.judge_model for r in finished if r.judge_model}),
        "cost_usd_mean": mean([r.list_cost_usd for r in finished]),
        "cost_per_resolved_usd": list_cost / resolved if resolved else None,
        "agent_latency_s_p50": percentile(latencies, 0.50),
        "agent_latency_s_p95": percentile(latencies, 0.95),
        "conversations_with_loops": sum(1 for r in finished if r.loops),
        "loops_total": sum(r.loops for r in finished),
        "end_reasons": dict(Counter(r.end_reason or "active" for r in finished).most_common()),
        "cache_hits": sum(r.cached_messages for r in finished),
        "cache_saved_usd": round(sum(r.saved_usd for r in finished), 6),
    }


def completeness(rows: Sequence[Row]) -> dict[str, Any]:
    """Planned, present, finished, unfinished and never started conversations; mixed suites."""
    by_agent = planned_by_agent(rows)
    planned = sum(by_agent.values()) if by_agent else len(rows)
    finished = sum(1 for r in rows if r.finished)
    hashes = sorted({r.suite_hash or "(unrecorded)" for r in rows})
    names = sorted({r.scenario for r in rows})
    return {
        "planned": max(planned, len(rows)),
        "conversations": len(rows),
        "finished": finished,
        "unfinished": len(rows) - finished,
        "missing": max(0, planned - len(rows)),
        "complete": finished == len(rows) and planned <= len(rows),
        "mixed": len(hashes) > 1 or len(names) > 1,
        "scenarios": names,
        "suite_hashes": hashes,
    }


def worst(rows: Sequence[Row], count: int = 10) -> list[Row]:
    """Failures first (no outcome), then other non-successes, longest and least sure first."""
    bad = [r for r in rows if r.finished and not r.success]
    bad.sort(key=lambda r: (r.outcome is not None, -(r.turns), r.confidence or 0.0))
    return bad[:count]


def agent_figures(rows: Sequence[Row]) -> dict[str, Any]:
    """The side-by-side figures of one agent under test."""
    figures = usage(rows)
    return {
        "agent": rows[0].agent if rows else "",
        "agent_id": rows[0].agent_id if rows else "",
        "success": _success(rows).to_dict(),
        "pass_hat_k": curve(rows),
        "cost_per_resolved_usd": figures["cost_per_resolved_usd"],
        "cost_usd_mean": figures["cost_usd_mean"],
        "agent_latency_s_p50": figures["agent_latency_s_p50"],
        "agent_latency_s_p95": figures["agent_latency_s_p95"],
        "tokens_mean": figures["tokens_mean"],
        "scores": mean_scores(rows),
        "criteria": criteria_table([r for r in rows if r.finished]),
        **{k: v for k, v in completeness(rows).items() if k in ("finished", "unfinished")},
        "failed": broke(rows),
    }


def broke(rows: Sequence[Row]) -> int:
    """Finished conversations without an outcome: they broke (a provider failure, a replay
    cache miss) and count as unsuccessful."""
    return sum(1 for r in rows if r.finished and r.outcome is None)


def build(run_id: str, rows: Sequence[Row], *, worst_count: int = 10) -> dict[str, Any]:
    """The report document (the documented JSON form). The figures a gate reads (rates, their
    intervals, pass^k, costs and latencies) are exact: a gate compares them as they are, and
    4 of 6 must not pass ``--fail-under 0.6667`` as a rounded 0.6667."""
    finished = [r for r in rows if r.finished]
    by_agent: dict[str, list[Row]] = {}
    for row in rows:
        by_agent.setdefault(row.agent, []).append(row)
    tasks = any(r.task for r in rows)
    return {
        "run_id": run_id,
        "scenario": rows[0].scenario if rows else "",
        "generated_at": time.time(),
        **completeness(rows),
        "failed": broke(rows),
        "k": max((c.n for c in cell_counts(rows)), default=0),
        "success": _success(rows).to_dict(),
        "pass_hat_k": curve(rows),
        "pass_at_k": pass_at_k_curve(cell_counts(rows)),
        "outcomes": dict(Counter(r.label for r in finished).most_common()),
        "success_outcomes": sorted({r.label for r in finished if r.success}),
        "by_persona": _grouped(rows, lambda r: r.persona),
        "by_intent": _grouped(rows, lambda r: None if r.task else r.intent),  # tasks have none
        "by_task": _grouped(rows, lambda r: r.task) if tasks else {},
        "cells": _cells(rows),
        "usage": usage(rows),
        "agents": [agent_figures(members) for _, members in sorted(by_agent.items())],
        "criteria": criteria_table(finished),
        "criteria_by_kind": criteria_by_kind(finished),
        "scores": judge_scores(finished),
        "unjudged": sum(1 for r in finished if r.unjudged),
        "unjudged_why": next((r.unjudged for r in finished if r.unjudged), None),
        "worst": [_worst_entry(r) for r in worst(rows, worst_count)],
        "voice": by_group([(r.persona, r.voice) for r in finished]),
    }


def _worst_entry(row: Row) -> dict[str, Any]:
    return {
        "conversation_id": row.conversation_id,
        "agent": row.agent,
        "cell": row.cell,
        "repetition": row.repetition,
        "outcome": row.label,
        "end_reason": row.end_reason,
        "turns": row.turns,
        "rationale": row.rationale,
        "transcript": f"transcripts/{row.conversation_id}.md",
        "failed_criteria": [{"criterion": c, "evidence": e} for c, e in row.failed_criteria],
        "trajectory": list(row.trajectory),
    }


def criteria_table(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Per task criterion: how often it passed and failed, its pass rate with a 95 % Wilson
    interval (failures first)."""
    return _tally(rows, "criterion", lambda criterion: criterion)


#: A criterion's kind from its name's prefix (``action:…``, ``nl:…``, ``end_state`` …).
_KIND_OF_PREFIX = {"nl": "nl_assertion"}


def criteria_by_kind(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Per kind of criterion (end state, actions, facts, outcome, NL assertions): passes,
    failures and rate — what a suite of many tasks fails at, at a glance."""

    def kind(criterion: str) -> str:
        prefix = criterion.split(":", 1)[0]
        return _KIND_OF_PREFIX.get(prefix, prefix)

    return _tally(rows, "kind", kind)


def _tally(rows: Sequence[Row], label: str, group: Callable[[str], str]) -> list[dict[str, Any]]:
    """Passes, failures and rate of the rows' criteria grouped by ``group`` (failures first)."""
    counts: dict[str, list[int]] = {}
    for row in rows:
        for criterion, passed in row.criteria.items():
            counts.setdefault(group(criterion), [0, 0])[0 if passed else 1] += 1
    table = [
        {label: name, "passed": p, "failed": f, "rate": p / (p + f), "ci95": _ci95(p, p + f)}
        for name, (p, f) in counts.items()
    ]
    return sorted(table, key=lambda item: (-item["failed"], item[label]))


def _ci95(passed: int, total: int) -> object:
    """The 95 % Wilson interval of ``passed`` of ``total``, as the success rate states it."""
    return Rate(successes=passed, total=total).to_dict()["ci95"]


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)
