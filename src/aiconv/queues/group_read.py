"""Group reads: the reads of many conversations of one process sent in one round trip.

The read side of ``GroupCommit``: reads queue up while the previous batch is in flight and go
out together (on Redis, one pipeline), with one batch in flight at a time. A process with
thousands of conversations waiting pays one round trip per batch instead of one per read, and
every read takes its turn in the order it was asked: none starves behind newer ones, as reads
did when ten thousand tasks raced for a bounded connection pool (some waited past the log's
deadline). An idle process adds no latency: the first read of a quiet spell goes out at once,
alone. It knows nothing about storage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiconv.errors import LogError


@dataclass(slots=True)
class Read:
    """One read waiting in a batch: a command of the backend and its arguments."""

    command: str
    args: tuple[Any, ...]
    future: asyncio.Future[Any] = field(repr=False)


#: Runs a batch; one result per read, in order (an ``Exception`` for a read that failed alone).
Fetch = Callable[[list[Read]], Awaitable[list[Any]]]


class GroupRead:
    """Batches reads for ``fetch``; one batch in flight at a time."""

    def __init__(self, fetch: Fetch, *, max_batch: int = 256) -> None:
        self.max_batch = max_batch
        #: How many batches and reads were fetched (for tests and benchmarks).
        self.batches = 0
        self.reads = 0
        self._fetch = fetch
        self._queue: list[Read] = []
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, command: str, *args: Any) -> Any:
        """Queue one read; its result once its batch has been fetched. A caller that is
        cancelled simply leaves: a read changes nothing."""
        loop = asyncio.get_running_loop()
        read = Read(command, args, loop.create_future())
        self._queue.append(read)
        if self._runner is None:
            self._runner = loop.create_task(self._drain(), name="aiconv-group-read")
        return await read.future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = [read for read in self._queue[: self.max_batch] if not read.future.done()]
                del self._queue[: self.max_batch]
                if not batch:
                    continue
                self.batches += 1
                self.reads += len(batch)
                try:
                    results = await self._fetch(batch)
                except Exception as exc:  # the backend's mapped error: every read gets it
                    results = [exc] * len(batch)
                except BaseException:  # cancelled (the loop is closing): nobody may hang
                    for read in (*batch, *self._queue):
                        _settle(read, LogError("the log closed before this read was answered"))
                    self._queue.clear()
                    raise
                if len(results) != len(batch):
                    results = [LogError("a batch of reads lost its answers")] * len(batch)
                for read, result in zip(batch, results, strict=True):
                    _settle(read, result)
        finally:
            self._runner = None

    async def close(self) -> None:
        """Stop fetching; reads still queued fail with ``LogError``."""
        if self._runner is not None:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)


def _settle(read: Read, result: Any) -> None:
    if read.future.done():
        return
    if isinstance(result, BaseException):
        read.future.set_exception(result)
    else:
        read.future.set_result(result)
