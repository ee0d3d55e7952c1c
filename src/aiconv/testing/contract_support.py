"""Helpers of the shipped log contract suites: their common base, small events and index entries,
child processes that append, and a wait for parked waiters. No test lives here.
"""

from __future__ import annotations

import asyncio
import json
import sys

import pytest

from aiconv.queues.log import ConversationLog, IndexEntry, NewEvent, StoredEvent
from aiconv.queues.waiters import StreamWaiters
from aiconv.testing.conditions import eventually


class ContractBase:
    """What every part of the log contract shares: whether the backend is shared between
    processes (then the test module provides a ``log_url`` fixture)."""

    supports_processes = False

    def _require_processes(self, request: pytest.FixtureRequest) -> str:
        if not self.supports_processes:
            pytest.skip(f"{type(self).__name__} is not shared between processes")
        url: str = request.getfixturevalue("log_url")
        return url


def event(n: int = 0, kind: str = "noted") -> NewEvent:
    """A small event whose body carries ``n``."""
    return NewEvent(kind=kind, version=1, data=json.dumps({"n": n}).encode())


def entry(cid: str, created_at: float, **fields: object) -> IndexEntry:
    """An index entry for ``cid`` created at ``created_at``; other fields as given."""
    fields.setdefault("topic", f"topic of {cid}")
    return IndexEntry(conversation_id=cid, created_at=created_at, updated_at=created_at, **fields)  # type: ignore[arg-type]


def sequences(events: list[StoredEvent]) -> list[int]:
    """The sequences of ``events``, in order."""
    return [e.sequence for e in events]


async def spawn(script: str, *args: str) -> asyncio.subprocess.Process:
    """``python -c script args…``, once it printed ``ready``."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = await process.stdout.readline()
    if line.strip() != b"ready":
        _, err = await process.communicate()
        raise AssertionError(f"child process failed to start: {line!r} {err.decode()}")
    return process


def go(process: asyncio.subprocess.Process) -> None:
    """Tell a spawned process to start."""
    assert process.stdin is not None
    process.stdin.write(b"go\n")


async def reap(processes: list[asyncio.subprocess.Process]) -> None:
    """Kill what is still running."""
    for process in processes:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def until_parked(log: ConversationLog, conversation_id: str, count: int = 1) -> None:
    """Until ``count`` waits on ``conversation_id`` are parked for a wake-up (past their
    already-beyond check), so a test exercises the wake-up path itself.

    Backends built on ``StreamWaiters`` (memory, SQLite, Redis) expose it; for others this
    falls back to a short pause.
    """
    waiters = getattr(log, "_waiters", None)
    if not isinstance(waiters, StreamWaiters):
        await asyncio.sleep(0.05)  # no way to observe parking: a pause is the best we can do
        return
    await eventually(
        lambda: waiters.parked(conversation_id) >= count,
        timeout=10,
        what=f"{count} wait(s) parked on {conversation_id}",
    )
