"""``aic simulate`` (run or resume a scenario matrix with a live progress bar) and ``aic report``
(the run's figures as a table or JSON; Markdown, HTML and JSON files; a CI gate).

Exit codes: ``simulate`` 0 when every conversation finished, 1 when some failed (rerun with the
same ``--run-id`` to retry them), 2 for bad input, 130 when interrupted (rerun to resume);
``report`` 0, 2 for bad input or an unknown run, 3 when the success rate is below
``--fail-under``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from aiconv.agents.guarded import GuardConfig, Guards
from aiconv.agents.provider import ChatProvider
from aiconv.cli.options import EXIT_INTERRUPTED, friendly_errors, log_options, option
from aiconv.cli.telemetry import Telemetry, start_telemetry, telemetry_options
from aiconv.cli.wiring import Runtime, run_interruptibly
from aiconv.errors import ConfigError
from aiconv.platform.conductor import Conductor
from aiconv.platform.exports import export_markdown
from aiconv.queues.log import ConversationLog
from aiconv.queues.urls import connect_log
from aiconv.simulation import render, report
from aiconv.simulation.batch import BatchRunner, ProviderFactory, Tally
from aiconv.simulation.channel import HttpAgentProvider
from aiconv.simulation.scenario import Scenario, Seat, load_scenario

#: ``aic report --fail-under`` exits with this code when the success rate is below the bar.
EXIT_BELOW_BAR = 3


def seat_factory(runtime: Runtime, telemetry: Telemetry) -> ProviderFactory:
    """Instrumented providers for scenario seats: a guarded HTTP channel for ``url``, else the
    agent registry."""

    def build(seat: Seat) -> ChatProvider:
        if seat.url:
            channel = HttpAgentProvider(
                seat.url,
                format=seat.format,
                timeout_s=seat.timeout_s,
                headers=seat.headers,
                model=seat.model or "external",
            )
            # the channel's own timeout fires first; the guard adds retries and a breaker
            guarded = Guards(
                GuardConfig(timeout=seat.timeout_s + 5.0), observer=telemetry.guard_observer
            ).wrap(channel)
            return telemetry.instrument(guarded)
        spec = runtime.registry.resolve(seat.agent, model=seat.model)
        return telemetry.instrument(runtime.provider(spec))

    return build


_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def check_run_id(run_id: str) -> str:
    """``run_id`` if it is safe in file names and URLs; ConfigError otherwise."""
    if not _RUN_ID.match(run_id):
        raise ConfigError(
            f"run id {run_id!r} must be 1-100 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    return run_id


def new_run_id(scenario: Scenario) -> str:
    """``<scenario slug>-<yyyymmdd-hhmmss>-<4 hex>``."""
    slug = re.sub(r"[^a-z0-9]+", "-", scenario.name.lower()).strip("-")[:32] or "run"
    return f"{slug}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


class ProgressView:
    """A rich progress bar fed by the batch's tally."""

    def __init__(self, console: Console, total: int) -> None:
        self.progress = Progress(
            TextColumn("[bold]simulating"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.task = self.progress.add_task("run", total=total, status="")

    def update(self, tally: Tally) -> None:
        """Show the tally (called on every change; rich throttles the redraw)."""
        self.progress.update(
            self.task, completed=tally.done + tally.failed, status=status_line(tally)
        )


def status_line(tally: Tally) -> str:
    """``done 12 · running 8 · failed 1 · resolved 9, escalated 3 · $0.0412``."""
    outcomes = ", ".join(f"{k} {v}" for k, v in tally.outcomes.most_common())
    parts = [f"done {tally.done}", f"running {tally.running}", f"failed {tally.failed}"]
    if outcomes:
        parts.append(outcomes)
    parts.append(f"${tally.cost_usd:.4f}")
    return " · ".join(parts)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """What ``aic simulate`` was asked to do."""

    scenario: Scenario
    path: Path
    run_id: str
    parallel: int
    repeat: int | None
    quiet: bool


@click.command()
@click.argument("scenario_file", type=click.Path(path_type=Path, dir_okay=False))
@option("--parallel", type=int, default=10, show_default=True, help="Conversations at once.")
@option("--repeat", type=int, help="Repetitions per persona × intent (default: the file's).")
@option("--run-id", help="Run id; rerun with the same id to resume (default: a new one).")
@option(
    "--time",
    "time_mode",
    type=click.Choice(["fast", "real"]),
    help="Simulated time without sleeping, or real typing delays (default: the file's).",
)
@option("--quiet", is_flag=True, help="No progress bar; print only the final line.")
@log_options
@telemetry_options
@friendly_errors
def simulate(scenario_file: Path, **kw: Any) -> None:
    """Run every persona × intent of SCENARIO_FILE against the agent under test.

    Rerunning with the same --run-id resumes: finished conversations are skipped, interrupted
    or failed ones are resumed, missing ones are started. Logs go to stderr at warning level
    unless --log-level says otherwise.
    """
    if kw["parallel"] < 1 or (kw["repeat"] is not None and kw["repeat"] < 1):
        raise ConfigError("--parallel and --repeat must be at least 1")
    runtime = Runtime.load(log_url=kw["log_url"], db=kw["db"])
    scenario = load_scenario(scenario_file)
    if kw["time_mode"] is not None:
        scenario = dataclasses.replace(scenario, time=kw["time_mode"])
    run = _Run(
        scenario=scenario,
        path=scenario_file,
        run_id=check_run_id(kw["run_id"]) if kw["run_id"] else new_run_id(scenario),
        parallel=kw["parallel"],
        repeat=kw["repeat"],
        quiet=kw["quiet"],
    )
    options = {**kw, "log_level": kw["log_level"] or "warning"}
    telemetry = start_telemetry(options, runtime)
    try:
        code = asyncio.run(_simulate(runtime, telemetry, run))
    finally:
        telemetry.close()
    sys.exit(code)


async def _simulate(runtime: Runtime, telemetry: Telemetry, run: _Run) -> int:
    console = Console(stderr=True)
    total = len(run.scenario.cells()) * (run.repeat or run.scenario.repeat)
    view = None if run.quiet else ProgressView(console, total)
    log = telemetry.instrument_log(await connect_log(runtime.log_url))
    try:
        runner = BatchRunner(
            log,
            run.scenario,
            seat_factory(runtime, telemetry),
            run_id=run.run_id,
            parallel=run.parallel,
            repeat=run.repeat,
            on_progress=view.update if view else None,
            observer=telemetry.observer,
        )
        console.print(f"run [bold]{run.run_id}[/bold]: {total} conversations", highlight=False)
        interrupted = await _drive(runner, view)
    finally:
        await log.close()
    return _conclude(console, runner.tally, run.run_id, run.path, interrupted)


async def _drive(runner: BatchRunner, view: ProgressView | None) -> bool:
    """Run the batch under the progress bar; True when a signal interrupted it."""
    if view is not None:
        view.progress.start()
    try:
        _, interrupted = await run_interruptibly(runner.run)
    finally:
        if view is not None:
            view.progress.stop()
        await runner.aclose()
    return interrupted


def _conclude(console: Console, tally: Tally, run_id: str, path: Path, interrupted: bool) -> int:
    click.echo(f"{run_id}: {status_line(tally)} (skipped {tally.skipped} already finished)")
    if interrupted:
        console.print(f"interrupted; resume with: aic simulate {path} --run-id {run_id}")
        return EXIT_INTERRUPTED
    if tally.failed:
        console.print(
            f"{tally.failed} conversations failed; rerun with --run-id {run_id} to retry them"
        )
        return 1
    console.print(f"report: aic report {run_id}", highlight=False)
    return 0


@click.command(name="report")
@click.argument("run_id")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    envvar="AIC_REPORT_JSON",
    show_envvar=True,
    help="Print the JSON document instead of the table.",
)
@option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to write "
    "report.md, report.html, report.json and transcripts/ (default: reports/RUN_ID).",
)
@option("--worst", type=int, default=10, show_default=True, help="Worst transcripts to link.")
@option("--fail-under", type=float, help="Exit 3 when the success rate is below RATE (0..1).")
@log_options
@friendly_errors
def report_command(
    run_id: str,
    as_json: bool,
    out_dir: Path | None,
    worst: int,
    fail_under: float | None,
    log_url: str | None,
    db: Path | None,
) -> None:
    """Report the outcomes of simulation run RUN_ID (and gate on its success rate)."""
    if fail_under is not None and not 0.0 <= fail_under <= 1.0:
        raise ConfigError(f"--fail-under must be a rate between 0 and 1 (got {fail_under})")
    check_run_id(run_id)
    runtime = Runtime.load(log_url=log_url, db=db)
    doc, transcripts = asyncio.run(_report(runtime, run_id, worst))
    out = out_dir or Path("reports") / run_id
    render.write_report(doc, transcripts, out)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    else:
        print_report(Console(), doc)
        click.echo(f"wrote {out / 'report.md'}, {out / 'report.html'}, {out / 'report.json'}")
    rate = doc["success"]["rate"]
    if fail_under is not None and (rate is None or rate < fail_under):
        click.echo(
            f"success rate {render.percent(rate)} is below --fail-under "
            f"{render.percent(fail_under)}",
            err=True,
        )
        sys.exit(EXIT_BELOW_BAR)


