"""Closing a SQLite log while tasks still read through it on the event loop.

A simulation whose response cache failed mid-run closed the log while cancelled conversations
and the watcher still read through the event loop's connection, which ``close`` freed on the
log's thread: the process died of SIGSEGV (one CI run of the damaged-cache test). The race runs
in a child process, so a crash fails this test instead of ending the suite.
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from pathlib import Path

import pytest

from aiconv.errors import LogError
from aiconv.queues.sqlite import SqliteLog
from aiconv.testing.contract import event

pytestmark = pytest.mark.timeout(120)

_RACE = """
import asyncio, sys
from pathlib import Path
from aiconv.errors import LogError
from aiconv.queues.sqlite import SqliteLog

async def read_until_refused(log):
    reads = 0
    while True:
        try:
            await log.last_sequence("c1")  # on the loop's connection: it does not yield
        except LogError as exc:
            return str(exc)
        reads += 1
        if reads % 50 == 0:
            await asyncio.sleep(0)  # let the close (and the other readers) run

async def main(folder, rounds):
    for n in range(rounds):
        log = await SqliteLog.open(folder / f"{n}.db")
        readers = [asyncio.create_task(read_until_refused(log)) for _ in range(4)]
        await asyncio.sleep(0.002)  # the readers are at it, on the loop's connection
        await log.close()
        refusals = await asyncio.gather(*readers)
        assert all("closed" in refusal for refusal in refusals), refusals
    print("refused", len(refusals))

asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
"""


def test_reads_racing_a_close_are_refused_and_never_crash(tmp_path: Path) -> None:
    # Before the fix this crashed in 3 of 4 runs of 200 rounds on a 2-core box.
    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", _RACE, str(tmp_path), "200"],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "refused 4"


async def test_work_after_the_close_is_refused_as_a_closed_log(tmp_path: Path) -> None:
    """A read or an append that reaches a closed log is a ``LogError`` that says so.

    After the close a read fell back to the reader's thread, already stopped: the thread's
    ``RuntimeError`` ('cannot schedule new futures after shutdown') reached the reader as text
    and its drain task ended on it unretrieved; a read that reached the thread as its connection
    was dropped failed an ``assert`` (the CI run's 'AssertionError()'); an append met the
    ``RuntimeError`` itself, a foreign error, not the log's."""
    unretrieved: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: unretrieved.append(context))
    log = await SqliteLog.open(tmp_path / "closed.db")
    await log.append("c1", 0, [event(1)])
    await log.close()
    with pytest.raises(LogError, match="closed database"):
        await log.last_sequence("c1")
    with pytest.raises(LogError, match="closed database"):
        await log.read("c1")
    with pytest.raises(LogError, match="closed database"):
        await log.append("c1", 1, [event(2)])
    for _ in range(3):  # a drain task that ended on an error is reported when collected
        await asyncio.sleep(0)
    gc.collect()
    assert unretrieved == []
