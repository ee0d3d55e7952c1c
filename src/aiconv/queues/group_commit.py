"""Group commit: appends from many conversations of one process written in one batch.

``GroupCommit`` queues appends and hands them to a backend's ``flush`` in batches, with at most
one batch in flight: appends that arrive while a batch is being written form the next one, so a
busy process pays one transaction (SQLite) or one round trip (Redis) per batch instead of one
per append, and an idle one adds no latency (the first append of a quiet spell is flushed at
once, alone). The backend settles each append on its own (``Pending.settle`` / ``fail``): a
conflict fails that append alone; a failure of the whole batch fails every append in it.

A backend may also write a lone append at once (``at_once``): when nothing is queued or in
flight, the first append of a step of the event loop is written in the caller's own step, with
no task, no queue and no trip through the loop; appends made later in the same step are queued
and form a batch, so a burst is still group-committed. A backend that cannot write without
waiting says so and the append is queued as usual.

A backend that must wait for every write (Redis: a round trip) may instead have a lone append
flushed in its caller's own task (``inline``): when nothing is queued or in flight, no task is
made and the caller resumes straight from the reply (two fewer steps of the event loop); appends
made meanwhile are queued behind it, as behind any batch in flight.

A caller cancelled while its append is queued or being written gets the cancellation only once
the append has settled, so it never has to guess whether a write is still under way (an inline
append cut short is handed to the queue, which writes it or, its sequence check failing, finds
it written).
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
    #: What the caller awaits (cancelled with the caller: the append is written all the same).
    future: asyncio.Future[list[StoredEvent]] = field(repr=False)
    #: Whether the append has settled (written, conflicted or failed).
    done: bool = False
    #: Made only for a caller cancelled before the append settled: it waits for this.
    settled: asyncio.Future[None] | None = field(default=None, repr=False)

    def settle(self, stored: list[StoredEvent]) -> None:
        """The append was written as ``stored``."""
        if not self.future.done():
            self.future.set_result(stored)
        self._done()

    def fail(self, exc: BaseException) -> None:
        """The append was not written (a conflict) or its outcome is ``exc``."""
        if not self.future.done():
            self.future.set_exception(exc)
        self._done()

    def _done(self) -> None:
        self.done = True
        if self.settled is not None and not self.settled.done():
            self.settled.set_result(None)


#: Writes a batch and settles every append in it (what a backend provides).
Flush = Callable[[list[Pending]], Awaitable[None]]
#: Writes one append and settles it without waiting; False (nothing written) when it would wait.
AtOnce = Callable[[Pending], bool]


class GroupCommit:
    """Batches appends for ``flush``; one batch in flight at a time."""

    #: At most this many appends are written at once in one step of the event loop; later ones
    #: in the same step are queued and batched (a burst, e.g. many seats woken together).
    at_once_per_step = 4

    def __init__(
        self,
        flush: Flush,
        *,
        max_batch: int = 512,
        at_once: AtOnce | None = None,
        inline: bool = False,
    ) -> None:
        self.max_batch = max_batch
        self.inline = inline
        #: How many batches and appends were flushed (for tests and benchmarks).
        self.batches = 0
        self.appends = 0
        self._flush = flush
        self._at_once = at_once
        #: Appends written at once in this step of the event loop.
        self._stepped = 0
        self._queue: list[Pending] = []
        self._runner: asyncio.Task[None] | None = None
        #: Resolved when the inline append in flight (if any) has been flushed.
        self._inline: asyncio.Future[None] | None = None

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
        pending = Pending(
            conversation_id=conversation_id,
            expected=expected,
            events=events,
            index=index,
            future=future,
        )
        if self._wrote_at_once(pending, loop):
            return future.result()  # written, or its conflict raised
        idle = self._runner is None and self._inline is None
        if idle and self.inline and not self._queue:
            return await self._flush_inline(pending)
        self._queue.append(pending)
        if idle:
            self._runner = loop.create_task(self._drain(), name="aiconv-group-commit")
        return await self._queued(pending, loop)

    def _wrote_at_once(self, pending: Pending, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether ``pending`` was written at once (nothing in flight, few such this step)."""
        at_once = self._at_once
        if (
            at_once is None
            or self._runner is not None
            or self._stepped >= self.at_once_per_step
            or not at_once(pending)
        ):
            return False
        self.batches += 1
        self.appends += 1
        if not self._stepped:
            loop.call_soon(self._next_step)
        self._stepped += 1
        return True

    async def _queued(self, pending: Pending, loop: asyncio.AbstractEventLoop) -> list[StoredEvent]:
        """The stored events of ``pending`` once the queue has flushed it.

        Awaited directly, not through asyncio.shield (a second future, two callbacks and an
        extra step of the loop per append): a cancelled caller cancels the append's future,
        which the flush then leaves alone, and waits for ``settled`` instead.
        """
        future = pending.future
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                future.exception()  # settled just before the cancellation: seen, not logged
            if not pending.done:
                pending.settled = loop.create_future()
                await asyncio.wait({pending.settled})
            raise

    async def _flush_inline(self, pending: Pending) -> list[StoredEvent]:
        """Flush ``pending`` alone in the caller's task; its stored events."""
        loop = asyncio.get_running_loop()
        self._inline = inline = loop.create_future()
        self.batches += 1
        self.appends += 1
        try:
            await self._flush([pending])
        except asyncio.CancelledError:
            if not pending.done:  # its outcome is unknown: the queue settles it
                pending.future.cancel()
                pending.settled = loop.create_future()
                self._queue.insert(0, pending)
            self._release(inline)
            if pending.settled is not None:
                await asyncio.wait({pending.settled})
            raise
        except Exception as exc:  # the backend's mapped error
            pending.fail(exc)
        self._release(inline)
        pending.fail(LogError("group commit left an append unsettled"))  # if it did
        return pending.future.result()

    def _release(self, inline: asyncio.Future[None]) -> None:
        """The inline append is over: what was queued behind it goes out."""
        self._inline = None
        inline.set_result(None)
        if self._queue and self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(
                self._drain(), name="aiconv-group-commit"
            )

    def _next_step(self) -> None:
        self._stepped = 0

    async def drained(self) -> None:
        """Until every queued append has been flushed (for ``close``)."""
        while (busy := self._runner or self._inline) is not None:
            await asyncio.wait({busy})

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
