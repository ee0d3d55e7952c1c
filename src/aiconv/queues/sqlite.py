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
import functools
import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite
from filelock import AsyncFileLock
from filelock import Timeout as FileLockTimeout

from aiconv.errors import ConfigError, LogUnavailable, SequenceConflict
from aiconv.queues.log import ConversationLog, IndexEntry, ListQuery, NewEvent, StoredEvent
from aiconv.queues.memory import StreamWaiters

_MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "001_events",
        """CREATE TABLE events (
            position INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            kind TEXT NOT NULL,
            version INTEGER NOT NULL,
            at REAL NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (conversation_id, sequence)
        );""",
    ),
    (
        "002_conversations",
        """CREATE TABLE conversations (
            conversation_id TEXT PRIMARY KEY,
            created_at REAL NOT NULL, updated_at REAL NOT NULL, topic TEXT NOT NULL,
            participants TEXT NOT NULL, agents TEXT NOT NULL, status TEXT NOT NULL,
            turns INTEGER NOT NULL, end_reason TEXT, cost_usd REAL, run_id TEXT,
            last_sequence INTEGER NOT NULL, tags TEXT NOT NULL
        );
        CREATE INDEX conversations_created ON conversations (created_at, conversation_id);
        CREATE INDEX conversations_status ON conversations (status, created_at);
        CREATE INDEX conversations_run ON conversations (run_id, created_at);""",
    ),
)

