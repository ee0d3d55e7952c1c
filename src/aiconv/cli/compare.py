"""``aic compare BASELINE CANDIDATE``: two runs of one suite, paired trial by trial; a table or
JSON; Markdown, HTML and JSON files with both transcripts of every regression and improvement;
``--fail-on-regression`` exits 3 when the candidate is significantly worse.

Either side may be one agent of a matrix run (``RUN/AGENT``), so two agents of one run compare
too. Exit codes: 0, 1 when no trial finished in both runs (nothing was compared), 2 for bad
input or an unknown run, 3 when the gate fails.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aiconv.cli.command import command
from aiconv.cli.options import json_option, log_options, option, refuse_alone
from aiconv.cli.report import conclude_gate, require_log, transcripts_of
from aiconv.cli.tables import print_named
from aiconv.cli.values import FINITE
from aiconv.cli.wiring import LogOptions, Runtime
from aiconv.cli.writable import check_writable_dir
from aiconv.errors import ConfigError
from aiconv.platform.markdown import visible_controls
from aiconv.queues.urls import connect_log
from aiconv.simulation import compare, gate
from aiconv.simulation import render_compare as render
from aiconv.simulation.rows import collect
from aiconv.simulation.runs import split_target

#: ``aic compare`` exits with this code when no trial finished in both runs (whatever the gate).
EXIT_NOTHING_COMPARED = 1


def check_alpha(alpha: float) -> float:
    """A significance level strictly between 0 and 1; ConfigError otherwise."""
    if not (math.isfinite(alpha) and 0.0 < alpha < 1.0):
        raise ConfigError(f"--alpha must be between 0 and 1, e.g. 0.05 (got {alpha})")
    return alpha


@command(name="compare")
@click.argument("baseline", metavar="BASELINE_RUN[/AGENT]")
@click.argument("candidate", metavar="CANDIDATE_RUN[/AGENT]")
@json_option(help="Print the JSON document instead of the table.")
@option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to write compare.md, compare.html, compare.json and transcripts/ "
    "(default: reports/compare-BASELINE-vs-CANDIDATE).",
)
@option(
    "--fail-on-regression",
    is_flag=True,
    help="Exit 3 when the candidate is significantly worse on METRIC.",
)
@option(
    "--alpha",
    type=FINITE,  # ASCII digits, no NaN; check_alpha says what a significance level must be
    default=0.05,
    show_default=True,
    help="Significance level of the two-sided exact test.",
)
@option(
    "--metric",
    default="success",
    show_default=True,
    help="What --fail-on-regression gates: success or pass^K.",
)
@option(
    "--allow-incomplete",
    is_flag=True,
    help="Let the gate pass although a run has unfinished or unpaired conversations.",
)
@log_options
def compare_command(baseline: str, candidate: str, **kw: Any) -> None:
    """Compare CANDIDATE_RUN against BASELINE_RUN, trial by trial, and gate a release on it."""
    alpha = check_alpha(kw["alpha"])
    metric = gate.Metric.parse(kw["metric"])
    if metric.lower_is_better or metric.criterion:
        raise ConfigError(f"--metric {kw['metric']!r}: aic compare gates success or pass^K")
    if not kw["fail_on_regression"]:  # they would gate nothing, exit 0
        refuse_alone("metric", "--metric", "--fail-on-regression")
        refuse_alone("allow_incomplete", "--allow-incomplete", "--fail-on-regression")
    base, cand = split_target(baseline), split_target(candidate)
    name = f"compare-{baseline}-vs-{candidate}".replace("/", "-")
    out = kw["out_dir"] or Path("reports") / name
    check_writable_dir(out)
    runtime = Runtime.load(LogOptions.of(kw))
    require_log(runtime.log_url, base[0])
    doc, transcripts = asyncio.run(_compare(runtime, (baseline, base), (candidate, cand), alpha))
    verdict = None
    if kw["fail_on_regression"]:
        verdict = gate.evaluate_compare(doc, metric=metric, allow_incomplete=kw["allow_incomplete"])
    doc["gate"] = verdict.as_dict() if verdict is not None else None
    render.write_compare(doc, transcripts, out)
    if kw["as_json"]:
        click.echo(json.dumps(doc, indent=2))
    else:
        print_compare(Console(), doc)
        written = ", ".join(str(out / f"compare.{x}") for x in ("md", "html", "json"))
        click.echo(f"wrote {visible_controls(written)}")
    nothing = render.nothing_to_compare(doc)
    if nothing is not None:  # not a regression (3): the release was never compared
        click.echo(f"error: {nothing}", err=True)
        sys.exit(EXIT_NOTHING_COMPARED)
    conclude_gate(verdict)


async def _compare(
    runtime: Runtime,
    baseline: tuple[str, tuple[str, str | None]],
    candidate: tuple[str, tuple[str, str | None]],
    alpha: float,
) -> tuple[dict[str, Any], dict[str, str]]:
    log = await connect_log(runtime.log_url, "read")
    try:
        base_rows = await collect(log, *baseline[1])
        cand_rows = await collect(log, *candidate[1])
        for (run_id, agent), rows in ((baseline[1], base_rows), (candidate[1], cand_rows)):
            if agent is None:
                compare.check_one_agent(run_id, rows)
        doc = compare.build(baseline[0], candidate[0], base_rows, cand_rows, alpha=alpha)
        return doc, await transcripts_of(log, render.transcript_ids(doc))
    finally:
        await log.close()


#: Which metric columns a narrow terminal leaves out first (the highest): the test's name, then
#: the two rates, then the interval; the change, its p-value and the verdict stay.
METRIC_RANKS = (3, 3, 1, 2, 1, 4, 1)
#: The same for the pass^k by cell table (no test column: always the exact paired permutation).
CELL_RANKS = (3, 3, 1, 2, 1, 1)


def print_compare(console: Console, doc: dict[str, Any]) -> None:
    """Warnings, the headline, the rate metrics, each cell's pass^k, cost and latency, the
    regressions."""
    for warning in render.warnings(doc):
        console.print(f"[bold yellow]warning:[/bold yellow] {escape(warning)}", highlight=False)
    console.print(f"[bold]{escape(render.headline(doc))}[/bold]", highlight=False)
    rows = render.metric_rows([*doc["metrics"], *doc["criteria"]])
    print_named(console, "candidate minus baseline", render.METRIC_COLUMNS, rows, METRIC_RANKS)
    print_cells(console, doc["cells"])
    usage = Table("figure", "baseline", "candidate", "change")
    for row in render.usage_rows(doc["usage"]):
        usage.add_row(*(escape(cell) for cell in row))
    console.print(usage)
    if doc["regressions"]:
        changed = [
            [
                f"{c['cell']} #{c['repetition']}",
                f"{c['baseline']['outcome']} {c['baseline']['conversation_id'][:12]}",
                f"{c['candidate']['outcome']} {c['candidate']['conversation_id'][:12]}",
                str(c["candidate"]["rationale"])[:120],
            ]
            for c in doc["regressions"]
        ]
        headers = ("trial", "baseline", "candidate", "why (candidate)")
        print_named(console, "regressions", headers, changed, (1, 1, 2))


def print_cells(console: Console, cells: list[dict[str, Any]]) -> None:
    """Each changed cell's pass^k for k = 1 … its pairs (a cell the same at every k in both runs
    is counted, not listed: the pages list every cell), and which cells the runs finished
    differently."""
    changed = [c for c in cells if any(r["delta"] for r in c["pass_hat_k"])]
    rows = [
        [f"{c['cell']} pass^{r['k']}", *shown[1:6], shown[7]]
        for c in changed
        for r, shown in zip(c["pass_hat_k"], render.metric_rows(c["pass_hat_k"]), strict=True)
    ]
    if rows:
        headers = ("cell pass^k", *render.CELL_PASS_HAT_COLUMNS[2:])
        print_named(console, "pass^k by cell, candidate minus baseline", headers, rows, CELL_RANKS)
    same = len(cells) - len(changed)
    if same:
        cells_word = "cell" if same == 1 else "cells"
        line = f"pass^k by cell: {same} of {len(cells)} {cells_word} the same at every k"
        console.print(
            f"{line} in both runs (every cell in compare.md and compare.html)", highlight=False
        )
    for c in cells:
        if not c["complete"]:
            line = f"cell {c['cell']}: {render.pairs_text(c)} (pass^k up to k = {c['pairs']})"
            console.print(f"[bold yellow]incomplete:[/bold yellow] {escape(line)}", highlight=False)
