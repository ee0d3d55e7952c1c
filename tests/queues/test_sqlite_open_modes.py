"""Opening a SQLite log never writes where it must not: modes, foreign files, impossible paths."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path

import pytest

from aiconv.errors import ConfigError, LogError, LogMissing, LogUnavailable
from aiconv.queues.sqlite import SqliteLog
from aiconv.queues.sqlite_files import check_path
from aiconv.queues.urls import open_log
from aiconv.testing.contract import event


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("mode", ["read", "existing"])
async def test_a_missing_log_is_never_created_by_read_or_existing(
    tmp_path: Path, mode: str
) -> None:
    """``aic ls --db <missing>`` and ``aic show`` on a fresh path create nothing, not even dirs."""
    target = tmp_path / "sub" / "runs.db"
    with pytest.raises(LogMissing, match="no aiconv log at"):
        await SqliteLog.open(target, mode=mode)  # type: ignore[arg-type]
    with pytest.raises(LogMissing):
        await open_log(f"sqlite:///{tmp_path / 'runs.db'}", mode=mode)  # type: ignore[arg-type]
    assert _files(tmp_path) == []


async def test_read_mode_reads_a_log_and_writes_nothing(tmp_path: Path) -> None:
    """A read-only log reads what writers appended, refuses to write, and adds no lock."""
    path = tmp_path / "runs.db"
    writer = await SqliteLog.open(path)
    await writer.append("c1", 0, [event(1)])
    await writer.close()
    os.unlink(f"{path}.lock")
    before = path.stat().st_mtime_ns
    reader = await SqliteLog.open(path, mode="read")
    try:
        assert [e.sequence for e in await reader.read("c1")] == [1]
        with pytest.raises(LogError, match="read-only"):
            await reader.append("c1", 1, [event(2)])
        assert not await reader.wait("c1", 1, 0.01)
    finally:
        await reader.close()
    assert path.stat().st_mtime_ns == before
    assert _files(tmp_path) == ["runs.db"]  # no lock, and no -wal or -shm left behind


async def test_read_mode_leaves_the_journal_of_a_log_another_process_has_open(
    tmp_path: Path,
) -> None:
    """While a writer has the log open its -wal and -shm are its own: a reader closing keeps
    them, and the writer's next append is read back after the reader has gone."""
    path = tmp_path / "runs.db"
    writer = await SqliteLog.open(path)
    try:
        await writer.append("c1", 0, [event(1)])
        reader = await SqliteLog.open(path, mode="read")
        assert [e.sequence for e in await reader.read("c1")] == [1]
        await reader.close()
        assert {"runs.db-wal", "runs.db-shm"} <= set(_files(tmp_path))
        await writer.append("c1", 1, [event(2)])
    finally:
        await writer.close()
    again = await SqliteLog.open(path, mode="read")
    try:
        assert [e.sequence for e in await again.read("c1")] == [1, 2]
    finally:
        await again.close()


async def test_read_mode_refuses_a_log_being_created_without_giving_it_tables(
    tmp_path: Path,
) -> None:
    """An empty file beside its ``.lock``: another process is creating the log."""
    path = tmp_path / "empty.db"
    path.touch()
    (tmp_path / f"{path.name}.lock").touch()
    with pytest.raises(LogMissing, match="holds no aiconv log"):
        await SqliteLog.open(path, mode="read")
    assert path.stat().st_size == 0


async def test_a_log_in_the_middle_of_a_write_is_waited_for_never_called_foreign(
    tmp_path: Path,
) -> None:
    """A log that its creator is writing (pages already in the file, the rollback journal
    beside it) was read as immutable, saw a torn file and was refused as "not an aiconv SQLite
    log" (a reader polling a starting ``aic simulate`` in CI): it is read with SQLite's locks,
    so a reader waits for the writer, and says so if its wait runs out."""
    path = tmp_path / "runs.db"
    path.touch()
    (tmp_path / f"{path.name}.lock").touch()  # what an aiconv process creates first
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("PRAGMA cache_size = 1")  # pages spill into the file before the commit
        writer.execute("BEGIN")
        writer.execute("CREATE TABLE events (body TEXT)")
        writer.executemany("INSERT INTO events VALUES (?)", [("x" * 500,)] * 500)
        assert path.stat().st_size > 0 and (tmp_path / "runs.db-journal").exists()
        with pytest.raises(LogUnavailable, match=r"locked by another process for over 0\.2 s"):
            await asyncio.to_thread(check_path, path, "read", 0.2)
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert await asyncio.to_thread(check_path, path, "read", 0.2) == path
    assert _files(tmp_path) == ["runs.db", "runs.db.lock"]


@pytest.mark.parametrize("mode", ["create", "existing", "read"])
async def test_a_users_empty_file_is_refused_and_left_untouched(tmp_path: Path, mode: str) -> None:
    """``touch notes.db`` (or ``mktemp``) is not a log: it is not turned into one, and gets no
    ``.lock``, ``-wal`` or ``-shm`` beside it."""
    path = tmp_path / "notes.db"
    path.touch()
    try:
        opened = await SqliteLog.open(path, mode=mode)  # type: ignore[arg-type]
    except ConfigError as exc:
        message = str(exc)
    else:
        await opened.close()  # closed, or its threads would keep the test from ending
        pytest.fail(f"{mode}: a user's empty file was opened as a log")
    assert "is an empty file, not an aiconv log" in message and "\n" not in message
    assert _files(tmp_path) == ["notes.db"]
    assert path.stat().st_size == 0


async def test_an_empty_file_beside_its_lock_is_a_log_whose_creation_goes_on(
    tmp_path: Path,
) -> None:
    """A process cut short between creating the file and migrating it left both: the next
    opening migrates the log."""
    path = tmp_path / "runs.db"
    path.touch()
    (tmp_path / f"{path.name}.lock").touch()
    async with open_log(f"sqlite:///{path}") as log:
        await log.append("c1", 0, [event(1)])
    async with open_log(f"sqlite:///{path}", mode="read") as log:
        assert [e.sequence for e in await log.read("c1")] == [1]


@pytest.mark.parametrize("mode", ["create", "existing", "read"])
async def test_a_foreign_sqlite_database_is_left_untouched(tmp_path: Path, mode: str) -> None:
    """Another application's database gets no tables, no lock, no -wal/-shm; one-line error."""
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    db.close()
    content = path.read_bytes()
    with pytest.raises(ConfigError, match="another application's SQLite database") as caught:
        await SqliteLog.open(path, mode=mode)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value) and "users" in str(caught.value)
    assert _files(tmp_path) == ["app.db"]
    assert path.read_bytes() == content


async def test_a_foreign_wal_database_gets_no_wal_or_shm_files(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE notes (body TEXT)")
    db.close()
    with pytest.raises(ConfigError, match="another application's"):
        await SqliteLog.open(path)
    assert _files(tmp_path) == ["app.db"]


async def test_a_file_that_is_not_sqlite_gets_no_lock(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my shopping list, not a database at all\n" * 20)
    with pytest.raises(ConfigError, match="not an aiconv SQLite log"):
        await SqliteLog.open(path)
    assert _files(tmp_path) == ["notes.txt"]


async def test_a_path_where_no_file_can_be_created_fails_fast_naming_the_cause() -> None:
    """``--db /proc/aic.db`` used to wait 12 s and blame a lock held by another process."""
    began = time.monotonic()
    with pytest.raises(ConfigError, match="cannot create files next to") as caught:
        await SqliteLog.open("/proc/aic.db")
    assert "another process" not in str(caught.value)
    assert time.monotonic() - began < 5
