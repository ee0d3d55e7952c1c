"""``--processes N``: run a command as N child processes of one machine, to use N cores.

The parent re-runs its own command line (``python -m aiconv.cli …``) N times with
``--processes 1`` (which also overrides an ``AIC_…_PROCESSES`` variable, so children never
multiply) plus per-child arguments, forwards SIGINT and SIGTERM to every child, and waits for
them. Children talk only through the log, like processes on different machines. A child does
not outlive its parent: killed with ``kill -9``, the parent takes its children down with it
(each gets SIGTERM, and stops as on any SIGTERM), so no worker serves on unsupervised.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence

import click

from aiconv.cli.options import option
from aiconv.cli.values import count
from aiconv.errors import ConfigError
from aiconv.settings import (
    PARENT_VARIABLE,
    WARNED_VARIABLE,
    inherited_environment,
    take_parent_pid,
)

#: This process's stderr, where children's results go when the parent prints the only one.
STDERR_FD = 2

#: ``prctl(2)``'s option for the signal a process gets when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1

#: The most processes ``--processes`` starts (a typo such as 1000 must not fork-bomb a laptop).
MAX_PROCESSES = 64

processes_option = option(
    "--processes",
    type=count(1, MAX_PROCESSES),
    default=1,
    show_default=True,
    help="Spread the work over this many processes of this machine (one per core).",
)


def own_arguments(argv: Sequence[str]) -> list[str]:
    """``argv`` (the command line after the program) without its ``--processes`` option."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--processes":
            skip = True
        elif not arg.startswith("--processes="):
            kept.append(arg)
    return kept


class _Shard(click.ParamType[tuple[int, int], object]):
    """``K/N`` with 0 <= K < N <= ``limit``: which share of the work a process takes."""

    name = "K/N"

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, int]:
        if isinstance(value, tuple):
            return value  # already converted (a default)
        index, _, count = str(value).strip().partition("/")  # spaces around it, as numbers
        digits = index.isascii() and index.isdigit() and count.isascii() and count.isdigit()
        if not (digits and int(index) < int(count) <= self.limit):
            self.fail(f"{value!r} is not K/N with 0 <= K < N <= {self.limit}", param, ctx)
        return int(index), int(count)


#: The type of the hidden ``--shard K/N`` option a parent gives its children.
SHARD = _Shard(MAX_PROCESSES)
#: The type of ``aic worker --share K/N``: a fleet's share (up to 64 machines, say) split again
#: over up to 64 processes of one machine (``child_share``).
SHARE = _Shard(MAX_PROCESSES * MAX_PROCESSES)


def child_share(share: tuple[int, int] | None, child: int, processes: int) -> tuple[int, int]:
    """The share of child ``child`` of ``processes`` within ``share`` (K/N, default the whole):
    ``K + N·child`` of ``N·processes``. A conversation of that share has ``crc32 % N == K``, so
    the children's shares split exactly the parent's, and no other conversation becomes one of
    theirs."""
    index, count = share or (0, 1)
    return index + count * child, count * processes


def check_shared_log(log_url: str, count: int) -> None:
    """The children of ``--processes N`` meet in the log: refuse one private to a process
    (``memory://``), where each child had its own and the parent saw none of their work."""
    if count > 1 and log_url.startswith("memory:"):
        raise ConfigError(
            f"--processes {count} with memory://: memory:// is one process's own log, which"
            " the processes cannot share; give a SQLite file (--db) or a Redis URL"
        )


def metrics_ports(
    port: int | None, count: int, host: str = "127.0.0.1"
) -> Callable[[int], list[str]]:
    """The ``--metrics-port`` of child ``k`` of ``count``: ``port + k`` (one port cannot serve
    several processes), checked now; none to add when no port or 0 (each picks a free one)."""
    if not port:
        return lambda k: []
    if port + count - 1 > 65535:
        raise ConfigError(
            f"--metrics-port {port} with --processes {count}: the processes serve metrics on"
            f" ports {port} to {port + count - 1}, past 65535; pick a lower port (or 0)"
        )
    for k in range(count):
        if (taken := _taken(host, port + k)) is not None:
            raise ConfigError(
                f"--metrics-port {port} with --processes {count}: process {k + 1} would serve"
                f" metrics on {host}:{port + k}, which is taken ({taken}); pick another port"
                " (or 0)"
            )
    return lambda k: ["--metrics-port", str(port + k)]


