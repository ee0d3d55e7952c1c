"""``aic report RUN[/AGENT]``: a run's figures as a table or JSON; Markdown, HTML and JSON files;
a release gate on any metric and on its interval's bound.

Exit codes: 0, 2 for bad input or an unknown run, 3 when the gate fails (below the bar, an
incomplete run without ``--allow-incomplete``, a run that mixes scenarios).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aiconv.cli.command import command
from aiconv.cli.options import json_option, log_options, option, refuse_alone
from aiconv.cli.tables import Field, one_line, print_named, print_table
from aiconv.cli.values import FINITE, TEXT, count
from aiconv.cli.wiring import LogOptions, Runtime
from aiconv.cli.writable import check_writable_dir
from aiconv.errors import ConfigError
from aiconv.extras import require_extra
from aiconv.platform.conductor import Conductor
from aiconv.platform.exports import export_markdown
from aiconv.platform.markdown import visible_controls
from aiconv.queues.log import ConversationLog
from aiconv.queues.urls import connect_log
from aiconv.simulation import gate, render, report, report_files
from aiconv.simulation.junit import render_junit
from aiconv.simulation.rows import collect
from aiconv.simulation.runs import split_target
from aiconv.simulation.scores import SCORE_COLUMNS, score_rows

#: ``aic report`` exits with this code when its gate fails (and ``aic compare`` on a regression).
EXIT_GATE_FAILED = 3


def gate_options(func: Any) -> Any:
    """``--fail-under``, ``--fail-over``, ``--metric``, ``--bound``, ``--allow-incomplete``."""
    func = option(
        "--allow-incomplete",
        is_flag=True,
        help="Let the gate pass on a run with unfinished or missing conversations.",
    )(func)
    func = option(
        "--bound",
        type=click.Choice(gate.BOUNDS),
        default="point",
        show_default=True,
        help="Gate on the estimate or on its 95% interval's lower (or upper) end.",
    )(func)
    func = option(
        "--metric",
        default="success",
        show_default=True,
        help="What is gated: success, pass^K (e.g. pass^2) or criterion:NAME with --fail-under; "
        "cost (mean USD a conversation), cost_per_resolved or latency_p95 (seconds) with "
        "--fail-over.",
    )(func)
    func = option(
        "--fail-over",
        type=FINITE,  # ASCII digits, no NaN; gate.threshold_of says what a limit must be
        help="Exit 3 when METRIC (a cost or latency) is above LIMIT.",
    )(func)
    return option(
        "--fail-under",
        type=FINITE,  # ASCII digits, no NaN; gate.check_threshold says what a rate must be
        help="Exit 3 when METRIC (a rate) is below RATE (0..1).",
    )(func)


@command(name="report")
@click.argument("target", metavar="RUN[/AGENT]")
@json_option(help="Print the JSON document instead of the table.", old_names=("AIC_REPORT_JSON",))
@option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to write report.md, report.html, report.json, report.xml (JUnit) and "
    "transcripts/ "
    "(default: reports/RUN).",
)
@option(
    "--worst",
    type=count(0, 1000),
    default=10,
    show_default=True,
    help="Worst transcripts to link.",
)
@option(
    "--realism",
    is_flag=True,
    help="Add how well a classifier tells the run's simulated customers from the imported "
    "real ones (50% = indistinguishable; needs the learning extra).",
)
@option(
    "--realism-source",
    type=TEXT,
    help="Real customers from this imported source (default: all).",
)
@gate_options
@log_options
def report_command(target: str, **kw: Any) -> None:
    """Report the outcomes of simulation run RUN (or of one agent of a matrix run) and gate a
    release on them."""
    metric = gate.Metric.parse(kw["metric"])
    threshold = gate.threshold_of(metric, kw["fail_under"], kw["fail_over"], kw["bound"])
    if threshold is None:  # a gate's settings without its threshold would gate nothing, exit 0
        for name in ("metric", "bound", "allow_incomplete"):
            refuse_alone(name, f"--{name.replace('_', '-')}", "--fail-under or --fail-over")
    if kw["realism"]:
        require_extra("learning", "aic report --realism")
    else:
        refuse_alone("realism_source", "--realism-source", "--realism")
    run_id, agent = split_target(target)
    out = kw["out_dir"] or Path("reports") / target.replace("/", "-")
    check_writable_dir(out)
    runtime = Runtime.load(LogOptions.of(kw))
    require_log(runtime.log_url, run_id)
    doc, transcripts, junit = asyncio.run(_report(runtime, run_id, agent, kw["worst"]))
    if kw["realism"]:
        doc["realism"] = asyncio.run(_realism(runtime, run_id, kw["realism_source"]))
    gate.check_known(doc, metric)
    verdict = None
    if threshold is not None:
        verdict = gate.evaluate(
            doc,
            threshold=threshold,
            metric=metric,
            bound=kw["bound"],
            allow_incomplete=kw["allow_incomplete"],
        )
    doc["gate"] = verdict.as_dict() if verdict is not None else None
    report_files.write_report(doc, transcripts, out, junit)
    if kw["as_json"]:
        click.echo(json.dumps(doc, indent=2))
    else:
        print_report(Console(), doc)
        written = ", ".join(str(out / f"report.{x}") for x in ("md", "html", "json", "xml"))
        click.echo(f"wrote {visible_controls(written)}")
    conclude_gate(verdict)


def conclude_gate(verdict: gate.GateResult | None) -> None:
    """Say why a gate failed (one line each on stderr) and exit 3; nothing without a gate."""
    if verdict is None:
        return
    for reason in verdict.reasons:
        click.echo(f"gate failed: {reason}", err=True)
    if not verdict.passed:
        sys.exit(EXIT_GATE_FAILED)


def require_log(log_url: str, run_id: str) -> None:
    """ConfigError (as for an unknown run) when the SQLite log file does not exist: reading a
    report must not create an empty log."""
    try:
        parts = urlsplit(log_url)
    except ValueError:  # an unclosed IPv6 bracket: the log's opening says what is wrong
        return
    if parts.scheme == "sqlite" and not Path(unquote(parts.path[1:])).exists():
        raise ConfigError(f"no conversations with run id {run_id!r} (see `aic ls --run-id`)")


async def _report(
    runtime: Runtime, run_id: str, agent: str | None, worst: int
) -> tuple[dict[str, Any], dict[str, str], str]:
    """The report document, the worst transcripts and the JUnit form of the run."""
    log = await connect_log(runtime.log_url, "read")
    try:
        rows = await collect(log, run_id, agent)
        doc = report.build(run_id, rows, worst_count=worst)
        ids = [str(w["conversation_id"]) for w in doc["worst"]]
        return doc, await transcripts_of(log, ids), render_junit(doc["run_id"], rows)
    finally:
        await log.close()


async def _realism(runtime: Runtime, run_id: str, source: str | None) -> dict[str, Any]:
    from aiconv.learning.library import offline_realism

    log = await connect_log(runtime.log_url, "read")
    try:
        found = await offline_realism(log, run_id, source)
    except (ValueError, ConfigError) as exc:  # too few messages, an unknown run or source
        raise ConfigError(f"--realism: {exc}") from None
    finally:
        await log.close()
    return dict(found.as_dict())


async def transcripts_of(log: ConversationLog, ids: list[str]) -> dict[str, str]:
    """Markdown transcripts of ``ids``."""
    conductor = Conductor(log)
    return {cid: export_markdown(await conductor.load(cid)) for cid in dict.fromkeys(ids)}


def print_report(console: Console, doc: dict[str, Any]) -> None:
    """Completeness first, the headline, the pass^k curve, groups, cells, usage, voice, the
    agents."""
    for warning in render.warnings(doc):
        console.print(f"[bold yellow]warning:[/bold yellow] {escape(warning)}", highlight=False)
    console.print(
        f"[bold]{escape(one_line(str(doc['scenario'])))}[/bold] run {escape(doc['run_id'])}: "
        f"{escape(one_line(render.headline(doc)))}",
        highlight=False,
    )
    pooled = render.pooled_label(doc)
    title = f"pass^k, {pooled}" if pooled else "pass^k"
    curve = Table("k", "pass^k", "95% interval", "pass@k", "cells", title=title)
    for point in doc["pass_hat_k"]:
        curve.add_row(
            str(point["k"]),
            render.percent(point["value"]),
            render.interval(point["ci95"]),
            render.percent(render.pass_at(doc, point["k"])),
            str(point["cells"]),
        )
    console.print(curve)
    print_groups(console, doc)
    usage = Table("figure", "value", title="usage")
    for label, value in render.usage_rows(doc["usage"]):
        usage.add_row(label, escape(value))
    console.print(usage)
    if doc.get("voice"):
        print_voice(console, doc["voice"])
    print_grading(console, doc)
    if doc.get("realism"):
        console.print(f"realism: {escape(doc['realism']['summary'])}", highlight=False)
    if len(doc["agents"]) > 1:
        print_agents(console, doc["agents"])


def print_voice(console: Console, voice: dict[str, Any]) -> None:
    """The voice metrics by persona, fitted to the terminal: no header or figure is cut."""
    print_named(console, "voice", render.VOICE_COLUMNS, render.voice_rows(voice))


#: The groups and cells tables: names (task ids, persona × task cells) are what a user copies
#: into the next command, so they are never cut; outcomes go first on a narrow terminal.
GROUP_FIELDS = (
    Field("by", wrap=False),
    Field("group", identifier=True),
    Field("success"),
    Field("pass^k (k = 1…n)", rank=1),
    Field("outcomes", rank=2),
)
CELL_FIELDS = (
    Field("cell", identifier=True),
    Field("n", wrap=False),
    Field("successes", wrap=False),
    Field("pass^k (k = 1…n)"),
    Field("pass@k (k = n)", wrap=False, rank=1),
)


def print_groups(console: Console, doc: dict[str, Any]) -> None:
    """Success by persona, intent and task, then per cell, fitted to the terminal."""
    groups = [
        [
            key[3:],
            name,
            render.rate_text(group["success"]),
            render.curve_text(group["pass_hat_k"]),
            render.outcomes_text(group["outcomes"]),
        ]
        for key in ("by_persona", "by_intent", "by_task")
        for name, group in doc[key].items()
    ]
    print_table(console, GROUP_FIELDS, groups)
    cells = [
        [
            cell["cell"],
            str(cell["n"]),
            str(cell["successes"]),
            " · ".join(render.percent(v) for v in cell["pass_hat_k"]),
            render.percent(cell["pass_at_k"]),
        ]
        for cell in doc["cells"]
    ]
    print_table(console, CELL_FIELDS, cells)


def print_grading(console: Console, doc: dict[str, Any]) -> None:
    """A task suite's criteria (failures first) and the judge's rubric scores, when graded."""
    if doc.get("criteria_by_kind"):
        kinds = Table("kind", "passed", "failed", "rate", title="criteria by kind")
        for c in doc["criteria_by_kind"]:
            kinds.add_row(c["kind"], str(c["passed"]), str(c["failed"]), render.percent(c["rate"]))
        console.print(kinds)
    if doc.get("criteria"):
        rows = [
            [c["criterion"], str(c["passed"]), str(c["failed"]), render.percent(c["rate"])]
            for c in doc["criteria"]
        ]
        print_named(console, "criteria", ("criterion", "passed", "failed", "rate"), rows)
    if doc.get("scores"):
        scores = Table(*SCORE_COLUMNS, title="judge scores (1–5)")
        for row in score_rows(doc["scores"]):
            scores.add_row(*(escape(cell) for cell in row))
        console.print(scores)


#: Which of the matrix's columns a narrow terminal leaves out first (the highest).
AGENT_RANKS = (1, 1, 2, 3, 2, 4)


def print_agents(console: Console, agents: list[dict[str, Any]]) -> None:
    """The matrix side by side."""
    rows = [[str(cell) for cell in row] for row in render.agent_rows(agents)]
    print_named(console, "agents under test", render.AGENT_COLUMNS, rows, AGENT_RANKS)
