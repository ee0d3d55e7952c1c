"""Compare two runs of one suite (pure): a baseline and a candidate, paired trial by trial.

Conversations pair by cell and repetition (the trial seeds are shared across runs, see
``casting.trial_seed``). For the success rate: both rates, the difference with Newcombe's paired
interval and the exact McNemar test, and every regression and improvement with both
transcripts; for pass^k (k = 1 … n): the mean of the cells' differences with a t interval and
the exact sign-flip test; per criterion (when runs are graded by criteria) the same as success;
per cell its success and its pass^k for k = 1 … the repetitions finished in both runs (see
``paired.cell_pass_hat``); and the cost, token and latency deltas. Differences are candidate
minus baseline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiconv.errors import ConfigError
from aiconv.platform.projections import percentile
from aiconv.simulation.paired import (
    Difference,
    Discordance,
    cell_pass_hat,
    paired_means,
    paired_rate,
)
from aiconv.simulation.report import completeness
from aiconv.simulation.rows import Row
from aiconv.simulation.stats import mean
from aiconv.simulation.variants import safe_label


@dataclass(frozen=True, slots=True, kw_only=True)
class Pair:
    """The same trial (cell and repetition) in both runs."""

    baseline: Row
    candidate: Row

    @property
    def key(self) -> tuple[str, int]:
        """(cell, repetition)."""
        return self.baseline.cell, self.baseline.repetition


def check_one_agent(run_id: str, rows: Sequence[Row]) -> None:
    """ConfigError when ``rows`` (a whole run) hold several agents under test: their trials share
    cell and repetition, so pairing would match one agent's trial with another's."""
    names = sorted({safe_label(r.agent) for r in rows})
    if len(names) > 1:
        raise ConfigError(
            f"run {run_id!r} has {len(names)} agents under test ({', '.join(names)}): "
            f"compare one of them, as {run_id}/{names[0]}"
        )


def pair_rows(baseline: Sequence[Row], candidate: Sequence[Row]) -> tuple[list[Pair], int, int]:
    """Finished trials present in both runs, and how many of each run's rows did not pair."""
    finished = {(r.cell, r.repetition): r for r in candidate if r.finished}
    pairs = [
        Pair(baseline=r, candidate=finished[(r.cell, r.repetition)])
        for r in baseline
        if r.finished and (r.cell, r.repetition) in finished
    ]
    return pairs, len(baseline) - len(pairs), len(candidate) - len(pairs)


def verdict_of(diff: Difference, alpha: float) -> str:
    """``worse``, ``better`` or ``no significant change`` at ``alpha``; ``not compared`` when
    there was nothing to compare (no pair)."""
    if diff.delta is None:
        return "not compared"
    if diff.p_value is None or diff.p_value >= alpha or diff.delta == 0:
        return "no significant change"
    return "worse" if diff.delta < 0 else "better"


def _row(metric: str, label: str, diff: Difference, alpha: float, **extra: Any) -> dict[str, Any]:
    return {
        "metric": metric,
        "label": label,
        **diff.to_dict(),
        "verdict": verdict_of(diff, alpha),
        **extra,
    }


def _success_row(pairs: Sequence[Pair], alpha: float) -> dict[str, Any]:
    diff = paired_rate([(p.baseline.success, p.candidate.success) for p in pairs])
    regressions = sum(1 for p in pairs if p.baseline.success and not p.candidate.success)
    improvements = sum(1 for p in pairs if p.candidate.success and not p.baseline.success)
    return _row(
        "success", "Success rate", diff, alpha, regressions=regressions, improvements=improvements
    )


def _cells(pairs: Sequence[Pair]) -> dict[str, list[Pair]]:
    cells: dict[str, list[Pair]] = {}
    for pair in pairs:
        cells.setdefault(pair.key[0], []).append(pair)
    return dict(sorted(cells.items()))


def _pass_hat_rows(pairs: Sequence[Pair], alpha: float) -> list[dict[str, Any]]:
    cells = _cells(pairs)
    top = max((len(members) for members in cells.values()), default=0)
    rows = []
    for k in range(1, top + 1):
        values = [
            (
                _pass_hat(members, k, lambda p: p.baseline),
                _pass_hat(members, k, lambda p: p.candidate),
            )
            for members in cells.values()
            if len(members) >= k
        ]
        diff = paired_means(values)
        rows.append(_row(f"pass^{k}", f"pass^{k}", diff, alpha, k=k, cells=len(values)))
    return rows


def _pass_hat(members: Sequence[Pair], k: int, side: Callable[[Pair], Row]) -> float:
    successes = sum(side(p).success for p in members)
    return math.comb(successes, k) / math.comb(len(members), k)


def _criteria_rows(pairs: Sequence[Pair], alpha: float) -> list[dict[str, Any]]:
    """One row per criterion graded in both runs (``Row.criteria``)."""
    names = sorted({n for p in pairs for n in p.baseline.criteria if n in p.candidate.criteria})
    rows = []
    for name in names:
        both = [p for p in pairs if name in p.baseline.criteria and name in p.candidate.criteria]
        diff = paired_rate([(p.baseline.criteria[name], p.candidate.criteria[name]) for p in both])
        rows.append(_row(f"criterion:{name}", name, diff, alpha, pairs=len(both)))
    return rows


