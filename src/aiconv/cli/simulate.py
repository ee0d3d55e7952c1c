"""``aic simulate``: run or resume a scenario matrix with a live progress bar (``aic report`` and
``aic compare`` live in ``report.py`` and ``compare.py``).

Exit codes: 0 when every conversation finished, 1 when some failed (rerun with the same
``--run-id`` to retry them), 2 for bad input, 130 when interrupted (rerun to resume).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from aiconv.agents.cache import CachedProvider, CacheStore
from aiconv.agents.cache_stores import cache_store, reach_cache
from aiconv.agents.guarded import GuardConfig, Guards
from aiconv.agents.provider import ChatProvider
from aiconv.agents.reachability import require_local_server
from aiconv.cli import voice
from aiconv.cli.cache import (
    cache_group,
    cache_transport_mismatch,
    check_replay_source,
    checked_cache_url,
    default_cache_url,
)
from aiconv.cli.command import command
from aiconv.cli.compare import compare_command
from aiconv.cli.learn import grounding_of
from aiconv.cli.options import EXIT_INTERRUPTED, json_option, log_options, option, refuse_alone
from aiconv.cli.processes import (
    SHARD,
    check_shared_log,
    metrics_ports,
    processes_option,
    run_shards,
)
from aiconv.cli.progress import ProgressView, status_line, tally_document
from aiconv.cli.report import report_command
from aiconv.cli.telemetry import Telemetry, TelemetryOptions, start_telemetry, telemetry_options
from aiconv.cli.tools import try_scenario_tools
from aiconv.cli.values import DIRECTORY
from aiconv.cli.values import count as whole_number
from aiconv.cli.wiring import LogOptions, Runtime, run_interruptibly
from aiconv.environments.domain import domain_named
from aiconv.errors import ConfigError, LogUnavailable, ScenarioError
from aiconv.observability.metrics import CacheMetrics
from aiconv.observability.redaction import redact_url
from aiconv.platform.markdown import visible_controls
from aiconv.queues.urls import connect_log
from aiconv.simulation.batch import BatchRunner, ProviderFactory, StyleSource, tally_of
from aiconv.simulation.caching import JUDGE, CachePlan, cache_plan
from aiconv.simulation.channel import HttpAgentProvider
from aiconv.simulation.runs import check_run_id, new_run_id
from aiconv.simulation.scenario import Scenario, Seat, load_scenario
from aiconv.simulation.tally import Tally
from aiconv.voice.ids import is_voice_agent


@dataclasses.dataclass(frozen=True, slots=True)
class Caching:
    """The response cache of a run: who uses it how, and where it is kept."""

    plan: CachePlan
    store: CacheStore
    url: str


def seat_factory(
    runtime: Runtime, telemetry: Telemetry, caching: Caching | None = None
) -> ProviderFactory:
    """Instrumented providers for scenario seats (a guarded HTTP channel for ``url``, else the
    agent registry), behind the response cache for seats whose mode is not ``off``."""

    def build(seat: Seat) -> ChatProvider:
        provider = build_live(seat)
        mode = caching.plan.mode_for(seat) if caching else "off"
        if caching is None or mode == "off":
            return provider
        observer = CacheMetrics(telemetry.metrics)
        endpoint = seat.url or runtime.registry.cache_endpoint(
            runtime.registry.resolve(seat.agent, model=seat.model), runtime.env
        )
        return CachedProvider(
            provider, caching.store, mode=mode, observer=observer, endpoint=endpoint
        )

    def build_live(seat: Seat) -> ChatProvider:
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


def check_agents(runtime: Runtime, scenario: Scenario) -> None:
    """Resolve every seat's agent and check its key and inputs before anything is written (an
    agent under test of a task suite is given its domain's tools, so it must call tools)."""
    tested = [v.agent for v in scenario.variants()]
    seats = [scenario.customer, *scenario.extras, *tested]
    domains = {t.domain_name(scenario.domain) for t in scenario.tasks}
    acts = any(domain_named(name).tools for name in domains)
    if scenario.evaluator.judge_agent:
        seats.append(Seat(name="judge", role="judge", agent=scenario.evaluator.judge_agent))
    for seat in seats:
        if seat.url:
            continue
        if is_voice_agent(seat.agent):
            raise ConfigError(
                f"{seat.name} is a voice agent ({redact_url(seat.agent)}): aic simulate cannot "
                "seat voice agents yet; run it with aic-start --voice or the Python API "
                "(voice=True)"
            )
        spec = runtime.registry.resolve(seat.agent, model=seat.model)
        if spec.vendor == "human":
            raise ConfigError(f"{seat.name}: aic simulate cannot seat a person (agent human)")
        runtime.registry.preflight(spec)
        runtime.registry.key_for(spec, runtime.env)
        if seat.tools or (acts and seat in tested):
            runtime.registry.check_tools(spec)


