"""A sqlite3 connection on a thread of its own: the part the SQLite log's reader and writer share.

A sqlite3 connection must stay on the thread that made it, so each of them owns one thread and
runs every call to its connection there; this module does not know what they run.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any


class SqliteThread:
    """One connection (``_db``, made by the subclass's ``_connect`` on the thread) and its
    thread."""

    def __init__(self, path: Path, busy_timeout: float, *, name: str) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._db: sqlite3.Connection | None = None

    async def _run(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    def _waiting(self, db: sqlite3.Connection) -> sqlite3.Connection:
        """``db``, waiting up to the busy timeout for another process's lock."""
        db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        return db

    async def _close_connection(self) -> None:
        """Close the connection on its thread, then stop the thread."""
        if self._db is not None:
            db, self._db = self._db, None
            await self._run(db.close)
        self._thread.shutdown(wait=False)
