"""The simulation report as Markdown: the success rate and pass^k, agents, outcomes, groups,
cells, usage, voice, criteria, judge scores, realism and the worst transcripts. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiconv.platform.markdown import inline
from aiconv.simulation.render import (
    AGENT_COLUMNS,
    END_REASONS,
    VOICE_COLUMNS,
    MarkdownCell,
    agent_rows,
    curve_text,
    interval,
    md_cell,
    md_gate,
    md_table,
    outcomes_text,
    pass_at,
    percent,
    pooled_label,
    rate_text,
    usage_rows,
    voice_rows,
    warnings,
)
from aiconv.simulation.scores import SCORE_COLUMNS, score_rows


def render_markdown(doc: Mapping[str, Any]) -> str:
    """The report as Markdown."""
    lines = [f"# Simulation report: {md_cell(doc['scenario'])} ({md_cell(doc['run_id'])})", ""]
    lines += [f"> **Warning:** {md_cell(w)}\n" for w in warnings(doc)]
    lines += md_gate(doc.get("gate"))
    lines += _md_success(doc)
    if len(doc["agents"]) > 1:
        lines += ["## Agents under test", "", *md_table(AGENT_COLUMNS, agent_rows(doc["agents"]))]
    lines += ["## Outcomes", "", *md_table(["outcome", "conversations"], doc["outcomes"].items())]
    lines += _md_groups(doc)
    cells = [
        [
            c["cell"],
            c["n"],
            c["successes"],
            " · ".join(percent(v) for v in c["pass_hat_k"]),
            percent(c["pass_at_k"]),
        ]
        for c in doc["cells"]
    ]
    lines += ["## Cells (persona × intent)", ""]
    lines += md_table(["cell", "n", "successes", "pass^k (k = 1…n)", "pass@k (k = n)"], cells)
    lines += ["## Usage", "", *md_table(["figure", "value"], usage_rows(doc["usage"]))]
    if doc.get("voice"):
        lines += ["## Voice", "", *_md_voice(doc["voice"])]
    if doc.get("criteria"):
        lines += _md_criteria(doc)
    if doc.get("scores"):
        lines += ["## Judge scores (1–5)", "", *md_table(SCORE_COLUMNS, score_rows(doc["scores"]))]
    if doc.get("realism"):
        lines += ["## Realism", "", md_cell(doc["realism"]["summary"]), ""]
    lines += ["## Worst transcripts", "", *_md_worst(doc["worst"])]
    lines += _md_trajectories(doc["worst"])
    return "\n".join(lines)


def _md_success(doc: Mapping[str, Any]) -> list[str]:
    """The success rate and the pass^k curve."""
    curve = [
        [
            p["k"],
            percent(p["value"]),
            interval(p["ci95"]),
            percent(pass_at(doc, p["k"])),
            p["cells"],
        ]
        for p in doc["pass_hat_k"]
    ]
    pooled = pooled_label(doc)
    lead = f"Success rate: {rate_text(doc['success'])}"
    if pooled:
        lead = "Success rate " + "; ".join(
            f"of {inline(str(a['agent']))}: {rate_text(a['success'])}" for a in doc["agents"]
        )
        lead += f"; {pooled}: {rate_text(doc['success'])}"
    return [
        f"**{lead}** over {doc['finished']} finished "
        f"conversations ({doc['failed']} failed, {doc['unfinished']} unfinished); "
        f"up to {doc['k']} repetitions per cell.",
        "",
        f"## pass^k (all k tries of a cell succeed){', ' + pooled if pooled else ''}",
        "",
        "pass@k: at least one of k tries of a cell succeeds.",
        "",
        *md_table(["k", "pass^k", "95% interval", "pass@k", "cells"], curve),
    ]


def _md_criteria(doc: Mapping[str, Any]) -> list[str]:
    """The task criteria, tallied by kind, then one by one."""
    rows = [[c["criterion"], c["passed"], c["failed"], percent(c["rate"])] for c in doc["criteria"]]
    kinds = [
        [c["kind"], c["passed"], c["failed"], percent(c["rate"])]
        for c in doc.get("criteria_by_kind", [])
    ]
    return [
        *["## Criteria by kind", "", *md_table(["kind", "passed", "failed", "rate"], kinds)],
        *["## Criteria", "", *md_table(["criterion", "passed", "failed", "rate"], rows)],
    ]


def _md_trajectories(worst: Sequence[Mapping[str, Any]]) -> list[str]:
    """For each worst conversation that used tools or failed criteria: what it did and why."""
    lines: list[str] = []
    for w in worst:
        if not (w.get("trajectory") or w.get("failed_criteria")):
            continue
        lines += [f"### {md_cell(w['conversation_id'][:12])} ({md_cell(w['cell'])})", ""]
        lines += [
            f"- failed {md_cell(c['criterion'])}: {md_cell(c['evidence'])}"
            for c in w.get("failed_criteria", [])
        ]
        lines += [f"1. {md_cell(step)}" for step in w.get("trajectory", [])]
        lines.append("")
    return lines


def _md_groups(doc: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for title, key in (("persona", "by_persona"), ("intent", "by_intent"), ("task", "by_task")):
        rows = [
            [n, rate_text(g["success"]), curve_text(g["pass_hat_k"]), outcomes_text(g["outcomes"])]
            for n, g in doc[key].items()
        ]
        if rows:
            header = [title, "success", "pass^k (k = 1…n)", "outcomes"]
            lines += [f"## By {title}", "", *md_table(header, rows)]
    return lines


def _md_voice(voice: Mapping[str, Any]) -> list[str]:
    return md_table(VOICE_COLUMNS, voice_rows(voice))


def _md_worst(worst: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = [
        [
            MarkdownCell(f"[{md_cell(w['conversation_id'][:12])}]({w['transcript']})"),
            w["cell"],
            w["outcome"],
            END_REASONS.get(w["end_reason"] or "active", w["end_reason"]),
            w["turns"],
            w["rationale"],
        ]
        for w in worst
    ]
    return md_table(["conversation", "cell", "outcome", "ended", "turns", "why"], rows)
