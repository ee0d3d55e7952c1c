"""The SQLite conversation log (aiosqlite): one file, shared safely by many processes.

It owns the optimistic append (one ``INSERT … SELECT … WHERE`` that writes only if the stream
is exactly at the expected sequence, inside ``BEGIN IMMEDIATE`` when an index entry goes with
it; ``UNIQUE(conversation_id, sequence)`` as the last line of defence), reads and the index.
Opening (checks, modes, migrations under a file lock) is in ``sqlite_files``, the table layout
in ``sqlite_schema``, the wake-ups in ``sqlite_wakeups``.

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

from aiconv.errors import ConfigError, LogError, LogUnavailable, SequenceConflict
from aiconv.queues import sqlite_files as files
from aiconv.queues import sqlite_schema as schema
from aiconv.queues.log import (
    ConversationLog,
    IndexEntry,
    ListQuery,
    NewEvent,
    OpenMode,
    StoredEvent,
    bounded,
)
from aiconv.queues.sqlite_wakeups import DataVersionWakeUps


class SqliteLog(ConversationLog):
    """A conversation log in one SQLite file; open it with ``await SqliteLog.open(path)``."""

    backend = "sqlite"
    checkpoint_every = 200  # commits between two background WAL checkpoints

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        *,
        read_only: bool = False,
    ) -> None:
        self.path = path
        #: Opened with ``mode="read"``: appends and index writes raise ``LogError``.
        self.read_only = read_only
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self.wakeups = DataVersionWakeUps(reader, self.last_sequence, name=str(path))
        self._waiters = self.wakeups.waiters  # what the contract suite observes
        self._commits = 0
        self._checkpointer: aiosqlite.Connection | None = None
        self._checkpoint: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        mode: OpenMode = "create",
        busy_timeout: float = 10.0,
    ) -> SqliteLog:
        """Open the log stored at ``path`` as ``mode`` allows (see ``OpenMode``)."""
        # Blocking stat and sqlite3 checks of someone's file: off the event loop.
        db_path = await asyncio.to_thread(files.check_path, Path(path), mode)
        opened: list[aiosqlite.Connection] = []
        try:
            return await cls._open(db_path, mode, busy_timeout, opened)
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
        cls, db_path: Path, mode: OpenMode, busy_timeout: float, opened: list[aiosqlite.Connection]
    ) -> SqliteLog:
        read_only = mode == "read"

        async def connect() -> aiosqlite.Connection:
            opened.append(await files.connect(db_path, busy_timeout, read_only=read_only))
            return opened[-1]

        if read_only:
            reader = await connect()
            await files.check_current(db_path, reader)
            log = cls(db_path, reader, reader, read_only=True)
        else:
            await files.migrate(db_path, connect, busy_timeout)
            writer = opened[-1]
            # Checkpoints move off the append path (see `_checkpoint_wal`): a commit that
            # crosses the auto-checkpoint threshold would otherwise copy and fsync the WAL
            # inside a turn.
            await writer.execute("PRAGMA wal_autocheckpoint = 0")
            log = cls(db_path, writer, await connect())
            log._checkpointer = await connect()
        log.wakeups.position = (await log._head(""))[0]
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
        self._check_writable()
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
        self.wakeups.appended(conversation_id, stored[-1].sequence, stored[-1].position)
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
            (conversation_id, bounded(after), -1 if limit is None else bounded(limit)),
        )
        return [schema.stored(row) for row in rows]

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        rows = await self._reader.execute_fetchall(
            f"SELECT {schema.EVENT_COLUMNS} FROM events"
            " WHERE position > ? ORDER BY position LIMIT ?",
            (bounded(after_position), bounded(limit)),
        )
        return [schema.stored(row) for row in rows]

    async def wait(self, conversation_id: str, after: int, timeout: float) -> bool:
        return await self.wakeups.wait(conversation_id, after, timeout)

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
        self._check_writable()
        async with self._write_lock:
            await self._writer.execute(schema.PUT_INDEX, schema.index_row(entry))

    async def list_conversations(self, query: ListQuery | None = None) -> list[IndexEntry]:
        query = query or ListQuery()
        where, params = schema.where(query)
        rows = await self._reader.execute_fetchall(
            f"SELECT {schema.INDEX_COLUMNS} FROM conversations{where}"
            f"{schema.NEWEST_FIRST} LIMIT ? OFFSET ?",
            (*params, bounded(query.limit), bounded(query.offset)),
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
        await self.wakeups.close()
        if self._checkpoint is not None:
            self._checkpoint.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiosqlite.Error, ValueError):
                await self._checkpoint
        if self._checkpointer is not None:
            await self._checkpointer.close()
        await self._writer.close()
        if self._reader is not self._writer:
            await self._reader.close()

    def _check_writable(self) -> None:
        if self.read_only:
            raise LogError(f"the SQLite log {self.path} was opened read-only")

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


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark the outcome of a shielded append as seen even if its caller was cancelled."""
    if not task.cancelled():
        task.exception()
