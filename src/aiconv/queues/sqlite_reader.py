"""The SQLite log's reader: queries in flight together run in one trip to a reader thread.

Every read of a ``SqliteLog`` (streams, the index, the watcher's ``PRAGMA data_version``) goes
through ``execute_fetchall``. Queries queue; one drain task hands everything queued to the
reader thread in one call, which runs each query in turn on its own connection and returns all
the rows; queries arriving meanwhile form the next trip. With 1,000 conversations waiting and
reading, that is one thread hop (future, queue, wake-up of the event loop) for many reads
instead of one each. A point query (``execute_at_once``: a last sequence, ``data_version``, an
index row) asked while nothing is queued runs on the event loop instead, when no lock is in the
way (see ``sqlite_thread``). Each query is its own statement in
autocommit, so readers only ever see committed events, exactly as before. It only reads.

Why a thread of our own with ``sqlite3`` rather than ``aiosqlite``: see ``sqlite_writer``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from aiconv.errors import ConfigError, LogError, LogUnavailable
from aiconv.queues.sqlite_thread import Busy, SqliteThread

#: One row as ``sqlite3`` returns it.
Row = tuple[Any, ...]


class Fetcher(Protocol):
    """Something that runs a query and returns every row (``SqliteReader``, a connection)."""

    async def execute_fetchall(self, sql: str, parameters: tuple[Any, ...] = ()) -> Any:
        """The rows of ``sql`` with ``parameters``."""
        ...


class SqliteReader(SqliteThread):
    """The read connection of a ``SqliteLog`` and its thread; ``await start()`` first."""

    def __init__(self, path: Path, busy_timeout: float, *, read_only: bool) -> None:
        super().__init__(path, busy_timeout, name="aiconv-sqlite-reader")
        #: How many trips to the thread and queries ran (for tests and benchmarks).
        self.trips = 0
        self.queries = 0
        self._read_only = read_only
        self._journal_was_there = True
        self._queue: list[tuple[str, tuple[Any, ...], asyncio.Future[list[Row]]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect on the reader thread (read-only connections never create the file)."""
        self._journal_was_there = journal_exists(self.path)
        try:
            await self._connect_both()
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open the SQLite log {self.path} ({exc})") from exc

    async def execute_fetchall(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Row]:
        """The rows of ``sql``, run with the other queries queued meanwhile."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Row]] = loop.create_future()
        self._queue.append((sql, parameters, future))
        if self._runner is None:
            self._runner = loop.create_task(self._drain(), name="aiconv-sqlite-reads")
        return await future

    async def execute_at_once(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Row]:
        """The rows of ``sql`` (a query that reads a few rows): on the event loop when nothing
        is queued and no lock is in the way, else queued like any other."""
        if self._runner is None:
            try:
                return self._at_once(lambda db: db.execute(sql, parameters).fetchall())
            except Busy:
                pass
            except sqlite3.OperationalError as exc:
                raise LogUnavailable(f"SQLite log {self.path}: {exc}") from exc
            except sqlite3.Error as exc:
                raise LogError(f"SQLite log {self.path}: {exc}") from exc
        return await self.execute_fetchall(sql, parameters)

    async def close(self) -> None:
        """Finish what is queued, close the connection, stop the thread."""
        while self._runner is not None:
            await asyncio.wait({self._runner})
        await self._close_connection()
        if self._read_only and not self._journal_was_there:
            await asyncio.to_thread(drop_journal, self.path)

    def _connect(self, busy_timeout: float) -> sqlite3.Connection:
        target = f"{self.path.as_uri()}?mode=ro" if self._read_only else str(self.path)
        return self._waiting(
            sqlite3.connect(
                target, uri=self._read_only, isolation_level=None, check_same_thread=False
            ),
            busy_timeout,
        )

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                self.trips += 1
                self.queries += len(batch)
                try:
                    results = await self._run(self._query_all, [(s, p) for s, p, _ in batch])
                except Exception as exc:  # closed meanwhile: each read is refused, nobody hangs
                    results = [LogError(f"SQLite log {self.path}: {exc}") for _ in batch]
                except BaseException as exc:  # cancelled: nobody hangs either
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(LogError(f"SQLite log {self.path}: {exc!r}"))
                    raise
                for (*_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue  # its caller was cancelled
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._runner = None

    def _query_all(self, work: list[tuple[str, tuple[Any, ...]]]) -> list[list[Row] | Exception]:
        """Every query of a trip, in order (runs on the reader thread)."""
        try:
            db = self._thread_db()
        except sqlite3.Error as exc:
            return [LogError(f"SQLite log {self.path}: {exc}") for _ in work]
        results: list[list[Row] | Exception] = []
        for sql, parameters in work:
            try:
                results.append(db.execute(sql, parameters).fetchall())
            except sqlite3.OperationalError as exc:
                results.append(LogUnavailable(f"SQLite log {self.path}: {exc}"))
            except sqlite3.Error as exc:
                results.append(LogError(f"SQLite log {self.path}: {exc}"))
        return results


def journal_exists(path: Path) -> bool:
    """Whether the ``-wal`` or ``-shm`` file of the log at ``path`` is there."""
    return any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-shm"))


def drop_journal(path: Path) -> None:
    """Remove the ``-wal`` and ``-shm`` files a read-only connection left next to the log.

    A read-only connection to a WAL database creates them and, unable to write, leaves them
    when it closes, so ``aic ls`` or ``aic show`` of an idle log would leave two files behind.
    The last connection to close a WAL database removes them; a connection that may write
    does, so one is opened, reads the schema and closes: if another process still has the
    log open, it is not the last and leaves them, as SQLite must. When nobody wrote meanwhile
    the WAL is empty and the log itself is not touched (if others wrote and have all closed,
    this connection copies their pages back, as SQLite's last connection always does).
    """
    try:
        db = sqlite3.connect(str(path), isolation_level=None, timeout=0)
        try:
            db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        pass  # a read-only directory or file, or a lock: the files stay, as before