_EVENT_COLUMNS = "conversation_id, sequence, position, kind, version, at, data"
_INDEX_COLUMNS = (  # the IndexEntry fields, in table order
    "conversation_id, created_at, updated_at, topic, participants, agents, status, turns,"
    " end_reason, cost_usd, run_id, last_sequence, tags"
)
_HEAD = (
    "SELECT (SELECT COALESCE(MAX(position), 0) FROM events),"
    " (SELECT COALESCE(MAX(sequence), 0) FROM events WHERE conversation_id = ?)"
)
_LAST_SEQUENCE = "SELECT COALESCE(MAX(sequence), 0) FROM events WHERE conversation_id = ?"
_PUT_INDEX = (
    f"INSERT OR REPLACE INTO conversations ({_INDEX_COLUMNS}) VALUES ({', '.join('?' * 13)})"
)
_GROWN_SINCE = (
    "SELECT conversation_id, MAX(sequence), MAX(position) FROM events"
    " WHERE position > ? GROUP BY conversation_id"
)
_NEWEST_FIRST = " ORDER BY created_at DESC, conversation_id DESC"


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
        db_path = await asyncio.to_thread(_prepare_path, Path(path))
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
            opened.append(await _connect(db_path, busy_timeout))
            return opened[-1]

        try:
            async with AsyncFileLock(f"{db_path}.lock", timeout=busy_timeout):
                writer = await connect()
                await _migrate(writer)
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
                    await db.execute(_PUT_INDEX, _index_row(index))
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
            _guarded_insert(len(events)), (*params, cid, expected)
        )
        if not rows:
            last = await self._writer.execute_fetchall(_LAST_SEQUENCE, (cid,))
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
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE conversation_id = ? AND sequence > ?"
            " ORDER BY sequence LIMIT ?",
            (conversation_id, after, -1 if limit is None else max(limit, 0)),
        )
        return [_stored(row) for row in rows]

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        rows = await self._reader.execute_fetchall(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?",
            (after_position, max(limit, 0)),
        )
        return [_stored(row) for row in rows]

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
            f"SELECT {_INDEX_COLUMNS} FROM conversations WHERE conversation_id = ?",
            (conversation_id,),
        )
        return next((_entry(row) for row in rows), None)

    async def put_index(self, entry: IndexEntry) -> None:
        async with self._write_lock:
            await self._writer.execute(_PUT_INDEX, _index_row(entry))

    async def list_conversations(self, query: ListQuery | None = None) -> list[IndexEntry]:
        query = query or ListQuery()
        where, params = _where(query)
        rows = await self._reader.execute_fetchall(
            f"SELECT {_INDEX_COLUMNS} FROM conversations{where}{_NEWEST_FIRST} LIMIT ? OFFSET ?",
            (*params, max(query.limit, 0), max(query.offset, 0)),
        )
        return [_entry(row) for row in rows]

    async def count_conversations(self, query: ListQuery | None = None) -> int:
        where, params = _where(query or ListQuery())
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
        rows = await self._reader.execute_fetchall(_HEAD, (conversation_id,))
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
        rows = await self._reader.execute_fetchall(_GROWN_SINCE, (self._watch_position,))
        for conversation_id, last_sequence, position in rows:
            self._watch_position = max(self._watch_position, int(position))
            self._waiters.notify(str(conversation_id), int(last_sequence))


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark the outcome of a shielded append as seen even if its caller was cancelled."""
    if not task.cancelled():
        task.exception()


def _prepare_path(path: Path) -> Path:
    """Validate ``path`` and create its directory; raise ``ConfigError`` saying what to fix."""
    path = path.expanduser()
    if path.is_dir():
        raise ConfigError(
            f"SQLite log path {path} is a directory: give a file such as {path}/runs.db"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the directory of the SQLite log {path} ({exc.strerror}):"
            " choose a path in a writable directory"
        ) from exc
    writable_dir = os.access(path.parent, os.W_OK | os.X_OK)
    if not writable_dir or (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        raise ConfigError(
            f"SQLite log {path} is not writable: fix the permissions of the file and its"
            " directory, or choose another path"
        )
    return path


async def _connect(path: Path, busy_timeout: float) -> aiosqlite.Connection:
    try:
        db = await aiosqlite.connect(path, isolation_level=None)
    except aiosqlite.Error as exc:
        raise ConfigError(f"cannot open the SQLite log {path} ({exc}): check the path") from exc
    try:
        await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        await db.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await db.close()
        raise
    return db


async def _migrate(db: aiosqlite.Connection) -> None:
    """Apply, once each and in order, the migrations this file has not seen (under the lock)."""
    await db.execute("PRAGMA journal_mode = WAL")
    await db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
    )
    applied = {str(row[0]) for row in await db.execute_fetchall("SELECT name FROM migrations")}
    for name, script in _MIGRATIONS:
        if name not in applied:
            await db.executescript(
                f"BEGIN IMMEDIATE; {script}\n"
                "INSERT INTO migrations (name, applied_at)"
                f" VALUES ('{name}', CAST(strftime('%s', 'now') AS REAL)); COMMIT;"
            )


def _where(query: ListQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("status", query.status), ("run_id", query.run_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    for column, value in (("participants", query.participant), ("agents", query.agent)):
        if value is not None:
            clauses.append(f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value = ?)")
            params.append(value)
    if query.text:
        clauses.append("(instr(lower(topic), ?) > 0 OR instr(lower(conversation_id), ?) > 0)")
        params += [query.text.lower()] * 2
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


@functools.lru_cache(maxsize=16)
def _guarded_insert(count: int) -> str:
    """INSERT of ``count`` events that writes nothing unless the stream is at the expected end.

    The guard reads the table it inserts into, so SQLite evaluates the whole SELECT before the
    first row goes in: every row sees the same, pre-append, last sequence.
    """
    rows = ", ".join(["(?, ?, ?, ?, ?, ?)"] * count)
    return (
        "INSERT INTO events (conversation_id, sequence, kind, version, at, data)"
        f" SELECT * FROM (VALUES {rows}) WHERE ({_LAST_SEQUENCE}) = ? RETURNING position"
    )


def _stored(row: Iterable[Any]) -> StoredEvent:
    fields = dict(zip(_EVENT_COLUMNS.split(", "), row, strict=True))
    return StoredEvent(**{**fields, "data": bytes(fields["data"])})


_TUPLE_FIELDS = ("participants", "agents", "tags")  # stored as JSON arrays


def _index_row(entry: IndexEntry) -> tuple[Any, ...]:
    return tuple(
        json.dumps(list(getattr(entry, name))) if name in _TUPLE_FIELDS else getattr(entry, name)
        for name in _INDEX_COLUMNS.split(", ")
    )


def _entry(row: Iterable[Any]) -> IndexEntry:
    fields = dict(zip(_INDEX_COLUMNS.split(", "), row, strict=True))
    for name in _TUPLE_FIELDS:
        fields[name] = tuple(json.loads(fields[name]))
    return IndexEntry(**fields)
