"""RedisLog reading from a Redis restarted and still loading its data (``LOADING``).

The server is held in that state deterministically: it loads 1 KiB keys of random bytes (one
``key-load-delay`` of 20 ms each, serving its clients between two keys) until the test lets it
go with ``CONFIG SET key-load-delay 0``. Plain ``redis://`` reads go through the log's wire
(``read_batch``), ``rediss://`` ones through redis-py (``pipelined``, whose pipeline raises
LOADING for the whole batch itself)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from aiconv.errors import LogUnavailable
from aiconv.queues.log import StoredEvent
from aiconv.queues.redis import RedisLog
from aiconv.testing.conditions import eventually
from aiconv.testing.contract import event
from aiconv.testing.processes import aic_command, cli_env
from aiconv.testing.redis_server import RedisServer, has_redis_server

pytestmark = [
    pytest.mark.skipif(not has_redis_server(), reason="redis-server is not installed"),
    pytest.mark.slow,
]

#: Loading holds for 20 ms a key, and the server answers its clients between two keys.
HOLD = {"key-load-delay": "20000", "loading-process-events-interval-bytes": "1024"}
#: 1 KiB keys that hold the server loading for up to 40 s, unless let go earlier.
BALLAST = 2000
CONVERSATIONS = ("c1", "c2", "c3")


@pytest.fixture(params=[False, True], ids=["wire", "tls"])
def redis_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RedisServer]:
    tls: bool = request.param
    with RedisServer(tmp_path / "redis", appendonly=False, tls=tls, settings=HOLD) as server:
        yield server


@pytest.fixture
async def admin(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    """A plain redis-py client: INFO and CONFIG are served while the server loads."""
    client = aioredis.from_url(redis_server.url)
    try:
        yield client
    finally:
        await client.aclose()


async def written(log: RedisLog) -> dict[str, list[StoredEvent]]:
    """Three conversations of two events each, as stored."""
    return {cid: await log.append(cid, 0, [event(1), event(2)]) for cid in CONVERSATIONS}


async def restart_loading(server: RedisServer, admin: aioredis.Redis) -> int:
    """Save the data with the ballast and restart the server over it; once it answers, still
    loading, how many commands it has refused so far (its own PINGs of ``start``)."""
    await admin.mset({f"ballast:{n}": os.urandom(1024) for n in range(BALLAST)})
    await admin.save()
    server.stop()  # `save ""`: stopping writes nothing more
    server.start(loading=True)
    await admin.connection_pool.disconnect()  # its connection went with the old server
    assert (await admin.info("persistence"))["loading"] == 1
    return await refused_as_loading(admin)


async def refused_as_loading(admin: aioredis.Redis) -> int:
    """How many commands the server has refused with LOADING since it started."""
    stats = await admin.info("errorstats")
    return int(stats.get("errorstat_LOADING", {}).get("count", 0))


async def let_go(admin: aioredis.Redis) -> None:
    """Let the server load the rest of its data at full speed."""
    await admin.config_set("key-load-delay", 0)


async def test_a_batch_of_reads_waits_out_a_redis_still_loading_its_data(
    redis_server: RedisServer, admin: aioredis.Redis
) -> None:
    """Reads batched together, each refused with LOADING, are retried whole (not failed one by
    one) until the server has loaded its data, then return what was written before."""
    log = await RedisLog.open(redis_server.url, prefix=f"l{uuid.uuid4().hex[:8]}", deadline=30)
    try:
        stored = await written(log)
        refused = await restart_loading(redis_server, admin)
        assert log.reads is not None
        batches, reads = log.reads.batches, log.reads.reads
        pending = asyncio.gather(*(log.read(cid) for cid in stored))
        twice = refused + 2 * len(stored)  # the batch was sent twice at least
        await eventually(lambda: pending.done() or _at_least(admin, twice), timeout=20)
        await let_go(admin)
        assert await asyncio.wait_for(pending, 30) == list(stored.values())
        assert await refused_as_loading(admin) >= twice
        assert (log.reads.batches - batches, log.reads.reads - reads) == (1, len(stored))
    finally:
        await log.close()


async def test_a_single_read_waits_out_a_redis_still_loading_its_data(
    redis_server: RedisServer, admin: aioredis.Redis
) -> None:
    """A read alone (an idle process: no batch) is retried the same way."""
    log = await RedisLog.open(redis_server.url, prefix=f"l{uuid.uuid4().hex[:8]}", deadline=30)
    try:
        stored = await written(log)
        refused = await restart_loading(redis_server, admin)
        pending = asyncio.ensure_future(log.read("c2"))
        await eventually(lambda: pending.done() or _at_least(admin, refused + 2), timeout=20)
        await let_go(admin)
        assert await asyncio.wait_for(pending, 30) == stored["c2"]
        assert await refused_as_loading(admin) >= refused + 2
        assert await log.last_sequence("c3") == 2
    finally:
        await log.close()


async def test_a_redis_loading_past_the_deadline_is_one_line_naming_it(
    redis_server: RedisServer, admin: aioredis.Redis
) -> None:
    """Still loading when the deadline passes: LogUnavailable says so in one line, and the CLI
    prints just that line (exit 1)."""
    url = f"{redis_server.url}{'&' if redis_server.tls else '?'}prefix=late&deadline=1"
    log = await RedisLog.open(url)
    try:
        await written(log)
        await restart_loading(redis_server, admin)
        with pytest.raises(LogUnavailable) as caught:
            await asyncio.gather(*(log.read(cid) for cid in CONVERSATIONS))
        assert str(caught.value) == loading_past_the_deadline("read", redis_server.port)
        process = await asyncio.create_subprocess_exec(
            *aic_command("show", "c1", "--log-url", url),
            env=cli_env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        expected = f"error: {loading_past_the_deadline('connect', redis_server.port)}\n"
        assert (process.returncode, out, err.decode()) == (1, b"", expected)
    finally:
        await let_go(admin)
        await log.close()


def loading_past_the_deadline(what: str, port: int) -> str:
    return (
        f"Redis at 127.0.0.1:{port} was still loading its data ({what}) after 1s: wait until it has"
        " loaded, or give the log URL a longer ?deadline="
    )


async def _at_least(admin: aioredis.Redis, count: int) -> bool:
    return await refused_as_loading(admin) >= count
