"""The SQLite conversation log: one file, shared safely by many processes.

It puts the parts together and owns reads and the index queries. Opening (checks, modes,
migrations under a file lock) is in ``sqlite_files``; appends are group-committed by
``sqlite_writer`` (one transaction per batch, each append guarded by its own expected sequence,
``UNIQUE(conversation_id, sequence)`` as the last line of defence); queries in flight together
share one trip to ``sqlite_reader``'s thread; the table layout is in ``sqlite_schema``;
wake-ups in ``sqlite_wakeups``.

It must not block the event loop: no sync ``sqlite3`` calls in coroutines, no blocking file
lock. Writes go through the writer's connection and thread, reads and the watcher through the
reader's, so readers only ever see committed events; WAL checkpoints run every
``checkpoint_every`` commits on a third connection, instead of inside whichever append crossed
SQLite's auto-checkpoint threshold.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import aiosqlite

from aiconv.errors import ConfigError, LogError
from aiconv.queues import sqlite_files as files
from aiconv.queues import sqlite_schema as schema
from aiconv.queues.group_commit import GroupCommit
from aiconv.queues.log import (
    ConversationLog,
    IndexEntry,
    ListQuery,
    NewEvent,
    OpenMode,
    StoredEvent,
    bounded,
)
from aiconv.queues.sqlite_reader import SqliteReader
from aiconv.queues.sqlite_wakeups import DataVersionWakeUps
from aiconv.queues.sqlite_writer import SqliteWriter


class SqliteLog(ConversationLog):
    """A conversation log in one SQLite file; open it with ``await SqliteLog.open(path)``."""

    backend = "sqlite"
    checkpoint_every = 200  # commits between two background WAL checkpoints

    def __init__(self, path: Path, reader: SqliteReader, writer: SqliteWriter | None) -> None:
        self.path = path
        #: Opened with ``mode="read"``: appends and index writes raise ``LogError``.
        self.read_only = writer is None
        self.writer = writer
        self._reader = reader
        self.wakeups = DataVersionWakeUps(
            reader,
            self.last_sequence,
            name=str(path),
            own_version=writer.data_version if writer is not None else None,
        )
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
        db_path = await asyncio.to_thread(files.check_path, Path(path), mode, busy_timeout)
        opened: list[aiosqlite.Connection] = []
        writer = None if mode == "read" else SqliteWriter(db_path, busy_timeout)
        reader = SqliteReader(db_path, busy_timeout, read_only=writer is None)
        try:
            return await cls._open(db_path, reader, writer, busy_timeout, opened)
        except BaseException as exc:
            for connection in opened:
                await connection.close()
            await reader.close()
            if writer is not None:
                await writer.close()
            if isinstance(exc, aiosqlite.DatabaseError | sqlite3.DatabaseError):
                raise ConfigError(
                    f"{db_path} is not an aiconv SQLite log ({exc}): give another --db path"
                ) from exc
            raise

    @classmethod
    async def _open(
        cls,
        db_path: Path,
        reader: SqliteReader,
        writer: SqliteWriter | None,
        busy_timeout: float,
        opened: list[aiosqlite.Connection],
    ) -> SqliteLog:
        async def connect() -> aiosqlite.Connection:
            opened.append(await files.connect(db_path, busy_timeout))
            return opened[-1]

        if writer is None:
            await reader.start()
            await files.check_current(db_path, reader)
            log = cls(db_path, reader, None)
        else:
            await files.migrate(db_path, connect, busy_timeout)
            checkpointer = opened[-1]  # the migration's connection: idle from now on
            await writer.start()
            await reader.start()
            log = cls(db_path, reader, writer)
            log._checkpointer = checkpointer
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
        stored = await self._committer().submit(conversation_id, expected_sequence, events, index)
        self.wakeups.appended(conversation_id, stored[-1].sequence, stored[-1].position)
        self._commits += 1
        if self._commits >= self.checkpoint_every:
            self._commits = 0
            if self._checkpoint is None or self._checkpoint.done():
                self._checkpoint = asyncio.create_task(self._checkpoint_wal())
        return stored

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
        rows = await self._reader.execute_at_once(
            f"SELECT {schema.INDEX_COLUMNS} FROM conversations WHERE conversation_id = ?",
            (conversation_id,),
        )
        return next((schema.entry(row) for row in rows), None)

    async def delete(self, conversation_id: str) -> bool:
        if self.writer is None:
            raise LogError(f"the SQLite log {self.path} was opened read-only")
        return await self.writer.delete(conversation_id)

    async def put_index(self, entry: IndexEntry) -> None:
        await self._committer().submit(entry.conversation_id, 0, (), entry)

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
            f"SELECT COUNT(*) FROM conversations{where}", tuple(params)
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
        if self.writer is not None:
            await self.writer.close()
        if self._checkpointer is not None:
            await self._checkpointer.close()
        await self._reader.close()

    def _committer(self) -> GroupCommit:
        if self.writer is None:
            raise LogError(f"the SQLite log {self.path} was opened read-only")
        return self.writer.commit

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
        rows = await self._reader.execute_at_once(schema.HEAD, (conversation_id,))
        position, sequence = next(iter(rows))
        return int(position), int(sequence)