async def _report(
    runtime: Runtime, run_id: str, worst: int
) -> tuple[dict[str, Any], dict[str, str]]:
    log = await connect_log(runtime.log_url)
    try:
        rows = await report.collect(log, run_id)
        doc = report.build(run_id, rows, worst_count=worst)
        return doc, await _transcripts(log, doc)
    finally:
        await log.close()


async def _transcripts(log: ConversationLog, doc: dict[str, Any]) -> dict[str, str]:
    conductor = Conductor(log)
    ids = [str(w["conversation_id"]) for w in doc["worst"]]
    return {cid: export_markdown(await conductor.load(cid)) for cid in ids}


def print_report(console: Console, doc: dict[str, Any]) -> None:
    """The headline, the outcome distribution, success by persona and intent, and per cell."""
    success = doc["success"]
    console.print(
        f"[bold]{escape(str(doc['scenario']))}[/bold] run {doc['run_id']}: "
        f"success {render.rate_text(success)}",
        highlight=False,
    )
    outcomes = Table("outcome", "conversations")
    for name, count in doc["outcomes"].items():
        outcomes.add_row(str(name), str(count))
    console.print(outcomes)
    groups = Table("group", "success", "outcomes")
    for key in ("by_persona", "by_intent"):
        for name, group in doc[key].items():
            counts = ", ".join(f"{k} {v}" for k, v in group["outcomes"].items())
            groups.add_row(f"{key[3:]} {name}", render.rate_text(group["success"]), counts)
    console.print(groups)
    cells = Table("persona × intent", "n", "successes", "pass@k", "pass^k")
    for cell in doc["cells"]:
        cells.add_row(
            cell["cell"],
            str(cell["n"]),
            str(cell["successes"]),
            render.percent(cell["pass_at_k"]),
            render.percent(cell["pass_hat_k"]),
        )
    console.print(cells)


def register(group: click.Group) -> None:
    """Add ``simulate`` and ``report`` to ``group``."""
    group.add_command(simulate)
    group.add_command(report_command)
