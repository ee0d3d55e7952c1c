"""Run the CLI as real subprocesses in tests, always bounded by a timeout."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from aiconv.settings import PROVIDER_VARIABLES, inherited_environment

#: Variables a test subprocess must not inherit: real keys and vendor URLs (and every AIC_*).
_SCRUBBED = PROVIDER_VARIABLES


def cli_env(extra: Mapping[str, str] | None = None, *, home: Path | None = None) -> dict[str, str]:
    """A clean environment for a CLI subprocess (no real keys, no colour, wide terminal)."""
    env = inherited_environment(_SCRUBBED, drop_prefix="AIC_")
    env.update({"NO_COLOR": "1", "COLUMNS": "200", "PYTHONUNBUFFERED": "1"})
    if home is not None:
        env.update({"HOME": str(home), "XDG_DATA_HOME": str(home / "data")})
    env.update(extra or {})
    return env


def aic_command(*args: str) -> list[str]:
    """The argv of ``aic ARGS`` through the current interpreter."""
    return [sys.executable, "-m", "aiconv.cli", *args]


def run_aic(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """Run ``aic ARGS`` to completion and capture its output."""
    return subprocess.run(
        aic_command(*args),
        env=dict(env) if env is not None else cli_env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def spawn_aic(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[str]:
    """Start ``aic ARGS`` in the background (the caller must wait or kill it)."""
    return subprocess.Popen(
        aic_command(*args),
        env=dict(env) if env is not None else cli_env(),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def reap(process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Kill ``process`` if it still runs, close its pipes and wait for it (a ``finally``).

    A killed process whose pipes stay open leaves them to the garbage collector, which warns
    about the unclosed files in whichever later test it happens to run.
    """
    if process.poll() is None:
        process.kill()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    process.wait(timeout=timeout)