def _cell_rows(
    pairs: Sequence[Pair], baseline: Sequence[Row], candidate: Sequence[Row], alpha: float
) -> list[dict[str, Any]]:
    """Per cell: its success row, its pass^k for k = 1 … its pairs, and what did not pair."""
    rows = []
    for cell, members in _cells(pairs).items():
        unpaired = {
            "baseline": sum(r.cell == cell for r in baseline) - len(members),
            "candidate": sum(r.cell == cell for r in candidate) - len(members),
        }
        rows.append(
            {
                **_success_row(members, alpha),
                "metric": "success",
                "cell": cell,
                "pairs": len(members),
                "unpaired": unpaired,
                "complete": not any(unpaired.values()),
                "pass_hat_k": _cell_pass_hat_rows(members, alpha),
            }
        )
    return rows


def _cell_pass_hat_rows(members: Sequence[Pair], alpha: float) -> list[dict[str, Any]]:
    """One cell's pass^k, k = 1 … the repetitions finished in both runs (``cell_pass_hat``)."""
    counts = Discordance.of([(p.baseline.success, p.candidate.success) for p in members])
    return [
        _row(f"pass^{k}", f"pass^{k}", cell_pass_hat(counts, k), alpha, k=k)
        for k in range(1, len(members) + 1)
    ]


def _resolved_cost(rows: Sequence[Row]) -> float | None:
    wins = sum(r.success for r in rows)
    return sum(r.list_cost_usd for r in rows) / wins if wins else None


def _latency(fraction: float) -> Callable[[Sequence[Row]], float | None]:
    return lambda rows: percentile([x for r in rows for x in r.agent_latencies], fraction)


#: The usage figures of a comparison: key, label, unit, how to compute it over a run's rows.
USAGE: tuple[tuple[str, str, str, Callable[[Sequence[Row]], float | None]], ...] = (
    (
        "cost_usd_mean",
        "Cost per conversation (without the cache)",
        "usd",
        lambda rows: mean([r.list_cost_usd for r in rows]),
    ),
    ("cost_per_resolved_usd", "Cost per resolved conversation", "usd", _resolved_cost),
    (
        "tokens_mean",
        "Tokens per conversation",
        "tokens",
        lambda rows: mean([float(r.tokens) for r in rows]),
    ),
    (
        "turns_mean",
        "Turns per conversation",
        "turns",
        lambda rows: mean([float(r.turns) for r in rows]),
    ),
    ("agent_latency_s_p50", "Agent reply latency p50", "seconds", _latency(0.5)),
    ("agent_latency_s_p95", "Agent reply latency p95", "seconds", _latency(0.95)),
)


def _usage_rows(pairs: Sequence[Pair]) -> list[dict[str, Any]]:
    """Cost, tokens, turns and the agent's latency: baseline, candidate, change."""
    rows = []
    for key, label, unit, figure in USAGE:
        base = figure([p.baseline for p in pairs])
        cand = figure([p.candidate for p in pairs])
        delta = None if base is None or cand is None else cand - base
        rows.append(
            {
                "metric": key,
                "label": label,
                "unit": unit,
                "baseline": base,
                "candidate": cand,
                "delta": delta,
                "relative": delta / base if delta is not None and base else None,
            }
        )
    return rows


def _changed(pairs: Sequence[Pair], *, worse: bool) -> list[dict[str, Any]]:
    """Trials whose success flipped (worse: success -> failure), with links to both sides."""
    flipped = [
        p
        for p in pairs
        if p.baseline.success != p.candidate.success and p.baseline.success == worse
    ]
    return [
        {
            "cell": p.key[0],
            "repetition": p.key[1],
            "baseline": _side(p.baseline),
            "candidate": _side(p.candidate),
        }
        for p in flipped
    ]


def _side(row: Row) -> dict[str, Any]:
    return {
        "conversation_id": row.conversation_id,
        "outcome": row.label,
        "end_reason": row.end_reason,
        "turns": row.turns,
        "rationale": row.rationale,
        "transcript": f"transcripts/{row.conversation_id}.md",
    }


def _run_summary(target: str, rows: Sequence[Row]) -> dict[str, Any]:
    facts = completeness(rows)
    return {
        "run": target,
        "scenario": rows[0].scenario if rows else "",
        "agents": sorted({r.agent for r in rows}),
        **{
            k: facts[k]
            for k in (
                "planned",
                "conversations",
                "finished",
                "unfinished",
                "missing",
                "complete",
                "mixed",
                "suite_hashes",
            )
        },
    }


def build(
    baseline_target: str,
    candidate_target: str,
    baseline: Sequence[Row],
    candidate: Sequence[Row],
    *,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """The comparison document (the documented JSON form)."""
    pairs, unpaired_base, unpaired_cand = pair_rows(baseline, candidate)
    base, cand = _run_summary(baseline_target, baseline), _run_summary(candidate_target, candidate)
    return {
        "baseline": base,
        "candidate": cand,
        "same_suite": base["suite_hashes"] == cand["suite_hashes"] and not base["mixed"],
        "alpha": alpha,
        "pairs": len(pairs),
        "unpaired": {"baseline": unpaired_base, "candidate": unpaired_cand},
        "complete": base["complete"] and cand["complete"] and not (unpaired_base or unpaired_cand),
        "metrics": [_success_row(pairs, alpha), *_pass_hat_rows(pairs, alpha)],
        "criteria": _criteria_rows(pairs, alpha),
        "cells": _cell_rows(pairs, baseline, candidate, alpha),
        "usage": _usage_rows(pairs),
        "regressions": _changed(pairs, worse=True),
        "improvements": _changed(pairs, worse=False),
    }
