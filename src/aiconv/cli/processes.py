"""``--processes N``: run a command as N child processes of one machine, to use N cores.

The parent re-runs its own command line (``python -m aiconv.cli …``) N times with
``--processes 1`` (which also overrides an ``AIC_…_PROCESSES`` variable, so children never
multiply) plus per-child arguments, forwards SIGINT and SIGTERM to every child, and waits for
them. Children talk only through the log, like processes on different machines.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Sequence

import click

from aiconv.cli.options import option
from aiconv.errors import ConfigError

#: The most processes ``--processes`` starts (a typo such as 1000 must not fork-bomb a laptop).
MAX_PROCESSES = 64

processes_option = option(
    "--processes",
    type=click.IntRange(min=1, max=MAX_PROCESSES),
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


async def run_children(count: int, extra: Callable[[int], list[str]]) -> list[int]:
    """Run this command ``count`` times as children (child ``k`` gets ``extra(k)``); their exit
    codes, once every child has exited. SIGINT/SIGTERM are passed on to the children."""
    base = [sys.executable, "-m", "aiconv.cli", *own_arguments(sys.argv[1:])]
    children: list[asyncio.subprocess.Process] = []
    loop = asyncio.get_running_loop()
    try:
        for k in range(count):
            children.append(
                await asyncio.create_subprocess_exec(*base, *extra(k), "--processes", "1")
            )
    except OSError as exc:
        _signal_all(children, signal.SIGTERM)
        raise ConfigError(f"cannot start {count} processes ({exc.strerror})") from exc
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _signal_all, children, sig)
    try:
        return [await child.wait() for child in children]
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        _signal_all(children, signal.SIGTERM)


def _signal_all(children: Sequence[asyncio.subprocess.Process], sig: signal.Signals) -> None:
    for child in children:
        if child.returncode is None:
            child.send_signal(sig)
