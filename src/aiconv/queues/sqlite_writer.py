"""The SQLite log's writer: group commit, one transaction per batch, on one writer thread.

Appends queue in a ``GroupCommit``; each batch is written by ONE call on the writer thread that
opens ``BEGIN IMMEDIATE``, runs every append's guarded insert (each checked against its own
expected sequence: a stale one inserts nothing and fails alone), writes the index entries of
the appends that went in, and commits. A crash anywhere before ``COMMIT`` leaves the whole batch
unwritten; an error of the transaction itself fails every append of the batch.

A lone append (nothing queued or in flight: the common case of an idle or lightly loaded
process) is written at once on the event loop when no other connection holds the write lock
(``GroupCommit``'s ``at_once``, see ``sqlite_thread``): the same transaction, without the hop
or the queue. Busy, it is queued and goes to the thread like a batch.

Why a thread of our own with ``sqlite3`` rather than ``aiosqlite``: aiosqlite hops to its thread
once per statement (2–3 hops per append, each a future and a wake-up of the event loop), and
offers no public way to run a batch of statements in one hop. The thread is the same design
(one connection, one thread, nothing blocks the loop), with one hop per batch.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiconv.errors import LogError, LogUnavailable, SequenceConflict
from aiconv.queues import sqlite_schema as schema
from aiconv.queues.group_commit import GroupCommit, Pending
from aiconv.queues.log import StoredEvent
from aiconv.queues.sqlite_thread import Busy, SqliteThread

#: What the writer thread reports per append: its positions, or the stream's last sequence.
_Outcome = tuple[bool, list[int] | int]
#: One append as the writer thread gets it: id, expected, event rows, index row.
_Work = tuple[str, int, list[Any], tuple[Any, ...] | None]


class SqliteWriter(SqliteThread):
    """Owns the write connection and its thread; ``await append(...)`` through ``commit``."""

    def __init__(self, path: Path, busy_timeout: float) -> None:
        super().__init__(path, busy_timeout, name="aiconv-sqlite-writer")
        self.commit = GroupCommit(self._flush, at_once=self._write_at_once)

    async def start(self) -> None:
        """Connect (on the writer thread: opening a file may block)."""
        await self._connect_both()

    async def close(self) -> None:
        """Flush what is queued, close the connection, stop the thread."""
        await self.commit.drained()
        await self._close_connection()

    def _connect(self, busy_timeout: float) -> sqlite3.Connection:
        db = self._waiting(
            sqlite3.connect(self.path, isolation_level=None, check_same_thread=False),
            busy_timeout,
        )
        db.execute("PRAGMA synchronous = NORMAL")
        # Checkpoints run off the append path (SqliteLog._checkpoint_wal).
        db.execute("PRAGMA wal_autocheckpoint = 0")
        return db

    async def _flush(self, batch: list[Pending]) -> None:
        at = time.time()
        work = [_work(pending, at) for pending in batch]
        with self._mapped_errors():
            outcomes: list[_Outcome] = await self._run(self._write, work)
        _settle(batch, outcomes, at)

    def _write_at_once(self, pending: Pending) -> bool:
        """A lone append on the event loop; False (rolled back, nothing written) when another
        connection holds the write lock."""
        at = time.time()
        work = [_work(pending, at)]
        with self._mapped_errors():
            try:
                outcomes = self._at_once(lambda db: _transaction(db, work))
            except Busy:
                return False
        _settle([pending], outcomes, at)
        return True

    def data_version(self) -> int | None:
        """``PRAGMA data_version`` of the event loop's connection, the one lone appends are
        written through: it moves at every commit of another connection (another process's, or
        a batch of this one's writer thread) but not at those appends. None if unreadable."""
        if self._quick is None:
            return None
        try:
            return int(self._quick.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None

    @contextlib.contextmanager
    def _mapped_errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:  # busy past the timeout, disk full, I/O
            raise LogUnavailable(f"SQLite log {self.path}: {exc}") from exc
        except sqlite3.Error as exc:  # e.g. a corrupted file: never a foreign error upwards
            raise LogError(f"SQLite log {self.path}: {exc}") from exc

    async def delete(self, conversation_id: str) -> bool:
        """Remove a conversation's events and index row in one transaction (retention); on the
        writer thread, so never inside a batch."""
        try:
            deleted: bool = await self._run(self._delete, conversation_id)
        except sqlite3.OperationalError as exc:
            raise LogUnavailable(f"SQLite log {self.path}: {exc}") from exc
        except sqlite3.Error as exc:  # closed meanwhile
            raise LogError(f"SQLite log {self.path}: {exc}") from exc
        return deleted

    def _delete(self, conversation_id: str) -> bool:
        db = self._thread_db()
        db.execute("BEGIN IMMEDIATE")
        try:
            removed = db.execute("DELETE FROM events WHERE conversation_id = ?", (conversation_id,))
            db.execute("DELETE FROM conversations WHERE conversation_id = ?", (conversation_id,))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return removed.rowcount > 0

    def _write(self, work: list[_Work]) -> list[_Outcome]:
        """One transaction for the whole batch (runs on the writer thread)."""
        return _transaction(self._thread_db(), work)


def _transaction(db: sqlite3.Connection, work: list[_Work]) -> list[_Outcome]:
    """Every append of ``work`` in one transaction: all of it committed, or none of it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        outcomes = [_write_one(db, *item) for item in work]
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return outcomes


def _write_one(
    db: sqlite3.Connection,
    cid: str,
    expected: int,
    rows: list[Any],
    index_row: tuple[Any, ...] | None,
) -> _Outcome:
    """One append inside the batch's transaction; nothing written for it when it conflicts."""
    positions: list[int] = []
    if rows:
        try:
            found = db.execute(schema.guarded_insert(len(rows) // 6), (*rows, cid, expected))
            positions = sorted(int(row[0]) for row in found.fetchall())
        except sqlite3.IntegrityError:  # UNIQUE(conversation_id, sequence): the statement
            positions = []  # alone is undone, the batch goes on
        if not positions:
            last = db.execute(schema.LAST_SEQUENCE, (cid,)).fetchone()
            return False, int(last[0])
    if index_row is not None:
        db.execute(schema.PUT_INDEX, index_row)
    return True, positions


def _work(pending: Pending, at: float) -> _Work:
    index = None if pending.index is None else schema.index_row(pending.index)
    return pending.conversation_id, pending.expected, _rows(pending, at), index


def _settle(batch: list[Pending], outcomes: list[_Outcome], at: float) -> None:
    for pending, (written, detail) in zip(batch, outcomes, strict=True):
        if written:
            assert isinstance(detail, list)
            pending.settle(_stored(pending, detail, at))
        else:
            assert isinstance(detail, int)
            pending.fail(SequenceConflict(pending.conversation_id, pending.expected, detail))


def _rows(pending: Pending, at: float) -> list[Any]:
    params: list[Any] = []
    for offset, event in enumerate(pending.events, start=1):
        params += (
            pending.conversation_id,
            pending.expected + offset,
            event.kind,
            event.version,
            at,
            event.data,
        )
    return params


def _stored(pending: Pending, positions: list[int], at: float) -> list[StoredEvent]:
    return [
        StoredEvent(
            conversation_id=pending.conversation_id,
            sequence=pending.expected + offset,
            position=position,
            kind=event.kind,
            version=event.version,
            at=at,
            data=event.data,
        )
        for offset, (position, event) in enumerate(zip(positions, pending.events, strict=True), 1)
    ]
