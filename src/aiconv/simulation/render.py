"""The report document for people: human labels and units, Markdown tables, and HTML.

Pure formatting: the figures come from ``report.build``; the HTML page and its charts from
``page.py``; the Markdown report from ``report_markdown``; ``report_files`` writes them into a
directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiconv.platform.markdown import inline
from aiconv.simulation import page
from aiconv.simulation.gate import Metric, incomplete_text

#: End reasons as people say them.
END_REASONS = {
    "closing": "said goodbye",
    "cost_budget": "cost budget reached",
    "end_token": "agent closed the chat",
    "error": "error",
    "interrupted": "interrupted",
    "loop": "stuck in a loop",
    "max_turns": "turn limit reached",
    "max_turns_per_participant": "turn limit per participant",
    "outcome": "outcome agreed",
    "stop": "participant stopped",
    "timeout": "time limit reached",
    "token_budget": "token budget reached",
    "provider_error": "provider error",
    "provider_unavailable": "provider unavailable",
    "satisfied": "customer satisfied",
    "transferred": "transferred to a human",
    "out_of_scope": "out of scope",
    "max_tool_rounds": "too many tool rounds",
    "active": "still running",
}


def percent(value: float | None) -> str:
    """``0.8312`` -> ``83.1%``; ``-`` for None."""
    return "-" if value is None else f"{value * 100:.1f}%"


def points(value: float | None) -> str:
    """A difference of rates in percentage points: ``-0.125`` -> ``-12.5 pp``."""
    return "-" if value is None else f"{value * 100:+.1f} pp"


def p_text(value: float | None) -> str:
    """``0.0031`` -> ``0.0031``; ``< 0.0001``; ``-``."""
    if value is None:
        return "-"
    return "< 0.0001" if value < 0.0001 else f"{value:.4f}"


def interval(ci: Sequence[float] | None, unit: str = "%") -> str:
    """``[0.70, 0.91]`` -> ``70.0%–91.0%`` (``pp`` for differences)."""
    if not ci:
        return "-"
    if unit == "pp":
        return f"{ci[0] * 100:+.1f} to {ci[1] * 100:+.1f} pp"
    return f"{ci[0] * 100:.1f}%–{ci[1] * 100:.1f}%"


def rate_text(rate: Mapping[str, Any]) -> str:
    """``83.1% (95% CI 70.2–91.0%, 25/30)``."""
    ci = rate.get("ci95")
    inside = f"95% CI {interval(ci)}, " if ci else ""
    return f"{percent(rate.get('rate'))} ({inside}{rate['successes']}/{rate['total']})"


def headline(doc: Mapping[str, Any]) -> str:
    """The success figure a report leads with: one agent's rate, or in a matrix run every
    agent's rate and the pooled one labelled as pooled (never one pooled rate read as an
    agent's)."""
    agents = doc.get("agents") or []
    if len(agents) <= 1:
        return f"success {rate_text(doc['success'])}"
    each = "; ".join(f"{a['agent']} {rate_text(a['success'])}" for a in agents)
    return f"success by agent: {each}; {pooled_label(doc)} {rate_text(doc['success'])}"


def pooled_label(doc: Mapping[str, Any]) -> str:
    """``pooled across 3 agents`` in a matrix run, else empty."""
    count = len(doc.get("agents") or [])
    return f"pooled across {count} agents" if count > 1 else ""


def curve_text(curve: Sequence[Mapping[str, Any]]) -> str:
    """``k=1 83.1% · k=2 70.0%``."""
    return " · ".join(f"k={p['k']} {percent(p['value'])}" for p in curve) or "-"


def pass_at(doc: Mapping[str, Any], k: int) -> float | None:
    """The run's pass@k at ``k`` (at least one of k tries of a cell succeeds), None if not
    defined."""
    return next((p["value"] for p in doc.get("pass_at_k", ()) if p["k"] == k), None)


