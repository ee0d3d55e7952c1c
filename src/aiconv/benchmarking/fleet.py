"""Fleet scaling: ``aic worker --processes N`` (N = 1, 2, 4) on one Redis draining one detached
batch, the way a user spreads a worker over the cores of a machine.

The batch of detached two-seat conversations (``mock:turns=0``, zero latency, a seed each) is
created first; then the worker processes start, and the clock runs from the moment every one
of them has said that it serves to the last ``conversation.ended`` their own log records (its
timestamp). While they run, this process only reads the new lines of their log file: it takes
no CPU from the workers it measures (it used to create the batch and read back the whole event
log while they served it, on the same cores).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ParticipantSpec, StopConfig
from aiconv.queues.urls import connect_log

_AGENT = "mock:turns=0"
_READY_TIMEOUT_S = 120.0


def has_worker_command() -> bool:
    """Whether this installation has ``aic worker``."""
    return importlib.util.find_spec("aiconv.cli.worker") is not None


def serve_batch(url: str, workers: int, conversations: int, turns: int) -> dict[str, Any]:
    """Conversations per second for ``workers`` workers draining one batch."""
    asyncio.run(_create_batch(url, conversations, turns))
    logs = Path(tempfile.mkdtemp(prefix="aic-bench-fleet-"))
    log_file = logs / "worker.log"
    proc = _start_worker(url, workers, log_file)
    try:
        began = _expect_serving(proc, log_file, workers)
        finished = _expect_ended(proc, log_file, conversations, timeout=_READY_TIMEOUT_S * 5)
    finally:
        proc.send_signal(signal.SIGTERM)  # passed on to every worker process
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(logs, ignore_errors=True)
    elapsed = finished - began
    return {
        "workers": workers,
        "conversations": conversations,
        "turns_each": turns,
        "elapsed_s": round(elapsed, 3),
        "conversations_per_s": round(conversations / elapsed, 2),
    }


def _start_worker(url: str, processes: int, log_file: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "aiconv.cli", "worker", "--log-url", url]
    options = ["--processes", str(processes), "--concurrency", "32", "--scan-interval", "0.05"]
    options += ["--log-level", "info", "--log-format", "json"]  # its endings, timed
    with log_file.open("wb") as stderr:  # a file, not a pipe: a chatty worker never blocks
        return subprocess.Popen(
            [*command, *options],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def _expect_serving(proc: subprocess.Popen[bytes], log_file: Path, processes: int) -> float:
    """Until each of the ``processes`` worker processes has said that it serves; when (epoch)."""
    for _ in _looks(proc, log_file, _READY_TIMEOUT_S, "report serving", every=0.005):
        if log_file.read_bytes().count(b" serving ") >= processes:
            return time.time()
    raise AssertionError("unreachable: _looks raises when the time is up")  # pragma: no cover


def _expect_ended(
    proc: subprocess.Popen[bytes], log_file: Path, conversations: int, timeout: float
) -> float:
    """Until the workers' log records ``conversations`` endings; the last one's time (epoch).

    Only the bytes added since the last look are read, fifty times a second at most. The worker
    processes share the file, and a line's newline may land after another process's line: the
    log's flat JSON objects are taken whole wherever they are, not line by line.
    """
    ended, last, pending = 0, 0.0, b""
    with log_file.open("rb") as written:
        for _ in _looks(proc, log_file, timeout, f"finish {conversations}", every=0.02):
            pending += written.read()  # from where the last look stopped
            end = 0
            for found in _FLAT_OBJECT.finditer(pending):
                end = found.end()
                if b'"conversation.ended"' in found.group():
                    ended += 1
                    last = max(last, _epoch(json.loads(found.group())["timestamp"]))
            pending = pending[end:]
            if ended >= conversations:
                return last
    raise AssertionError("unreachable: _looks raises when the time is up")  # pragma: no cover


def _looks(
    proc: subprocess.Popen[bytes], log_file: Path, timeout: float, what: str, *, every: float
) -> Iterator[None]:
    """One look now and then every ``every`` seconds, while the worker runs, for ``timeout``
    seconds (then RuntimeError, as when the worker exits)."""
    deadline = time.monotonic() + timeout
    while True:
        yield
        if proc.poll() is not None:
            tail = log_file.read_text(errors="replace")[-1000:]
            raise RuntimeError(f"aic worker exited ({proc.returncode}): {tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"aic worker did not {what} in {timeout:g}s")
        time.sleep(every)  # a synchronous harness: no event loop here to block


_FLAT_OBJECT = re.compile(rb"\{[^{}]*\}")
"""A log line's JSON object (an ending's has no nested object)."""


def _epoch(stamp: str) -> float:
    """Seconds since the epoch of a log line's ISO 8601 UTC timestamp."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


async def _create_batch(url: str, conversations: int, turns: int) -> None:
    log = await connect_log(url)
    try:
        conductor = Conductor(log)
        for number in range(conversations):
            await _detached(conductor, turns, seed=number + 1)
    finally:
        await log.close()


async def _detached(conductor: Conductor, turns: int, seed: int) -> None:
    """A detached conversation with its own seed (its own words: see ``probe``)."""
    participants = [
        ParticipantSpec(name=name, agent=_AGENT, model="mock-chat") for name in ("alice", "bob")
    ]
    await session.create(
        conductor,
        topic="Is a hot dog a sandwich?",
        participants=participants,
        stop=StopConfig(max_turns=turns),
        seed=seed,
        detached=True,
    )