async def require_seat_servers(
    runtime: Runtime, scenario: Scenario, plan: CachePlan | None = None
) -> None:
    """ProviderUnavailable when a seat that may call its agent (not answered from the cache
    alone) has its server on this machine and nothing accepts a connection there: an agent
    endpoint (``url``) or a local vendor server (Ollama). Checked before anything is written, so
    a run against a server that is down is one line, not a log of failed conversations."""
    seats = [scenario.customer, *scenario.extras, *(v.agent for v in scenario.variants())]
    if scenario.evaluator.judge_agent:  # named as --cache judge=MODE names it
        seats.append(Seat(name=JUDGE, role="judge", agent=scenario.evaluator.judge_agent))
    for seat in seats:
        if plan is not None and plan.mode_for(seat) == "replay":
            continue
        if seat.url:
            hint = "is its server running? (or change its url in the scenario)"  # any seat
            await require_local_server(seat.url, who=seat.name, hint=hint)
        elif not is_voice_agent(seat.agent):
            await runtime.registry.require_server(
                runtime.registry.resolve(seat.agent, model=seat.model), runtime.env
            )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """What ``aic simulate`` was asked to do."""

    scenario: Scenario
    path: Path
    run_id: str
    parallel: int
    repeat: int | None
    quiet: bool
    caching: Caching | None = None
    as_json: bool = False
    #: Where a voice scenario's audio goes (None: not a voice scenario).
    audio_dir: Path | None = None
    shard: tuple[int, int] = (0, 1)
    #: Style examples of each cell's customer (a grounded scenario), read before anything runs.
    grounding: StyleSource | None = None
    #: Conversations finished before this command's children ran (``--processes N``).
    finished_before: int | None = None
    #: The options that locate the run's log, for the commands suggested at the end.
    log_args: tuple[str, ...] = ()
    #: The options besides those that shape the run, for the command that resumes it.
    run_args: tuple[str, ...] = ()


