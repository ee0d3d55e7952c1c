"""A sqlite3 connection on a thread of its own, and one the event loop may use when it need
not wait: the part the SQLite log's reader and writer share.

A hop to a thread costs the event loop more than a small statement does (measured here: a
lone append in WAL mode takes ~25 µs of SQLite work and ~120 µs through a thread; a point
query ~10 µs and ~100 µs), so lone work runs on the loop (``_at_once``) through a second
connection whose busy timeout is zero: it never waits for another connection's lock and never
syncs to disk (WAL with ``synchronous = NORMAL`` syncs only at checkpoints, which run
elsewhere). When a lock is in the way it fails at once with ``SQLITE_BUSY`` having done
nothing, and the work goes to the thread, whose connection waits up to the busy timeout.
Batches always go to the thread, where SQLite runs without the GIL beside the event loop.
This module does not know what they run.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")
#: SQLite's primary result codes for "another connection holds a lock" (extended codes in the
#: high bits, e.g. SQLITE_BUSY_SNAPSHOT).
_WAITS = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
#: What ``sqlite3`` says of a closed connection, and so what work after ``close`` meets.
CLOSED = "Cannot operate on a closed database."


class Busy(Exception):
    """Work on the event loop found a lock in the way and did nothing: run it on the thread."""


class SqliteThread:
    """Two connections to one file, made by the subclass's ``_connect(timeout)`` on the
    thread: ``_db`` used only on the thread, ``_quick`` only on the event loop."""

    def __init__(self, path: Path, busy_timeout: float, *, name: str) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._db: sqlite3.Connection | None = None
        self._quick: sqlite3.Connection | None = None
        #: Set when the close begins: no work goes to the thread after it.
        self._closed = False
        #: How many calls ran on the event loop (for tests and benchmarks).
        self.at_once = 0

    async def _run(self, function: Any, *args: Any) -> Any:
        """``function(*args)`` on the thread; ``sqlite3.ProgrammingError`` once the close began
        (the thread is stopping or stopped: it would take nothing, or find no connection)."""
        if self._closed:
            raise sqlite3.ProgrammingError(CLOSED)
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    def _thread_db(self) -> sqlite3.Connection:
        """The thread's connection (on the thread); closed: ``sqlite3.ProgrammingError``."""
        db = self._db
        if db is None:
            raise sqlite3.ProgrammingError(CLOSED)
        return db

    def _connect(self, busy_timeout: float) -> sqlite3.Connection:
        raise NotImplementedError

    async def _connect_both(self) -> None:
        """Make both connections on the thread (opening a file may block)."""
        self._db = await self._run(self._connect, self._busy_timeout)
        self._quick = await self._run(self._connect, 0.0)

    def _at_once(self, function: Callable[[sqlite3.Connection], _T]) -> _T:
        """``function(connection)`` on the event loop; ``Busy`` (nothing done) when it would
        have had to wait for a lock."""
        quick = self._quick
        if quick is None:  # closed (or closing): the thread, behind the close, decides
            raise Busy("the event loop's connection is closed")
        try:
            result = function(quick)
        except sqlite3.OperationalError as exc:
            if (exc.sqlite_errorcode & 0xFF) in _WAITS:
                raise Busy(str(exc)) from exc
            raise
        self.at_once += 1
        return result

    def _waiting(self, db: sqlite3.Connection, busy_timeout: float) -> sqlite3.Connection:
        """``db``, waiting up to ``busy_timeout`` for another process's lock."""
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        return db

    async def _close_connection(self) -> None:
        """Close the event loop's connection on the loop, its only user, then the thread's on
        the thread, behind the work queued there, then stop the thread.

        The loop's connection was closed on the thread: a task still reading through it on the
        loop meanwhile (a conversation cancelled when another failed, a watcher) used a
        connection being freed, and the process died of SIGSEGV (one CI run in ~100 of the
        damaged-cache test). Taken from the loop first, a late read finds none (``Busy``) and
        queues on the thread, where it meets the closed connection as an error. From here on
        nothing goes to the thread (``_run``): a read or append that comes later is refused as
        ``sqlite3`` refuses a closed connection, where it met the stopped thread's
        ``RuntimeError`` or no connection at all (an ``AssertionError``)."""
        self._closed = True
        quick, self._quick = self._quick, None
        if quick is not None:
            quick.close()  # not the file's last connection (the thread's is open): no checkpoint
        if self._db is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._db.close)
            self._db = None
        self._thread.shutdown(wait=False)