def _taken(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on now, or None (a host that does not resolve is
    left to the child, which names it). Checked before any child starts: a child that could not
    listen stopped alone, and the others served on without it until stopped."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError):
        return None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the metrics server
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


async def run_children(
    count: int,
    extra: Callable[[int], list[str]],
    outputs: list[bytes] | None = None,
    *,
    stdout_to_stderr: bool = False,
    announce: Callable[[], None] | None = None,
    ended: Callable[[int, int], None] | None = None,
    signals: list[signal.Signals] | None = None,
) -> list[int]:
    """Run this command ``count`` times as children (child ``k`` gets ``extra(k)``); their exit
    codes, once every child has exited. SIGINT/SIGTERM are passed on to the children. Given
    ``outputs``, the children's stdout is collected there (one item per child) instead of
    going to this process's: the caller makes one document of them. With
    ``stdout_to_stderr`` it goes to this process's stderr: the caller prints the only result.
    ``announce`` is called once a signal would be passed on (before the children start).
    Given ``ended``, a child that ends before any signal was passed on is reported to it (its
    index and exit code) and the others are stopped as on SIGTERM: children that should run
    until stopped (workers) do not go on one fewer without a word. The signals passed on are
    added to ``signals`` when given (whether the children were stopped or ended unasked)."""
    stdout: int | None = None
    if outputs is not None:
        stdout = asyncio.subprocess.PIPE
    elif stdout_to_stderr:
        stdout = STDERR_FD
    children: list[asyncio.subprocess.Process] = []
    received: list[signal.Signals] = [] if signals is None else signals

    def pass_on(sig: signal.Signals) -> None:
        received.append(sig)
        _signal_all(children, sig)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, pass_on, sig)
    if announce is not None:
        announce()
    try:
        children += await _start_children(count, extra, stdout)
        if received:  # a signal came while they were starting: the later ones missed it
            _signal_all(children, received[-1])
        waits = [asyncio.ensure_future(child.communicate()) for child in children]
        if ended is not None:
            await _stop_after_the_first_end(children, waits, received, ended)
        done = [await wait for wait in waits]  # (None, None) unless stdout is collected
        if outputs is not None:
            outputs += [out for out, _ in done]
        return [await child.wait() for child in children]
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        _signal_all(children, signal.SIGTERM)


async def _stop_after_the_first_end(
    children: list[asyncio.subprocess.Process],
    waits: Sequence[asyncio.Future[tuple[bytes, bytes]]],
    received: list[signal.Signals],
    ended: Callable[[int, int], None],
) -> None:
    """Wait for the first child to end; unless a signal was passed on meanwhile (they are all
    stopping), report it to ``ended`` and stop the others as on SIGTERM."""
    done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    if received:
        return
    first = min(waits.index(wait) for wait in done)
    ended(first, await children[first].wait())
    received.append(signal.SIGTERM)
    _signal_all(children, signal.SIGTERM)


async def _start_children(
    count: int, extra: Callable[[int], list[str]], stdout: int | None
) -> list[asyncio.subprocess.Process]:
    """Start the ``count`` children, each told this process's id (``die_with_parent``) and
    that the settings warnings are shown (``Sources.has_warned``)."""
    base = [sys.executable, "-m", "aiconv.cli", *own_arguments(sys.argv[1:])]
    # this process has shown the warnings about its settings: the children load the same
    env = {**inherited_environment(), PARENT_VARIABLE: str(os.getpid()), WARNED_VARIABLE: "1"}
    children: list[asyncio.subprocess.Process] = []
    try:
        for k in range(count):
            children.append(
                await asyncio.create_subprocess_exec(
                    *base, *extra(k), "--processes", "1", stdout=stdout, env=env
                )
            )
    except OSError as exc:
        _signal_all(children, signal.SIGTERM)
        raise ConfigError(f"cannot start {count} processes ({exc.strerror})") from exc
    return children


def die_with_parent() -> None:
    """In a child of ``--processes N`` (given its parent's id): ask Linux for SIGTERM when
    the parent dies, even by ``kill -9``, so the child stops (a worker gives its turns in
    flight their grace) instead of serving on as an orphan nobody supervises; if the parent
    is already gone, SIGTERM now. Elsewhere, and in any other process, nothing happens."""
    parent = take_parent_pid()
    if parent is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return  # not allowed here (a sandbox): the child behaves as before
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def how_it_ended(code: int) -> str:
    """A child's exit status in words: ``exit code 2``, ``killed by signal 9``."""
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


def _signal_all(children: Sequence[asyncio.subprocess.Process], sig: signal.Signals) -> None:
    for child in children:
        if child.returncode is None:
            child.send_signal(sig)


def run_shards(run_id: str, processes: int, metrics: Callable[[int], list[str]]) -> int:
    """``aic simulate --processes N``: child ``k`` runs shard ``k/N`` of the run; 0 when every
    child finished its shard (failed conversations included), else the children were
    interrupted. The parent then tallies the run and finishes whatever a child left.
    ``metrics`` gives child ``k`` its own metrics port (``metrics_ports``). A child that ended
    otherwise (killed, crashed) while nobody interrupted the run is named, and the parent
    finishes what it left."""

    def extra(k: int) -> list[str]:
        return ["--run-id", run_id, "--shard", f"{k}/{processes}", "--quiet", *metrics(k)]

    click.echo(f"run {run_id}: spread over {processes} processes", err=True)
    # The children's tallies are progress: stdout is the parent's, one tally (or one --json
    # document) for the whole run.
    signals: list[signal.Signals] = []
    codes = asyncio.run(run_children(processes, extra, stdout_to_stderr=True, signals=signals))
    unfinished = [(k, code) for k, code in enumerate(codes) if code not in (0, 1)]
    if signals and unfinished:
        return 1
    for k, code in unfinished:
        click.echo(
            f"run {run_id}: simulate process {k + 1} of {processes} ended"
            f" ({how_it_ended(code)}): this process finishes what it left",
            err=True,
        )
    return 0
