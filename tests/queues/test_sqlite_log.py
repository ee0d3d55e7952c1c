"""The SQLite log passes the contract suite, and keeps its promises about the file it owns."""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from aiconv.errors import ConfigError
from aiconv.queues.log import ConversationLog, NewEvent
from aiconv.queues.sqlite import SqliteLog
from aiconv.queues.sqlite_schema import GROWN_SINCE
from aiconv.queues.urls import open_log
from aiconv.testing.conditions import eventually
from aiconv.testing.contract import ConversationLogContract, event, sequences, until_parked
from aiconv.testing.contract_support import entry


class TestSqliteLog(ConversationLogContract):
    supports_processes = True

    @pytest.fixture
    def log_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'log.db'}"

    @pytest.fixture
    async def log(self, log_url: str) -> AsyncIterator[ConversationLog]:
        async with open_log(log_url) as log:
            yield log


async def test_reopening_keeps_events_and_index(tmp_path: Path) -> None:
    """Closing and reopening the file loses nothing and continues the sequence."""
    path = tmp_path / "nested" / "dir" / "log.db"
    log = await SqliteLog.open(path)
    first = await log.append("c1", 0, [event(1), event(2)])
    await log.close()
    log = await SqliteLog.open(path)
    try:
        assert await log.read("c1") == first
        more = await log.append("c1", 2, [event(3)])
        assert more[0].position > first[-1].position
    finally:
        await log.close()


_OPEN_AND_COUNT = """
import asyncio, sys
from aiconv.queues.sqlite import SqliteLog
from aiconv.queues.sqlite_schema import GROWN_SINCE

async def main(path):
    log = await SqliteLog.open(path)
    await log.close()

asyncio.run(main(sys.argv[1]))
"""


