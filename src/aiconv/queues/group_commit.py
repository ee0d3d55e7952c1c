"""Group commit: appends from many conversations of one process written in one batch.

``GroupCommit`` queues appends and hands them to a backend's ``flush`` in batches, with at most
one batch in flight: appends that arrive while a batch is being written form the next one, so a
busy process pays one transaction (SQLite) or one round trip (Redis) per batch instead of one
per append, and an idle one adds no latency (the first append of a quiet spell is flushed at
once, alone). The backend settles each append on its own (``Pending.settle`` / ``fail``): a
conflict fails that append alone; a failure of the whole batch fails every append in it.

A caller cancelled while its append is queued or being written gets the cancellation only once
the append has settled, so it never has to guess whether a write is still under way.
It knows nothing about storage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from aiconv.errors import LogError
from aiconv.queues.log import IndexEntry, NewEvent, StoredEvent


@dataclass(slots=True, kw_only=True)
class Pending:
    """One append waiting in a batch (``events`` empty: an index entry written alone)."""

    conversation_id: str
    expected: int
    events: Sequence[NewEvent]
    index: IndexEntry | None
    future: asyncio.Future[list[StoredEvent]] = field(repr=False)

    def settle(self, stored: list[StoredEvent]) -> None:
        """The append was written as ``stored``."""
        if not self.future.done():
            self.future.set_result(stored)

    def fail(self, exc: BaseException) -> None:
        """The append was not written (a conflict) or its outcome is ``exc``."""
        if not self.future.done():
            self.future.set_exception(exc)


#: Writes a batch and settles every append in it (what a backend provides).
Flush = Callable[[list[Pending]], Awaitable[None]]


class GroupCommit:
    """Batches appends for ``flush``; one batch in flight at a time."""

    def __init__(self, flush: Flush, *, max_batch: int = 512) -> None:
        self.max_batch = max_batch
        #: How many batches and appends were flushed (for tests and benchmarks).
        self.batches = 0
        self.appends = 0
        self._flush = flush
        self._queue: list[Pending] = []
        self._runner: asyncio.Task[None] | None = None

    async def submit(
        self,
        conversation_id: str,
        expected: int,
        events: Sequence[NewEvent],
        index: IndexEntry | None,
    ) -> list[StoredEvent]:
        """Queue one append; its stored events once its batch is written."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[StoredEvent]] = loop.create_future()
        future.add_done_callback(_retrieve)
        self._queue.append(
            Pending(
                conversation_id=conversation_id,
                expected=expected,
                events=events,
                index=index,
                future=future,
            )
        )
        if self._runner is None:
            self._runner = loop.create_task(self._drain(), name="aiconv-group-commit")
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            if not future.done():
                await asyncio.wait({future})
            raise

    async def drained(self) -> None:
        """Until every queued append has been flushed (for ``close``)."""
        while self._runner is not None:
            await asyncio.wait({self._runner})

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                self.batches += 1
                self.appends += len(batch)
                try:
                    await self._flush(batch)
                except Exception as exc:  # the backend's mapped error: every append gets it
                    for pending in batch:
                        pending.fail(exc)
                except BaseException:  # cancelled (the loop is closing): nobody may hang
                    for pending in (*batch, *self._queue):
                        pending.fail(LogError("the log closed before this append settled"))
                    self._queue.clear()
                    raise
                for pending in batch:  # a flush that forgot one must not hang its caller
                    pending.fail(LogError("group commit left an append unsettled"))
        finally:
            self._runner = None


def _retrieve(future: asyncio.Future[list[StoredEvent]]) -> None:
    """Mark the outcome as seen even when the caller was cancelled and never looks."""
    if not future.cancelled():
        future.exception()
