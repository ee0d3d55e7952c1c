"""Wake-ups of a SQLite log: in-process notifies, plus one watcher for other processes' commits.

Appends made through this log wake in-process waiters directly (``appended``). Commits made by
other connections are found by ONE watcher task per log, alive only while someone waits: it
checks ``PRAGMA data_version`` every 2 ms (backing off to 10 ms while nothing changes) and, when
the file changed, wakes the waiters of every stream that grew since the last position it saw.
The version is read, when the log writes, through the connection this process's lone appends
are written through (``own_version``), so those appends, already delivered, do not count as
changes: read through the reader, each of them did, and one conversation's turns read their own
events back every ~3 turns with the watcher never backing off. While the version stands still,
nothing but this process's own appends was committed, so the position moves past them.
What it and this process's appends delivered is remembered (``Delivered``), so a seat waiting
for the next append parks without reading the stream's head first. It only reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable

import aiosqlite

from aiconv.queues import sqlite_schema as schema
from aiconv.queues.sqlite_reader import SqliteReader
from aiconv.queues.waiters import Delivered, StreamWaiters, nothing_newer


class DataVersionWakeUps:
    """The ``WakeUps`` of a ``SqliteLog``, reading through its reader connection."""

    watch_interval = 0.002  # seconds between two `PRAGMA data_version` checks while waited on
    max_watch_interval = 0.010  # the interval an idle watch backs off to

    def __init__(
        self,
        reader: SqliteReader,
        last_sequence: Callable[[str], Awaitable[int]],
        *,
        name: str,
        own_version: Callable[[], int | None] | None = None,
    ) -> None:
        self.waiters = StreamWaiters()
        self.delivered = Delivered()
        #: The global position up to which waiters know about every stream's growth.
        self.position = 0
        self.watcher: asyncio.Task[None] | None = None
        self._reader = reader
        self._last_sequence = last_sequence
        self._name = name
        self._own_version = own_version
        #: The global position of this process's latest append, and whether it appended since
        #: the watcher's last poll.
        self._own_position = 0
        self._appended = False
        #: The watcher's polls, and the interval it waits before the next.
        self.polls = 0
        self.interval = self.watch_interval

    async def wait(self, conversation_id: str, after: int, timeout: float) -> bool:
        """See ``WakeUps.wait``; a wait for what was not delivered yet parks without reading the
        stream's head (``Delivered``)."""
        known = self.delivered.watch(conversation_id)
        check = (
            functools.partial(nothing_newer, after)  # the watcher or an append wakes it
            if 0 <= known <= after
            else functools.partial(self._check, conversation_id)
        )
        return await self.waiters.wait(
            conversation_id, after, timeout, check, on_register=self._ensure_watcher
        )

    async def _check(self, conversation_id: str) -> int:
        last = await self._last_sequence(conversation_id)
        self.delivered.saw(conversation_id, last)
        return last

    def appended(self, conversation_id: str, last_sequence: int, position: int) -> None:
        """This process appended up to ``last_sequence`` (global ``position``): wake its waiters."""
        self._own_position = max(self._own_position, position)
        self._appended = True
        if not self.waiters and position > self.position:
            # Nobody waits, so nobody needs a wake-up for anything up to here; but the watcher
            # will not deliver other connections' appends below it: heads may be stale.
            self.position = position
            self.delivered.forget()
        self.delivered.saw(conversation_id, last_sequence)
        self.waiters.notify(conversation_id, last_sequence)

    async def close(self) -> None:
        """Stop the watcher."""
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiosqlite.Error, ValueError):
                await self.watcher

    def _ensure_watcher(self) -> None:
        if self.watcher is None or self.watcher.done():
            self.watcher = asyncio.create_task(self._watch(), name=f"aiconv-watch {self._name}")

    async def _watch(self) -> None:
        """Wake waiters whose streams another connection grew; ends when nobody waits."""
        seen: tuple[bool, int] | None = None
        self.interval = self.watch_interval
        while self.waiters:
            version = await self._version()
            self.polls += 1
            if version == seen and version[0]:  # since the last poll, only own lone appends
                self.position = max(self.position, self._own_position)
            if version != seen:
                # The first pass also catches up on commits made while nobody watched.
                seen = version
                self.interval = self.watch_interval
                await self._wake_grown()
            elif self._appended:
                # This process just appended: an answer from another one may come soon (a
                # hand-off), so the watch starts again from its shortest interval.
                self.interval = self.watch_interval
            else:
                # Idle waiting backs off (2 -> 10 ms): a waiting process costs ~1 % of a core
                # instead of ~10 %, and a hand-off after a quiet spell still takes <= ~10 ms.
                self.interval = min(self.interval * 1.5, self.max_watch_interval)
            self._appended = False
            await asyncio.sleep(self.interval)

    async def _version(self) -> tuple[bool, int]:
        """(whether read through the connection of this process's lone appends, the version
        there): two connections' versions are never compared with each other."""
        own = self._own_version() if self._own_version is not None else None
        if own is not None:
            return True, own
        rows = await self._reader.execute_at_once("PRAGMA data_version")
        return False, int(next(iter(rows))[0])

    async def _wake_grown(self) -> None:
        rows = await self._reader.execute_at_once(schema.GROWN_SINCE, (self.position,))
        for conversation_id, last_sequence, position in rows:
            self.position = max(self.position, int(position))
            self.delivered.saw(str(conversation_id), int(last_sequence))
            self.waiters.notify(str(conversation_id), int(last_sequence))
