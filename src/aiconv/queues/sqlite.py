"""The SQLite conversation log (aiosqlite): one file, shared safely by many processes.

It owns the file layout (``events``, ``conversations``, ``migrations`` tables), the named
migrations run once under a cross-process file lock, the optimistic append (one ``INSERT …
SELECT … WHERE`` that writes only if the stream is exactly at the expected sequence, inside
``BEGIN IMMEDIATE`` when an index entry goes with it; ``UNIQUE(conversation_id, sequence)`` as
the last line of defence) and the wake-ups: appends from this object wake in-process waiters
directly; one watcher task per log, alive only while someone waits, checks ``PRAGMA
data_version`` every 2 ms (backing off to 10 ms while nothing changes) and wakes the waiters of
streams another process grew.

It must not block the event loop: no sync ``sqlite3`` calls in coroutines, no blocking file
lock. Writes go through one connection (serialised by an ``asyncio.Lock``), reads and the
watcher through another, so readers only ever see committed events; WAL checkpoints run every
``checkpoint_every`` commits on a third, instead of inside whichever append crossed SQLite's
auto-checkpoint threshold.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite
from filelock import AsyncFileLock
from filelock import Timeout as FileLockTimeout

from aiconv.errors import ConfigError, LogUnavailable, SequenceConflict
from aiconv.queues import sqlite_schema as schema
from aiconv.queues.log import ConversationLog, IndexEntry, ListQuery, NewEvent, StoredEvent
from aiconv.queues.waiters import StreamWaiters


class SqliteLog(ConversationLog):
    """A conversation log in one SQLite file; open it with ``await SqliteLog.open(path)``."""

    backend = "sqlite"
    watch_interval = 0.002  # seconds between two `PRAGMA data_version` checks while waited on
    max_watch_interval = 0.010  # the interval an idle watch backs off to
    checkpoint_every = 200  # commits between two background WAL checkpoints

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._waiters = StreamWaiters()
        self._watcher: asyncio.Task[None] | None = None
        self._watch_position = 0
        self._commits = 0
        self._checkpointer: aiosqlite.Connection | None = None
        self._checkpoint: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: str | os.PathLike[str], *, busy_timeout: float = 10.0) -> SqliteLog:
        """Open (creating it and its directories if needed) the log stored at ``path``."""
        db_path = await asyncio.to_thread(schema.prepare_path, Path(path))
        opened: list[aiosqlite.Connection] = []
        try:
            return await cls._open(db_path, busy_timeout, opened)
        except BaseException as exc:
            for connection in opened:
                await connection.close()
            if isinstance(exc, aiosqlite.DatabaseError):
                raise ConfigError(
                    f"{db_path} is not an aiconv SQLite log ({exc}): give another --db path"
                ) from exc
            raise

    @classmethod
    async def _open(
        cls, db_path: Path, busy_timeout: float, opened: list[aiosqlite.Connection]
    ) -> SqliteLog:
        async def connect() -> aiosqlite.Connection:
            opened.append(await schema.connect(db_path, busy_timeout))
            return opened[-1]

        try:
            async with AsyncFileLock(f"{db_path}.lock", timeout=busy_timeout):
                writer = await connect()
                await schema.migrate(writer)
        except FileLockTimeout as exc:
            raise LogUnavailable(f"{db_path}.lock held by another process for too long") from exc
        # Checkpoints move off the append path (see `_checkpoint_wal`): a commit that crosses
        # the auto-checkpoint threshold would otherwise copy and fsync the WAL inside a turn.
        await writer.execute("PRAGMA wal_autocheckpoint = 0")
        log = cls(db_path, writer, await connect())
        log._checkpointer = await connect()
        log._watch_position = (await log._head(""))[0]
        return log

    async def append(
        self,
        conversation_id: str,
        expected_sequence: int,
        events: Sequence[NewEvent],
        *,
        index: IndexEntry | None = None,
    ) -> list[StoredEvent]:
        if not events:
            raise ValueError("append needs at least one event")
        # Shielded so a cancelled caller never leaves the write connection inside a transaction;
        # the cancellation is delivered once the transaction has settled either way.
        task = asyncio.ensure_future(
            self._append(conversation_id, expected_sequence, events, index)
        )
        task.add_done_callback(_retrieve)
        try:
            stored = await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait({task})
            raise
        if not self._waiters:
            # Nobody waits, so nobody needs a wake-up for anything up to here.
            self._watch_position = max(self._watch_position, stored[-1].position)
        self._waiters.notify(conversation_id, stored[-1].sequence)
        self._commits += 1
        if self._commits >= self.checkpoint_every:
            self._commits = 0
            if self._checkpoint is None or self._checkpoint.done():
                self._checkpoint = asyncio.create_task(self._checkpoint_wal())
        return stored

    async def _append(
        self, cid: str, expected: int, events: Sequence[NewEvent], index: IndexEntry | None
    ) -> list[StoredEvent]:
        db = self._writer
        async with self._write_lock:
            try:
                if index is None:
                    # One guarded statement is atomic on its own: one trip to the SQLite thread.
                    return await self._insert(cid, expected, events)
                await db.execute("BEGIN IMMEDIATE")
                try:
                    stored = await self._insert(cid, expected, events)
                    await db.execute(schema.PUT_INDEX, schema.index_row(index))
                    await db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        await db.execute("ROLLBACK")
                    raise
            except aiosqlite.IntegrityError as exc:
                raise SequenceConflict(cid, expected) from exc
            except aiosqlite.OperationalError as exc:
                raise LogUnavailable(f"SQLite log {self.path}: {exc}") from exc
        return stored

    async def _insert(
        self, cid: str, expected: int, events: Sequence[NewEvent]
    ) -> list[StoredEvent]:
        """Insert ``events`` if the stream is exactly at ``expected``, in ONE statement.

        The statement checks the stream's last sequence and inserts in the same write
        transaction, and SQLite numbers the positions (``INTEGER PRIMARY KEY``), so a stale
        ``expected`` inserts nothing: that is the conflict.
        """
        at = time.time()
        params: list[Any] = []
        for offset, event in enumerate(events, start=1):
            params += (cid, expected + offset, event.kind, event.version, at, event.data)
        rows = await self._writer.execute_fetchall(
            schema.guarded_insert(len(events)), (*params, cid, expected)
        )
        if not rows:
            last = await self._writer.execute_fetchall(schema.LAST_SEQUENCE, (cid,))
            raise SequenceConflict(cid, expected, int(next(iter(last))[0]))
        positions = sorted(int(row[0]) for row in rows)
        return [
            StoredEvent(
                conversation_id=cid,
                sequence=expected + offset,
                position=position,
                kind=event.kind,
                version=event.version,
                at=at,
                data=event.data,
            )
            for offset, (position, event) in enumerate(zip(positions, events, strict=True), 1)
        ]

    async def read(
        self, conversation_id: str, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        rows = await self._reader.execute_fetchall(
            f"SELECT {schema.EVENT_COLUMNS} FROM events WHERE conversation_id = ? AND sequence > ?"
            " ORDER BY sequence LIMIT ?",
            (conversation_id, after, -1 if limit is None else max(limit, 0)),
        )
        return [schema.stored(row) for row in rows]

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        rows = await self._reader.execute_fetchall(
            f"SELECT {schema.EVENT_COLUMNS} FROM events"
            " WHERE position > ? ORDER BY position LIMIT ?",
            (after_position, max(limit, 0)),
        )
        return [schema.stored(row) for row in rows]

    async def wait(self, conversation_id: str, after: int, timeout: float) -> bool:
        return await self._waiters.wait(
            conversation_id,
            after,
            timeout,
            lambda: self.last_sequence(conversation_id),
            on_register=self._ensure_watcher,
        )

    async def last_sequence(self, conversation_id: str) -> int:
        return (await self._head(conversation_id))[1]

    async def get_index(self, conversation_id: str) -> IndexEntry | None:
        rows = await self._reader.execute_fetchall(
            f"SELECT {schema.INDEX_COLUMNS} FROM conversations WHERE conversation_id = ?",
            (conversation_id,),
        )
        return next((schema.entry(row) for row in rows), None)

    async def delete(self, conversation_id: str) -> bool:
        db = self._writer
        async with self._write_lock:
            await db.execute("BEGIN IMMEDIATE")
            try:
                cursor = await db.execute(
                    "DELETE FROM events WHERE conversation_id = ?", (conversation_id,)
                )
                await db.execute(
                    "DELETE FROM conversations WHERE conversation_id = ?", (conversation_id,)
                )
                await db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    await db.execute("ROLLBACK")
                raise
        return cursor.rowcount > 0

    async def put_index(self, entry: IndexEntry) -> None:
        async with self._write_lock:
            await self._writer.execute(schema.PUT_INDEX, schema.index_row(entry))

    async def list_conversations(self, query: ListQuery | None = None) -> list[IndexEntry]:
        query = query or ListQuery()
        where, params = schema.where(query)
        rows = await self._reader.execute_fetchall(
            f"SELECT {schema.INDEX_COLUMNS} FROM conversations{where}"
            f"{schema.NEWEST_FIRST} LIMIT ? OFFSET ?",
            (*params, max(query.limit, 0), max(query.offset, 0)),
        )
        return [schema.entry(row) for row in rows]

    async def count_conversations(self, query: ListQuery | None = None) -> int:
        where, params = schema.where(query or ListQuery())
        rows = await self._reader.execute_fetchall(
            f"SELECT COUNT(*) FROM conversations{where}", params
        )
        return int(next(iter(rows))[0])

    async def conversation_ids(self) -> list[str]:
        rows = await self._reader.execute_fetchall(
            "SELECT DISTINCT conversation_id FROM events ORDER BY conversation_id"
        )
        return [str(row[0]) for row in rows]

    async def close(self) -> None:
        for task in (self._watcher, self._checkpoint):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, aiosqlite.Error, ValueError):
                    await task
        if self._checkpointer is not None:
            await self._checkpointer.close()
        await self._writer.close()
        await self._reader.close()

    async def _checkpoint_wal(self) -> None:
        """Copy the WAL into the database on the third connection, off the append path.

        PASSIVE waits for no reader or writer, so appends go on meanwhile. Best effort: a
        failure is retried after the next ``checkpoint_every`` commits, and SQLite checkpoints
        anyway when the last connection to the file closes.
        """
        if self._checkpointer is not None:
            with contextlib.suppress(aiosqlite.Error):
                await self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    async def _head(self, conversation_id: str) -> tuple[int, int]:
        """The last global position and the last sequence of ``conversation_id`` (committed)."""
        rows = await self._reader.execute_fetchall(schema.HEAD, (conversation_id,))
        position, sequence = next(iter(rows))
        return int(position), int(sequence)

    def _ensure_watcher(self) -> None:
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch(), name=f"aiconv-watch {self.path}")

    async def _watch(self) -> None:
        """Wake waiters whose streams another connection grew; ends when nobody waits."""
        seen: int | None = None
        interval = self.watch_interval
        while self._waiters:
            rows = await self._reader.execute_fetchall("PRAGMA data_version")
            version = int(next(iter(rows))[0])
            if version != seen:
                # The first pass also catches up on commits made while nobody watched.
                seen = version
                interval = self.watch_interval
                await self._wake_grown()
            else:
                # Idle waiting backs off (2 -> 10 ms): a waiting process costs ~1 % of a core
                # instead of ~10 %, and a hand-off after a quiet spell still takes <= ~10 ms.
                interval = min(interval * 1.5, self.max_watch_interval)
            await asyncio.sleep(interval)

    async def _wake_grown(self) -> None:
        rows = await self._reader.execute_fetchall(schema.GROWN_SINCE, (self._watch_position,))
        for conversation_id, last_sequence, position in rows:
            self._watch_position = max(self._watch_position, int(position))
            self._waiters.notify(str(conversation_id), int(last_sequence))


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark the outcome of a shielded append as seen even if its caller was cancelled."""
    if not task.cancelled():
        task.exception()