@command()
@click.argument("scenario_file", type=click.Path(path_type=Path, dir_okay=False))
@option(
    "--parallel", type=whole_number(), default=10, show_default=True, help="Conversations at once."
)
@option(
    "--repeat",
    type=whole_number(1, 1000),  # as the file's repeat: 10^8 planned for minutes before a word
    help="Repetitions per persona × intent (default: the file's).",
)
@option("--run-id", help="Run id; rerun with the same id to resume (default: a new one).")
@option(
    "--time",
    "time_mode",
    type=click.Choice(["fast", "real"]),
    help="Simulated time without sleeping, or real typing delays (default: the file's).",
)
@option(
    "--agent",
    "agents",
    multiple=True,
    help="Agent under test (repeat for a matrix, side by side; replaces [[agents]]).",
)
@option(
    "--cache",
    multiple=True,
    help="Response cache: MODE for everyone or NAME=MODE for one participant (repeat); "
    "modes off, use, record, replay (a miss is an error).",
)
@option(
    "--cache-url",
    help="Where cached replies live: sqlite:///responses.db (default: next to the log), "
    "redis://host:6379/0.",
)
@option("--quiet", is_flag=True, help="No progress bar; print only the final line.")
@option("--audio-dir", type=DIRECTORY, help="Audio of a voice scenario.")
@processes_option
@click.option("--shard", type=SHARD, hidden=True, help="K/N: run every N-th conversation from K.")
@json_option(help="Print one JSON document with the run's tally at the end.")
@log_options
@telemetry_options("warning")
def simulate(scenario_file: Path, **kw: Any) -> None:
    """Run every persona × intent of SCENARIO_FILE against the agent under test.

    Rerunning with the same --run-id resumes: finished conversations are skipped, interrupted
    or failed ones are resumed, missing ones are started. Logs go to stderr at warning level
    unless --log-level says otherwise.
    """
    runtime = Runtime.load(LogOptions.of(kw))
    runtime.check_rate_limits()  # before any child starts, or any work
    scenario = load_scenario(scenario_file)
    if kw["time_mode"] is not None:
        scenario = dataclasses.replace(scenario, time=kw["time_mode"])
    if kw["agents"]:
        scenario = scenario.with_agents(kw["agents"])
    check_agents(runtime, scenario)
    plan = cache_plan(kw["cache"], scenario)
    cache_url = checked_cache_url(kw["cache_url"] or default_cache_url(runtime.log_url))
    if not plan.is_used:
        refuse_alone("cache_url", "--cache-url", "--cache (or a seat's cache = in the scenario)")
    if plan.replays(scenario):
        check_replay_source(cache_url)
    run_id = check_run_id(kw["run_id"]) if kw["run_id"] is not None else new_run_id(scenario)
    audio_dir = _audio_dir(runtime, scenario, scenario_file, kw["audio_dir"])
    asyncio.run(require_seat_servers(runtime, scenario, plan))  # the usage errors come first
    run = _Run(
        scenario=scenario,
        path=scenario_file,
        run_id=run_id,
        parallel=kw["parallel"],
        repeat=kw["repeat"],
        quiet=kw["quiet"] or kw["as_json"],
        as_json=kw["as_json"],
        caching=Caching(plan, cache_store(cache_url), cache_url) if plan.is_used else None,
        audio_dir=audio_dir,
        shard=kw["shard"] or (0, 1),
        grounding=grounding_of(scenario),
        log_args=_log_args(kw),
        run_args=_run_args(kw),
    )
    if kw["processes"] > 1:
        check_shared_log(runtime.log_url, kw["processes"])
        options = TelemetryOptions.of(kw)
        metrics = metrics_ports(options.metrics_port, kw["processes"], options.metrics_host)
        finished = asyncio.run(_tally_of(runtime, run)).done
        run = dataclasses.replace(run, finished_before=finished)
        if run_shards(run.run_id, kw["processes"], metrics) != 0:  # interrupted: as it stands
            tally = asyncio.run(_tally_of(runtime, run))
            sys.exit(_conclude(Console(stderr=True), tally, run, interrupted=True))
    telemetry = start_telemetry(TelemetryOptions.of(kw), runtime)
    try:
        code = asyncio.run(_simulate(runtime, telemetry, run))
    finally:
        telemetry.close()
    sys.exit(code)


def _audio_dir(runtime: Runtime, scenario: Scenario, path: Path, given: Path | None) -> Path | None:
    """Where a voice scenario's audio goes (checked writable); ``--audio-dir`` for a text
    scenario is refused: the user expected recordings that would never be made."""
    if scenario.voice:
        return voice.check_voice(runtime, given)
    refuse_alone("audio_dir", "--audio-dir", f"a voice scenario (voice = true in {path.name})")
    return None


def _log_args(kw: dict[str, Any]) -> tuple[str, ...]:
    """``--db``, ``--log-url`` (credentials redacted) and ``--redis-prefix`` as given (the one
    of ``--db`` and ``--log-url`` the run used, when the settings named the other too)."""
    log = LogOptions.of(kw)
    given = [
        ("--db", log.db),
        ("--log-url", log.log_url),
        ("--redis-prefix", kw["redis_prefix"]),
    ]
    return tuple(
        part
        for flag, value in given
        if value is not None
        for part in (flag, redact_url(value) if flag == "--log-url" else str(value))
    )


def _run_args(kw: dict[str, Any]) -> tuple[str, ...]:
    """The options that shape the run (repetitions, time, agents, cache) as given."""
    args: list[str] = []
    if kw["repeat"] is not None:
        args += ["--repeat", str(kw["repeat"])]
    if kw["time_mode"] is not None:
        args += ["--time", kw["time_mode"]]
    args += [part for agent in kw["agents"] for part in ("--agent", agent)]
    args += [part for mode in kw["cache"] for part in ("--cache", mode)]
    if kw["cache_url"] is not None:
        args += ["--cache-url", redact_url(kw["cache_url"])]
    return tuple(args)


