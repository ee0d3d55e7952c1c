"""``aic worker``: serve every active detached conversation of a log until SIGTERM/SIGINT.

Wires settings, the registry (``provider_for``), the log URL (with ``--redis-prefix``) and the
signals to ``aiconv.platform.worker.Worker``; the serving logic itself lives there.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Callable
from typing import Any

import click

from aiconv.cli.command import command
from aiconv.cli.options import json_option, log_options, option
from aiconv.cli.processes import (
    SHARE,
    child_share,
    how_it_ended,
    metrics_ports,
    processes_option,
    run_children,
)
from aiconv.cli.telemetry import Telemetry, TelemetryOptions, start_telemetry, telemetry_options
from aiconv.cli.values import Number, Text, count, seconds
from aiconv.cli.wiring import LogOptions, Runtime
from aiconv.errors import ConfigError
from aiconv.platform.conductor import Conductor
from aiconv.platform.worker import Worker, WorkerStats
from aiconv.queues.urls import connect_log
from aiconv.validation import Bounds


@command(name="worker")
@option(
    "--concurrency",
    type=count(1, 100_000),  # ten times the 10,000 at once the soak test serves
    default=16,
    show_default=True,
    help="Conversations served at once by this worker.",
)
@option(
    "--scan-interval",
    type=Number(Bounds(minimum=0.001)),
    default=0.2,
    show_default=True,
    help="Seconds between two looks at the global log for new conversations.",
)
@option(
    "--grace",
    type=seconds(zero=True),
    default=30.0,
    show_default=True,
    help="On SIGTERM, seconds the turns in flight get to finish before they are abandoned.",
)
@option(
    "--instance-id", type=Text(max_length=100), help="Id written into this worker's turn claims."
)
@option(
    "--share",
    type=SHARE,
    help="K/N: serve first the conversations of share K of N (crc32 of the id modulo N), others"
    " only once they have waited a second unserved. --processes splits the share (or the whole"
    " log) between the children.",
)
@processes_option
@json_option(help="Print one JSON document with what the worker served when it stops.")
@log_options
@telemetry_options()
def worker(
    concurrency: int,
    scan_interval: float,
    grace: float,
    instance_id: str | None,
    share: tuple[int, int] | None,
    processes: int,
    as_json: bool,
    **kw: Any,
) -> None:
    """Serve every active detached conversation (aic-start --detach) until SIGTERM.

    Run any number of workers on any number of machines against one log: each turn goes to
    exactly one of them through the turn claim. On SIGTERM a worker claims no new turn, lets
    the turns in flight finish (--grace) and exits. A worker that dies leaves its claim to lapse
    after the conversation's lease (aic-start --lease), and another instance takes the turn.
    --processes N runs N such workers as child processes, one per core.
    """
    runtime = Runtime.load(LogOptions.of(kw))
    runtime.check_rate_limits()  # before any child starts, or any work
    _check_servable(runtime.log_url)
    runtime.warn_broken_plugins()
    if processes > 1:
        _check_split(share, processes)
        options = TelemetryOptions.of(kw)
        metrics = metrics_ports(options.metrics_port, processes, options.metrics_host)
        asyncio.run(_reach(runtime.log_url))  # once here, not an error from every child
        sys.exit(_supervise(processes, instance_id, share, as_json, metrics))
    url = runtime.log_url
    telemetry = start_telemetry(TelemetryOptions.of(kw), runtime)
    try:
        stats = asyncio.run(
            _serve(
                runtime,
                telemetry,
                url,
                instance_id,
                concurrency=concurrency,
                scan_interval=scan_interval,
                grace=grace,
                share=share or (0, 1),
            )
        )
    finally:
        telemetry.close()
    _print_stats(stats, as_json)
    sys.exit(0)


async def _reach(url: str) -> None:
    """Open the log the children will serve and close it: a bad path or a log that does not
    answer is one error from the parent (as for ``simulate --processes``), not one from each
    child and a line of their exit codes."""
    log = await connect_log(url)
    await log.close()


def _check_split(share: tuple[int, int] | None, processes: int) -> None:
    """The children's shares (``child_share``) are shares of N·processes, which must be a
    ``--share`` a worker takes: refused here, once, rather than by every child."""
    index, count = share or (0, 1)
    if count * processes > SHARE.limit:
        raise ConfigError(
            f"--share {index}/{count} with --processes {processes} splits the log into"
            f" {count * processes} shares, more than {SHARE.limit}: give fewer processes or a"
            " --share of fewer parts"
        )


def _check_servable(log_url: str) -> None:
    """A worker serves what other commands write: refuse a log private to this process
    (``memory://``), where it started and served nothing until stopped."""
    if log_url.startswith("memory:"):
        raise ConfigError(
            "aic worker with memory://: memory:// is one process's own log, which no other"
            " command can write a conversation to; give a SQLite file (--db) or a Redis URL"
        )


def _print_stats(stats: WorkerStats, as_json: bool) -> None:
    """What the worker served: one line on stderr, and the JSON document when asked."""
    click.echo(
        f"worker stopped: served {stats.served}, completed {stats.completed},"
        f" failed {stats.failed}",
        err=True,
    )
    if as_json:
        document = {k: getattr(stats, k) for k in ("served", "completed", "failed", "deferred")}
        click.echo(json.dumps(document, indent=2))


def _supervise(
    processes: int,
    instance_id: str | None,
    share: tuple[int, int] | None,
    as_json: bool,
    metrics: Callable[[int], list[str]],
) -> int:
    """Run ``processes`` workers as children, each with its part of ``share`` (and its own
    metrics port: ``metrics``), until they stop; 0 when every one exited 0. One that ends
    unasked (killed, crashed) stops the others, as one worker that died would stop serving.
    With ``--json``, one document: the children's sums and each child's own under
    ``processes``."""

    def extra(k: int) -> list[str]:
        named = ["--instance-id", f"{instance_id}-{k + 1}"] if instance_id else []
        index, count = child_share(share, k, processes)
        return [*named, "--share", f"{index}/{count}", *metrics(k)]

    def announce() -> None:
        click.echo(f"starting {processes} worker processes", err=True)

    def ended(k: int, code: int) -> None:
        click.echo(
            f"worker process {k + 1} of {processes} ended ({how_it_ended(code)}):"
            " stopping the others",
            err=True,
        )

    outputs: list[bytes] | None = [] if as_json else None
    codes = asyncio.run(run_children(processes, extra, outputs, announce=announce, ended=ended))
    click.echo(f"{processes} worker processes stopped (exit codes {codes})", err=True)
    if outputs is not None:
        click.echo(json.dumps(_summed(outputs), indent=2))
    return next((code if code > 0 else 1 for code in codes if not _stopped(code)), 0)


def _stopped(code: int) -> bool:
    """A child that stopped cleanly: exit 0, or killed by the SIGTERM/SIGINT passed on to it
    while it was still starting (before its handler was in place it had served nothing)."""
    return code in (0, -signal.SIGTERM, -signal.SIGINT)


def _summed(outputs: list[bytes]) -> dict[str, Any]:
    """One document of the children's (null for a child that printed none)."""
    found: list[dict[str, Any] | None] = []
    for output in outputs:
        try:
            found.append(json.loads(output))
        except ValueError:
            found.append(None)
    keys = ("served", "completed", "failed", "deferred")
    sums = {key: sum(int(doc[key]) for doc in found if doc is not None) for key in keys}
    return {**sums, "processes": found}


async def _serve(
    runtime: Runtime,
    telemetry: Telemetry,
    url: str,
    instance_id: str | None,
    **tuning: Any,
) -> WorkerStats:
    """Run one ``Worker`` (``tuning``: its keyword options) until a signal stops it."""
    log = telemetry.instrument_log(await connect_log(url))
    try:
        conductor = Conductor(log, instance_id=instance_id, observer=telemetry.observer)
        serving = Worker(
            conductor,
            lambda spec: telemetry.instrument(runtime.provider_for(spec)),
            **tuning,
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, serving.stop)
        index, count = serving.share
        click.echo(
            f"worker {serving.instance_id} serving {log.backend} log"
            f" (concurrency {serving.concurrency}"
            + (f", share {index}/{count})" if count > 1 else ")"),
            err=True,
        )
        return await serving.run()
    finally:
        await log.close()
