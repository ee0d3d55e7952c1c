"""Fleet scaling: ``aic worker --processes N`` (N = 1, 2, 4) on one Redis serving one detached
batch, the way a user spreads a worker over the cores of a machine.

The worker processes start first and each reports that it serves; then the batch of detached
two-seat conversations (``mock:turns=0``, zero latency) is created, and the clock runs from the
first creation to the moment the index shows every conversation ended.
"""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ConversationEnded, ParticipantSpec, StopConfig
from aiconv.queues.urls import connect_log

_AGENT = "mock:turns=0"
_READY_TIMEOUT_S = 120.0


def has_worker_command() -> bool:
    """Whether this installation has ``aic worker``."""
    return importlib.util.find_spec("aiconv.cli.worker") is not None


def serve_batch(url: str, workers: int, conversations: int, turns: int) -> dict[str, Any]:
    """Conversations per second for ``workers`` workers draining one batch."""
    logs = Path(tempfile.mkdtemp(prefix="aic-bench-fleet-"))
    log_file = logs / "worker.log"
    proc = _start_worker(url, workers, log_file)
    try:
        _expect_serving(proc, log_file, workers)
        elapsed = asyncio.run(_drain(url, conversations, turns, timeout=_READY_TIMEOUT_S * 5))
    finally:
        proc.send_signal(signal.SIGTERM)  # passed on to every worker process
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(logs, ignore_errors=True)
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
    with log_file.open("wb") as stderr:  # a file, not a pipe: a chatty worker never blocks
        return subprocess.Popen(
            [*command, *options],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def _expect_serving(proc: subprocess.Popen[bytes], log_file: Path, processes: int) -> None:
    """Until each of the ``processes`` worker processes has said that it serves."""
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if log_file.read_bytes().count(b" serving ") >= processes:
            return
        if proc.poll() is not None:
            tail = log_file.read_text(errors="replace")[-1000:]
            raise RuntimeError(f"aic worker exited ({proc.returncode}) before serving: {tail}")
        time.sleep(0.05)
    raise RuntimeError("aic worker did not report serving in time")


async def _drain(url: str, conversations: int, turns: int, timeout: float) -> float:
    log = await connect_log(url)
    try:
        conductor = Conductor(log)
        began = time.perf_counter()
        for number in range(conversations):
            await _detached(conductor, turns, seed=number + 1)
        deadline, ended, position = began + timeout, 0, 0
        # Tail the log for endings (each event read once): counting the index every few
        # milliseconds cost this process half a core, taken from the workers it measures.
        while ended < conversations:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"the fleet did not finish {conversations} in {timeout}s")
            page = await log.read_all(position, 1000)
            ended += sum(stored.kind == ConversationEnded.KIND for stored in page)
            position = page[-1].position if page else position
            if len(page) < 1000:
                await asyncio.sleep(0.02)
        return time.perf_counter() - began
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