async def _simulate(runtime: Runtime, telemetry: Telemetry, run: _Run) -> int:
    console = Console(stderr=True)
    variants = len(run.scenario.variants())
    total = len(run.scenario.cells()) * (run.repeat or run.scenario.repeat) * variants
    view = None if run.quiet else ProgressView(console, total)
    await try_scenario_tools(run.scenario)  # a bad tool source fails before anything is written
    if run.caching is not None:
        try:
            await reach_cache(run.caching.store)  # so does a cache that does not answer
        except LogUnavailable as exc:
            await run.caching.store.close()
            wrong_transport = await cache_transport_mismatch(run.caching.url)
            if wrong_transport is not None:
                raise wrong_transport from exc
            raise
    log = telemetry.instrument_log(await connect_log(runtime.log_url))
    kit = None
    if run.audio_dir is not None:
        kit = voice.open_kit(log, run.audio_dir, {}, telemetry.registry)
    try:
        runner = BatchRunner(
            log,
            run.scenario,
            seat_factory(runtime, telemetry, run.caching),
            run_id=run.run_id,
            parallel=run.parallel,
            repeat=run.repeat,
            on_progress=view.update if view else None,
            observer=telemetry.observer,
            turn_hook=kit.layer if kit is not None else None,
            shard=run.shard,
            grounding=run.grounding,
        )
        try:
            await runner.check()  # before any output: a mismatched run is bad input
        except ScenarioError:
            await runner.aclose()
            raise
        noun = "conversation" if total == 1 else "conversations"
        if run.shard == (0, 1):
            console.print(f"run [bold]{run.run_id}[/bold]: {total} {noun}", highlight=False)
        else:  # a child of --processes N: its share, not the whole run
            share = (
                f"{runner.tally.total} of its {total} {noun} (share {run.shard[0]}/{run.shard[1]})"
            )
            console.print(f"run [bold]{run.run_id}[/bold]: {share}", highlight=False)
        interrupted = await _drive(runner, view)
    finally:
        if kit is not None:
            await kit.recognizer.close()
        await log.close()
        if run.caching is not None:
            await run.caching.store.close()
    return _conclude(console, runner.tally, run, interrupted)


async def _tally_of(runtime: Runtime, run: _Run) -> Tally:
    """The run's tally as it stands in the log (nothing is run)."""
    log = await connect_log(runtime.log_url)
    try:
        repeat = run.repeat or run.scenario.repeat
        return await tally_of(log, run.scenario, run_id=run.run_id, repeat=repeat)
    finally:
        await log.close()


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


def _conclude(console: Console, tally: Tally, run: _Run, interrupted: bool) -> int:
    run_id, path = run.run_id, run.path
    if run.finished_before is not None:  # not the children's work, found finished since
        tally.skipped = run.finished_before
    if run.as_json:
        click.echo(json.dumps(tally_document(run_id, tally, interrupted=interrupted), indent=2))
    else:
        click.echo(f"{run_id}: {status_line(tally)} (skipped {tally.skipped} already finished)")
    if run.shard != (0, 1):  # a child of --processes N: the parent says what to do next
        return EXIT_INTERRUPTED if interrupted else 1 if tally.failed else 0
    # the commands it suggests are whole and plain (never wrapped): the log it ran in included
    # a path with a terminal escape in it (--db $'x\e]0;…') shows its codes, never the escape
    again = visible_controls(
        shlex.join([str(path), "--run-id", run_id, *run.log_args, *run.run_args])
    )
    if interrupted:
        click.echo(f"interrupted; resume with: aic simulate {again}", err=True)
        return EXIT_INTERRUPTED
    if tally.failed:
        noun = "conversation" if tally.failed == 1 else "conversations"
        click.echo(f"{tally.failed} {noun} failed; retry them with: aic simulate {again}", err=True)
        return 1
    click.echo(
        f"report: aic report {visible_controls(shlex.join([run_id, *run.log_args]))}", err=True
    )
    return 0


def register(group: click.Group) -> None:
    """Add ``simulate``, ``report``, ``compare`` and ``cache`` to ``group``."""
    group.add_command(simulate)
    group.add_command(report_command)
    group.add_command(compare_command)
    group.add_command(cache_group)