@pytest.mark.slow
async def test_migrations_run_once_under_concurrent_open(tmp_path: Path) -> None:
    """Processes opening a new file at the same moment apply each migration exactly once."""
    path = tmp_path / "log.db"
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", _OPEN_AND_COUNT, str(path), stderr=asyncio.subprocess.PIPE
        )
        for _ in range(4)
    ]
    async with asyncio.timeout(60):
        errors = [(await p.communicate())[1] for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, errors
    log = await SqliteLog.open(path)
    try:
        rows = await log._reader.execute_fetchall("SELECT name FROM migrations ORDER BY name")
        assert [row[0] for row in rows] == ["001_events", "002_conversations"]
        mode = await log._reader.execute_fetchall("PRAGMA journal_mode")
        assert next(iter(mode))[0] == "wal"
    finally:
        await log.close()


async def test_directory_path_is_a_config_error(tmp_path: Path) -> None:
    """A directory where the file should be is refused with what to fix."""
    with pytest.raises(ConfigError, match="is a directory"):
        await SqliteLog.open(tmp_path)
    assert await asyncio.to_thread(os.listdir, tmp_path) == []


async def test_path_under_a_file_is_a_config_error(tmp_path: Path) -> None:
    """A parent that is a regular file cannot hold the log."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="choose a path"):
        await SqliteLog.open(blocker / "log.db")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
async def test_unwritable_directory_is_a_config_error(tmp_path: Path) -> None:
    """A read-only directory is refused before anything is written."""
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(ConfigError, match="not writable"):
            await SqliteLog.open(locked / "log.db")
        assert await asyncio.to_thread(os.listdir, locked) == []
    finally:
        locked.chmod(0o700)


async def test_unwritable_file_is_a_config_error(tmp_path: Path) -> None:
    """A read-only existing file is refused before anything is written to it."""
    path = tmp_path / "log.db"
    await (await SqliteLog.open(path)).close()
    path.chmod(0o400)
    if os.access(path, os.W_OK):
        pytest.skip("this user may write read-only files")
    with pytest.raises(ConfigError, match="not writable"):
        await SqliteLog.open(path)


async def test_watcher_stops_when_nobody_waits(tmp_path: Path) -> None:
    """The change watcher runs only while someone waits, so an idle log costs nothing."""
    async with open_log(str(tmp_path / "log.db")) as log:
        assert isinstance(log, SqliteLog)
        assert await log.wait("c1", 0, timeout=0.02) is False
        assert log.wakeups.watcher is not None
        async with asyncio.timeout(5):
            await log.wakeups.watcher


async def test_other_connection_appends_wake_waiters(tmp_path: Path) -> None:
    """A second log object on the same file (another connection) wakes this one's waiter."""
    path = tmp_path / "log.db"
    async with open_log(str(path)) as watcher, open_log(str(path)) as writer:
        await writer.append("c1", 0, [NewEvent(kind="a", version=1, data=b"{}")])
        waiter = asyncio.create_task(watcher.wait("c1", 1, timeout=60))
        await until_parked(watcher, "c1")
        await writer.append("c1", 1, [NewEvent(kind="b", version=1, data=b"{}")])
        async with asyncio.timeout(5):
            assert await waiter is True
        assert sequences(await watcher.read("c1")) == [1, 2]


async def test_a_wait_for_an_undelivered_append_parks_and_another_connection_wakes_it(
    tmp_path: Path,
) -> None:
    """Once a conversation's head was delivered here, a wait for the next append parks without
    reading the stream's head, and another connection's append still wakes it."""
    path = tmp_path / "log.db"
    async with open_log(str(path)) as ours, open_log(str(path)) as other:
        assert isinstance(ours, SqliteLog)
        await ours.append("c1", 0, [event(1)])
        assert await ours.wait("c1", 0, timeout=5) is True  # checked: head 1 delivered
        assert ours.wakeups.delivered.watch("c1") == 1
        waiter = asyncio.create_task(ours.wait("c1", 1, timeout=60))
        await until_parked(ours, "c1")
        await other.append("c1", 1, [event(2)])
        async with asyncio.timeout(5):
            assert await waiter is True


async def test_appends_the_watcher_moved_past_unread_are_not_waited_for(tmp_path: Path) -> None:
    """This process appends while nobody waits, past another connection's append the watcher
    never read: the heads remembered for parking are forgotten, so a wait for that append
    finds it at once instead of parking until its timeout."""
    path = tmp_path / "log.db"
    async with open_log(str(path)) as ours, open_log(str(path)) as other:
        assert isinstance(ours, SqliteLog)
        await ours.append("c1", 0, [event(1)])
        assert await ours.wait("c1", 0, timeout=5) is True  # head 1 delivered
        watcher = ours.wakeups.watcher
        if watcher is not None:  # nobody waits: it stops
            async with asyncio.timeout(5):
                await watcher
        await other.append("c1", 1, [event(2)])  # nobody here watches the file now
        await ours.append("c2", 0, [event(3)])  # nobody waits: the watcher skips past it
        async with asyncio.timeout(5):
            assert await ours.wait("c1", 1, timeout=3) is True


async def test_appends_in_flight_together_are_group_committed(tmp_path: Path) -> None:
    """Appends queued while a batch is written go in the next one: far fewer transactions."""
    log = await SqliteLog.open(tmp_path / "log.db")
    try:
        assert log.writer is not None
        await log.append("first", 0, [event()])  # alone: an idle log flushes at once
        assert (log.writer.commit.batches, log.writer.commit.appends) == (1, 1)
        await asyncio.gather(*(log.append(f"c{n}", 0, [event(n)]) for n in range(200)))
        assert log.writer.commit.appends == 201
        assert log.writer.commit.batches <= 21, log.writer.commit.batches
    finally:
        await log.close()


async def test_a_cancelled_append_ends_only_once_its_batch_is_written(tmp_path: Path) -> None:
    """The caller of an append queued behind another connection's write lock is cancelled: it
    gets the cancellation only once its append settled (here: written), never while the write
    may still be under way."""
    path = tmp_path / "log.db"
    log = await SqliteLog.open(path)
    try:
        assert log.writer is not None
        await log.append("c1", 0, [event(1)])
        with closing(sqlite3.connect(path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # holds the write lock until COMMIT
            writing = asyncio.create_task(log.append("c1", 1, [event(2)]))
            writer = log.writer
            await eventually(lambda: writer.commit.batches == 2, timeout=5, what="a batch")
            writing.cancel()
            for _ in range(20):  # steps of the loop for a wrongly early cancellation to end it
                await asyncio.sleep(0)
            assert not writing.done()
            other.execute("COMMIT")
        async with asyncio.timeout(5):
            with pytest.raises(asyncio.CancelledError):
                await writing
        assert sequences(await log.read("c1")) == [1, 2]
        await log.append("c1", 2, [event(3)])
        assert sequences(await log.read("c1")) == [1, 2, 3]
    finally:
        await log.close()


async def test_reads_in_flight_together_share_one_trip_to_the_reader_thread(
    tmp_path: Path,
) -> None:
    """200 conversations read at once: far fewer trips than queries, each answer its own."""
    log = await SqliteLog.open(tmp_path / "log.db")
    try:
        await asyncio.gather(*(log.append(f"c{n}", 0, [event(n)]) for n in range(200)))
        before = (log._reader.trips, log._reader.queries)
        found = await asyncio.gather(*(log.read(f"c{n}") for n in range(200)))
        trips, queries = log._reader.trips - before[0], log._reader.queries - before[1]
        assert queries == 200 and trips <= 20, (trips, queries)
        assert [events[0].conversation_id for events in found] == [f"c{n}" for n in range(200)]
    finally:
        await log.close()


async def test_a_lone_append_and_a_point_read_run_on_the_event_loop(tmp_path: Path) -> None:
    """An idle log writes a lone append and reads a last sequence at once, on the loop's own
    connections (no trip to a thread); any other connection reads what it wrote."""
    log = await SqliteLog.open(tmp_path / "log.db")
    try:
        assert log.writer is not None
        trips = log._reader.trips
        await log.append("c1", 0, [event(1)])
        assert (log.writer.at_once, log.writer.commit.batches) == (1, 1)
        assert await log.last_sequence("c1") == 1
        assert log._reader.at_once >= 1 and log._reader.trips == trips
    finally:
        await log.close()
    with closing(sqlite3.connect(tmp_path / "log.db")) as other:
        rows = other.execute("SELECT sequence, kind FROM events WHERE conversation_id = 'c1'")
        assert rows.fetchall() == [(1, event(1).kind)]


async def test_an_append_that_finds_the_write_lock_taken_waits_for_it_on_the_thread(
    tmp_path: Path,
) -> None:
    """Another connection holds the write lock: the loop's attempt gives up at once having
    written nothing, the append waits on the writer thread, and goes in once, after the lock."""
    path = tmp_path / "log.db"
    log = await SqliteLog.open(path)
    try:
        assert log.writer is not None
        await log.append("c1", 0, [event(1)])
        with closing(sqlite3.connect(path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # holds the write lock until COMMIT
            other.execute(
                "INSERT INTO events (conversation_id, sequence, kind, version, at,"
                " data) VALUES ('other', 1, 'x', 1, 0, x'7b7d')"
            )
            writing = asyncio.create_task(log.append("c1", 1, [event(2)]))
            writer = log.writer
            await eventually(lambda: writer.commit.batches == 2, timeout=5, what="a batch")
            assert not writing.done() and writer.at_once == 1
            other.execute("COMMIT")
        async with asyncio.timeout(5):
            stored = await writing
        assert [e.sequence for e in stored] == [2]
        assert sequences(await log.read("c1")) == [1, 2]
        assert sequences(await log.read("other")) == [1]
        assert stored[0].position > (await log.read("other"))[0].position
    finally:
        await log.close()


async def test_the_watcher_reads_only_the_events_past_its_position(tmp_path: Path) -> None:
    """The watcher's query at each commit of another connection (``GROWN_SINCE``) seeks the
    events past its position by their global position; it used to scan the whole index of
    (conversation, sequence) for its ``GROUP BY``: ~1 ms per 12,000 events, on the event loop,
    at every commit."""
    path = tmp_path / "log.db"
    async with open_log(str(path)) as log:
        for n in range(3):
            await log.append(f"c{n}", 0, [event(1), event(2)])
    with closing(sqlite3.connect(path)) as db:
        plan = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {GROWN_SINCE}", (2,)))
        assert "SCAN" not in plan and "INTEGER PRIMARY KEY (rowid>?)" in plan, plan
        assert sorted(db.execute(GROWN_SINCE, (2,))) == [("c1", 2, 4), ("c2", 2, 6)]


async def test_an_append_updates_its_index_row_in_place(tmp_path: Path) -> None:
    """Each append writes its conversation's index entry over the row in place (an upsert): it
    used to delete the row and insert it again (``INSERT OR REPLACE``), rewriting the table and
    its primary key's index at every append, which gave the row a new rowid each time."""
    path = tmp_path / "log.db"
    async with open_log(str(path)) as log:
        await log.append("c1", 0, [event(1)], index=entry("c1", 1.0, turns=0))
        await log.append("c2", 0, [event(1)], index=entry("c2", 2.0))
        await log.append("c1", 1, [event(2)], index=entry("c1", 1.0, turns=1, status="ended"))
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT rowid, conversation_id, turns, status FROM conversations")
        assert sorted(rows) == [(1, "c1", 1, "ended"), (2, "c2", 0, "active")]


async def test_the_watcher_does_not_read_back_this_process_s_own_appends(tmp_path: Path) -> None:
    """While a seat waits, this process's lone appends (delivered to its waiters already) do not
    count as changes of the file: the watcher reads nothing back through the reader and moves
    its position past them; another connection's append still wakes the waiter. Reading the
    version through the reader, each own append changed it, and one conversation's turns read
    their own events back every ~3 turns."""
    path = tmp_path / "log.db"
    async with open_log(str(path)) as ours, open_log(str(path)) as other:
        assert isinstance(ours, SqliteLog)
        waiter = asyncio.create_task(ours.wait("w", 0, timeout=60))
        await until_parked(ours, "w")
        reads = None
        for n in range(1, 5):
            stored = await ours.append("c1", n - 1, [event(n)])
            moved = functools.partial(lambda at: ours.wakeups.position == at, stored[-1].position)
            await eventually(moved, timeout=5, what="the watcher past the append")
            reads = ours._reader.at_once if reads is None else reads  # past the first pass
        assert ours._reader.at_once == reads and not waiter.done()
        await other.append("w", 0, [event(9)])
        async with asyncio.timeout(5):
            assert await waiter is True


async def test_an_own_append_brings_the_watcher_back_to_its_shortest_interval(
    tmp_path: Path,
) -> None:
    """A waiting process that appends (a seat handing the turn over) is likely to be answered
    soon by another one: the watcher's next poll waits its shortest interval again, as it did
    when its own appends counted as changes of the file, instead of staying backed off (a
    cross-process hand-off on SQLite took up to ~10 ms more)."""
    async with open_log(str(tmp_path / "log.db")) as ours:
        assert isinstance(ours, SqliteLog)
        wakeups = ours.wakeups
        waiter = asyncio.create_task(ours.wait("w", 0, timeout=60))
        await until_parked(ours, "w")
        await eventually(
            lambda: wakeups.interval == wakeups.max_watch_interval, timeout=5, what="backed off"
        )
        polls = wakeups.polls
        await ours.append("c1", 0, [event(1)])
        seen: list[float] = []

        def polled() -> bool:
            if wakeups.polls > polls and not seen:
                seen.append(wakeups.interval)  # the interval chosen at the poll after it
            return bool(seen)

        await eventually(polled, timeout=5, interval=0.001, what="a poll after the append")
        assert seen[0] < wakeups.max_watch_interval
        waiter.cancel()