def outcomes_text(counts: Mapping[str, int]) -> str:
    """``resolved 12, escalated 3``."""
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def dollars(value: float | None) -> str:
    """``$0.0123`` (``-$0.0123`` below zero: a change); ``-`` for None."""
    if value is None:
        return "-"
    sign, size = ("-" if value < 0 else ""), abs(value)
    return f"{sign}${size:,.2f}" if size >= 100 else f"{sign}${size:.4f}"


def seconds(value: float | None) -> str:
    """``1.24 s``, ``85 ms`` or ``0.42 ms``."""
    if value is None:
        return "-"
    if abs(value) >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.0f} ms" if abs(value) >= 0.01 else f"{value * 1000:.2f} ms"


def count(value: float | None, digits: int = 0) -> str:
    """``3,127`` (``-`` for None)."""
    return "-" if value is None else f"{value:,.{digits}f}"


def end_reasons_text(reasons: Mapping[str, int]) -> str:
    """``turn limit reached 12, agent closed the chat 8``."""
    return ", ".join(f"{END_REASONS.get(k, k.replace('_', ' '))} {v}" for k, v in reasons.items())


def usage_rows(usage: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The usage figures with human labels and units."""
    return [
        (
            "Turns per conversation (mean / max)",
            f"{count(usage['turns_mean'], 1)} / {usage['turns_max']}",
        ),
        ("Tokens per conversation (mean)", count(usage["tokens_mean"])),
        ("Tokens in all", count(usage["tokens_total"])),
        ("Cost paid", dollars(usage["cost_usd_total"])),
        *_judging_rows(usage),
        ("Cost per conversation (without the cache)", dollars(usage["cost_usd_mean"])),
        ("Cost per resolved conversation", dollars(usage["cost_per_resolved_usd"])),
        (
            "Agent reply latency p50 / p95",
            f"{seconds(usage['agent_latency_s_p50'])} / {seconds(usage['agent_latency_s_p95'])}",
        ),
        ("Conversations with a loop", count(usage["conversations_with_loops"])),
        ("Replies from the response cache", count(usage["cache_hits"])),
        ("Saved by the response cache", dollars(usage["cache_saved_usd"])),
        ("How conversations ended", end_reasons_text(usage["end_reasons"]) or "-"),
    ]


def _judging_rows(usage: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The agents' and the judge's parts of the cost paid, when a model judged (reports
    written before judging cost was recorded have neither)."""
    models = usage.get("judge_models") or []
    if not models:
        return []
    return [
        ("Cost paid by the agents", dollars(usage["agents_cost_usd_total"])),
        (
            "Cost of judging",
            f"{dollars(usage['judge_cost_usd_total'])} "
            f"({count(usage['judge_tokens_total'])} tokens, {', '.join(models)})",
        ),
    ]


AGENT_COLUMNS = (
    "agent",
    "success",
    "pass^k (k = 1…n)",
    "cost per resolved",
    "cost per conversation",
    "latency p50 / p95",
    "tokens per conversation",
)


VOICE_COLUMNS = (
    "persona",
    "calls",
    "WER (by listener)",
    "gap p50 / p95",
    "first audio",
    "overlap / call",
    "interruptions",
)


def voice_rows(voice: Mapping[str, Any]) -> list[list[str]]:
    """The voice metrics of a report, overall (``all``) then by persona, as ``VOICE_COLUMNS``."""
    groups = [("all", voice["overall"]), *sorted(voice["by_persona"].items())]
    return [
        [
            name,
            str(v["conversations"]),
            ", ".join(f"{who} {percent(rate)}" for who, rate in v["wer"].items()),
            f"{seconds(v['response_gap_p50_s'])} / {seconds(v['response_gap_p95_s'])}",
            seconds(v["time_to_first_audio_s"]),
            seconds(v["overlap_s_mean"]),
            str(v["interruptions"]),
        ]
        for name, v in groups
    ]


def agent_rows(agents: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """One row per agent under test, in ``AGENT_COLUMNS`` order."""
    return [
        [
            str(a["agent"]),
            rate_text(a["success"]),
            curve_text(a["pass_hat_k"]),
            dollars(a["cost_per_resolved_usd"]),
            dollars(a["cost_usd_mean"]),
            f"{seconds(a['agent_latency_s_p50'])} / {seconds(a['agent_latency_s_p95'])}",
            count(a["tokens_mean"]),
        ]
        for a in agents
    ]


def warnings(doc: Mapping[str, Any]) -> list[str]:
    """What makes the figures less than the whole truth: an incomplete or mixed run,
    conversations that broke, and conversations a configured judge could not judge."""
    found = []
    if doc.get("failed"):
        agents = doc.get("agents", ())
        matrix = len(agents) > 1
        whose = ", ".join(f"{a['agent']}: {a['failed']}" for a in agents if matrix and a["failed"])
        found.append(
            f"{doc['failed']} of {doc['conversations']} conversations broke"
            f"{f' ({whose})' if whose else ''} (a provider failure, a replay cache miss) and "
            "count as unsuccessful; rerun the run id to retry them"
        )
    if doc.get("unjudged"):
        found.append(
            f"the judge could not judge {doc['unjudged']} of {doc['finished']} conversations "
            f"({doc['unjudged_why']}): their NL assertions and scores are missing"
        )
    if not doc["complete"]:
        found.append(f"incomplete run: {incomplete_text(doc)}; figures cover finished ones only")
    if doc["mixed"]:
        found.append(
            f"this run mixes {len(doc['suite_hashes'])} scenario versions "
            f"({', '.join(doc['scenarios'])}): its figures pool different suites"
        )
    return found


def gate_verdict(gate: Mapping[str, Any] | None) -> tuple[str, list[str]] | None:
    """The release gate of a document (``gate`` of ``aic report`` or ``aic compare``) as its
    pages state it: ``Release gate passed (…)`` or ``failed`` with its settings, and the reasons
    it failed; None without a gate. A page someone reads instead of the CI log says so."""
    if gate is None:
        return None
    metric = "success rate" if gate["metric"] == "success" else gate["metric"]
    if "alpha" in gate:  # aic compare --fail-on-regression
        what = f"--fail-on-regression on {metric}, alpha {gate['alpha']:g}"
    elif "fail_over" in gate:  # a cost or latency: lower is better, no interval
        figure = Metric.parse(gate["metric"])
        what = f"{figure.label('point')} --fail-over {figure.amount(gate['fail_over'])}"
    else:
        bound = "" if gate["bound"] == "point" else f" ({gate['bound']} 95% bound)"
        what = f"{metric}{bound} --fail-under {gate['fail_under'] * 100:.1f}%"
    if gate["allow_incomplete"]:
        what += ", --allow-incomplete"
    state = "passed" if gate["passed"] else "failed (exit code 3)"
    return f"Release gate {state}: {what}", list(gate["reasons"])


def md_gate(gate: Mapping[str, Any] | None) -> list[str]:
    """The release gate's verdict as Markdown lines (none without a gate)."""
    verdict = gate_verdict(gate)
    if verdict is None:
        return []
    title, reasons = verdict
    return [f"**{md_cell(title)}**", "", *[f"* {md_cell(r)}" for r in reasons], ""]


class MarkdownCell(str):
    """A table cell that is Markdown already (a link built from escaped parts)."""

    __slots__ = ()


def md_cell(value: object) -> str:
    """Table-safe and inert: one line, Markdown escaped, HTML turned into entities, control
    bytes shown as ``\\x1b``; a ``MarkdownCell`` as it is."""
    if isinstance(value, MarkdownCell):
        return str(value)
    return inline(str(value), entities=True)


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A Markdown table (every cell escaped) and a blank line."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def render_html(doc: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML page."""
    return page.render("report.html.j2", doc=doc)
