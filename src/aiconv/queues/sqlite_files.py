"""The files of a SQLite log: checking a path, and connecting as the open mode allows.

Every check runs before anything is written: a directory, a place where no file can be created
(``/proc/…``), an empty file that is not a log being created, a file that is not SQLite,
another application's database, or a missing file in a mode that may not create one is a
one-line ``ConfigError`` (``LogMissing`` for the last), and no log, ``.lock``, ``-wal`` or
``-shm`` is left behind. The checks are synchronous file-system and ``sqlite3`` calls made
through ``asyncio.to_thread`` (there is no async ``stat``). Migrations run here under a
cross-process file lock, only once these checks passed. It must not append.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite
from filelock import AsyncFileLock
from filelock import Timeout as FileLockTimeout

from aiconv.errors import ConfigError, LogMissing, LogUnavailable
from aiconv.queues import sqlite_schema as schema
from aiconv.queues.log import OpenMode
from aiconv.queues.sqlite_reader import Fetcher, drop_journal, journal_exists

#: The tables an aiconv log may hold; any other table means the file belongs to someone else.
OUR_TABLES = frozenset({"events", "conversations", "migrations"})


def check_path(path: Path, mode: OpenMode, busy_timeout: float = 10.0) -> Path:
    """``path`` checked for ``mode`` (its directory created unless ``read``), made absolute;
    blocking (up to ``busy_timeout`` seconds behind another process's write)."""
    path = path.expanduser().absolute()
    if path.is_dir():
        raise ConfigError(
            f"SQLite log path {path} is a directory: give a file such as {path}/runs.db"
        )
    if path.exists():
        check_not_empty(path)
        check_not_foreign(path, busy_timeout)
    elif mode != "create":
        raise LogMissing(f"no aiconv log at {path}: check the path (--db) or run a conversation")
    if mode != "read":
        _check_link_target(path)
        _check_writable(path)
    return path


def _check_link_target(path: Path) -> None:
    """Raise when ``path`` is a symbolic link SQLite cannot create its target through (to a
    missing directory, or a loop): the ``.lock`` beside the link was written before SQLite
    failed, leaving it behind."""
    if not path.is_symlink() or path.exists():
        return
    try:
        target = path.resolve(strict=False)
    except (OSError, RuntimeError):  # a loop of links
        target = None
    if target is None or target.is_symlink() or not target.parent.is_dir():
        raise ConfigError(
            f"SQLite log path {path} is a symbolic link to {os.readlink(path)!r}, which cannot"
            " be created (its directory does not exist, or the links loop): fix the link or"
            " give another --db path"
        )


def check_not_empty(path: Path) -> None:
    """Raise when ``path`` is an empty file that no aiconv process made: someone's own empty
    file (``touch notes.txt``, ``mktemp``) is not a log, and must not silently become one.

    An aiconv process creates a log's ``.lock`` before the log itself (``check_path``), and the
    file has its SQLite header as soon as the migration under that lock sets the journal mode:
    an empty file with a ``.lock`` beside it is a log being created (or whose creation was cut
    short), which opening goes on to migrate.
    """
    if not stat.S_ISREG(path.stat().st_mode):  # /dev/null and a pipe look empty: not to remove
        raise ConfigError(
            f"{path} is not a regular file (a device, pipe or socket), not an aiconv log:"
            " give a path that does not exist yet (the log is created there)"
        )
    if path.stat().st_size == 0 and not Path(f"{path}.lock").exists():
        raise ConfigError(
            f"{path} is an empty file, not an aiconv log: give a path that does not exist yet"
            " (the log is created there) or remove the empty file"
        )


def check_not_foreign(path: Path, busy_timeout: float = 10.0) -> None:
    """Raise unless ``path`` is empty, or a SQLite database holding only aiconv's tables.

    A file with aiconv's ``.lock`` or a journal beside it may be being written right now (a
    log being created has its ``.lock`` but no journal yet): it is read with SQLite's locks,
    waiting out a writer for up to ``busy_timeout`` seconds, and a ``-wal`` or ``-shm`` that
    this read made is removed again. Any other file is read through an immutable read-only
    connection, which creates nothing next to someone else's file; immutable reads are safe
    only where nobody writes, which is why a log that may be live is never read that way.
    """
    journal_there = journal_exists(path)
    live = journal_there or Path(f"{path}.lock").exists()
    try:
        tables = _table_names(path, live, busy_timeout)
    except sqlite3.Error as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise LogUnavailable(
                f"SQLite log {path} locked by another process for over {busy_timeout:g} s"
            ) from exc
        raise ConfigError(
            f"{path} is not an aiconv SQLite log ({exc}): give another --db path"
        ) from exc
    finally:
        if live and not journal_there and journal_exists(path):
            drop_journal(path)
    foreign = sorted(tables - OUR_TABLES)
    if foreign:
        raise ConfigError(
            f"{path} is another application's SQLite database (tables {', '.join(foreign[:5])}):"
            " aiconv will not add its tables to it; give another --db path"
        )


def _table_names(path: Path, live: bool, busy_timeout: float) -> set[str]:
    """The tables of the SQLite database at ``path``, read with locks if ``live``, else as
    immutable; ``sqlite3.Error`` when it is not one."""
    uri = f"{path.resolve().as_uri()}?mode=ro{'' if live else '&immutable=1'}"
    db = sqlite3.connect(uri, uri=True, timeout=busy_timeout)
    try:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        db.close()
    return {str(row[0]) for row in rows}


def _check_writable(path: Path) -> None:
    """Create the directory, then prove a file can be created next to ``path`` (the lock)."""
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
    lock = Path(f"{path}.lock")
    try:  # os.access says yes for root even where nothing can be created, e.g. under /proc
        os.close(os.open(lock, os.O_WRONLY | os.O_CREAT, 0o644))
    except OSError as exc:
        raise ConfigError(
            f"cannot create files next to the SQLite log {path} ({exc.strerror}):"
            " choose a path in a writable directory"
        ) from exc


async def connect(path: Path, busy_timeout: float) -> aiosqlite.Connection:
    """A connection to ``path`` for migrations, then WAL checkpoints."""
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


async def migrate(
    db_path: Path, connect: Callable[[], Awaitable[aiosqlite.Connection]], busy_timeout: float
) -> None:
    """Connect the writer and apply the migrations, under the cross-process file lock."""
    try:
        async with AsyncFileLock(f"{db_path}.lock", timeout=busy_timeout):
            await schema.migrate(await connect())
    except FileLockTimeout as exc:
        raise LogUnavailable(f"{db_path}.lock held by another process for too long") from exc


async def check_current(db_path: Path, reader: Fetcher) -> None:
    """A read-only open needs a log at the current layout (it may not migrate one)."""
    current = await schema.is_current(reader)
    if current is None:
        raise LogMissing(f"{db_path} holds no aiconv log yet: check the path (--db)")
    if not current:
        raise ConfigError(
            f"the log {db_path} was written by an older aiconv: open it once with a command"
            " that writes (aic worker, aic-start) to upgrade it, then read it"
        )
