"""The Redis log's own connection for its hot commands (``redis_wire``) and the wake-ups that
park without a round trip (``Delivered``), against a real ``redis-server``: replies in order,
a silent server, a flushed script cache, a read that fails alone, credentials and databases,
a garbled reply, and waits that skip the check only when that is sound."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
import redis.asyncio as aioredis
import redis.exceptions as rexc

from aiconv.errors import LogError
from aiconv.queues.group_read import GroupRead
from aiconv.queues.redis import RedisLog
from aiconv.queues.redis_calls import clients
from aiconv.queues.redis_wire import Wire
from aiconv.queues.waiters import Delivered
from aiconv.testing.conditions import eventually
from aiconv.testing.contract import event, sequences, until_parked
from aiconv.testing.redis_server import RedisServer, has_redis_server

pytestmark = [
    pytest.mark.skipif(not has_redis_server(), reason="redis-server is not installed"),
    pytest.mark.timeout(60),
]


def wire_to(url: str, timeout: float | None = None) -> Wire:
    client, _ = clients(url, url)
    wire = Wire.of(client, timeout=timeout)
    assert wire is not None
    return wire


async def test_commands_in_flight_on_one_connection_get_their_own_replies(
    redis_server: RedisServer,
) -> None:
    wire = wire_to(redis_server.url)
    try:
        replies = await asyncio.gather(*(wire.call("ECHO", f"n{n}") for n in range(500)))
        assert replies == [f"n{n}".encode() for n in range(500)]
        assert await wire.calls([("SET", "k", 1), ("INCR", "k"), ("GET", "k")]) == [
            b"OK",
            2,
            b"2",
        ]
    finally:
        await wire.close()


async def test_a_server_that_stops_answering_times_out_and_the_next_command_reconnects(
    redis_server: RedisServer,
) -> None:
    wire = wire_to(redis_server.url, timeout=0.3)
    assert redis_server.process is not None
    pid = redis_server.process.pid
    try:
        assert await wire.call("PING") == b"PONG"
        os.kill(pid, signal.SIGSTOP)
        try:
            async with asyncio.timeout(5):
                failed = await asyncio.gather(
                    *(wire.call("PING") for _ in range(3)), return_exceptions=True
                )
            assert all(isinstance(error, rexc.TimeoutError) for error in failed)
            assert len({id(error) for error in failed}) == 3  # no traceback shared and grown
        finally:
            os.kill(pid, signal.SIGCONT)
        assert await wire.call("PING") == b"PONG"  # on a new connection
    finally:
        await wire.close()


async def test_a_garbled_reply_fails_the_command_as_a_lost_connection() -> None:
    async def garble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(b"?what is this\r\n")
        await writer.drain()
        await reader.read(100)  # until the client hangs up
        writer.close()

    server = await asyncio.start_server(garble, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    wire = wire_to(f"redis://127.0.0.1:{port}/0")
    try:
        with pytest.raises(rexc.ConnectionError, match="Protocol error"):
            await wire.call("PING")
    finally:
        await wire.close()
        server.close()
        await server.wait_closed()


async def test_an_append_after_the_script_cache_was_flushed_loads_it_and_lands_once(
    log: RedisLog, redis_server: RedisServer
) -> None:
    await log.append("c", 0, [event(1)])
    async with aioredis.from_url(redis_server.url) as admin:
        await admin.script_flush()
    stored = await log.append("c", 1, [event(2)])
    assert sequences(stored) == [2]
    assert sequences(await log.read("c")) == [1, 2]


async def test_a_read_that_fails_alone_gets_its_own_error_and_the_others_their_events(
    log: RedisLog, redis_server: RedisServer
) -> None:
    await log.append("good", 0, [event(1)])
    async with aioredis.from_url(redis_server.url) as admin:
        await admin.set(log.events_key("bad"), "not a stream")
    bad, good = await asyncio.gather(log.read("bad"), log.read("good"), return_exceptions=True)
    assert isinstance(bad, LogError) and "WRONGTYPE" in str(bad)
    assert isinstance(good, list) and sequences(good) == [1]


async def test_the_wire_uses_the_urls_user_password_and_database(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "acl", appendonly=False, users={"app": "s3cret"}) as server:
        url = f"redis://app:s3cret@127.0.0.1:{server.port}/3"
        log = await RedisLog.open(url, prefix="acl", deadline=5)
        try:
            assert log._wire is not None  # the appends below went over it
            await log.append("c", 0, [event(1)])
        finally:
            await log.close()
        async with aioredis.from_url(url) as admin:
            assert await admin.exists(log.events_key("c")) == 1
        async with aioredis.from_url(url.replace("/3", "/0")) as admin:
            assert await admin.exists(log.events_key("c")) == 0
        wrong = wire_to(url.replace("s3cret", "nope"))
        try:
            with pytest.raises(rexc.AuthenticationError) as refused:
                await wrong.call("PING")
            assert "nope" not in str(refused.value)
        finally:
            await wrong.close()


def test_the_log_runs_under_uvloop_whose_transports_are_its_own(
    redis_server: RedisServer,
) -> None:
    """Applications embedding aiconv often run uvloop; its transports are not asyncio's."""
    uvloop = pytest.importorskip("uvloop")

    async def converse() -> list[int]:
        log = await RedisLog.open(redis_server.url, prefix="uv", deadline=5)
        try:
            await log.append("c", 0, [event(1)])
            await log.append("c", 1, [event(2)])
            assert await log.wait("c", 2, timeout=0.05) is False
            return sequences(await log.read("c"))
        finally:
            await log.close()

    assert uvloop.run(converse()) == [1, 2]


def test_the_wire_takes_the_urls_timeouts() -> None:
    default = wire_to("redis://127.0.0.1:6390/0")
    assert (default.timeout, default.connect_timeout) == (10, 2)
    given = wire_to("redis://127.0.0.1:6390/0?socket_timeout=30&socket_connect_timeout=0.5")
    assert (given.timeout, given.connect_timeout) == (30, 0.5)


def test_what_the_wire_does_not_speak_stays_on_redis_py() -> None:
    for url in ("rediss://127.0.0.1:6390/0", "redis://127.0.0.1:6390/0?client_name=x"):
        client, watcher = clients(url, url)
        assert Wire.of(client, timeout=1) is None and Wire.of(watcher, timeout=1) is None


# -- waits that park without asking Redis ------------------------------------------------------


def test_a_watched_conversation_is_unknown_until_checked_or_delivered() -> None:
    delivered = Delivered(capacity=2)
    assert delivered.watch("a") == -1  # unknown: the wait must ask Redis
    delivered.saw("a", 4)  # what the first check read
    assert delivered.watch("a") == 4
    delivered.saw("a", 3)  # older news changes nothing
    delivered.saw("b", 9)  # not watched: not recorded
    assert delivered.watch("b") == -1
    delivered.watch("c")  # over capacity: "a", the least recently waited on, is forgotten
    assert delivered.watch("a") == -1
    delivered.saw("a", 7)
    assert delivered.watch("a") == 7
    delivered.forget()
    assert delivered.watch("a") == -1


async def waited_on_once(log: RedisLog) -> GroupRead:
    """Conversation "c" at sequence 1, waited on once (that wait read its head: one read)."""
    assert log.reads is not None
    await log.append("c", 0, [event(1)])
    assert await log.wait("c", 1, timeout=0.05) is False
    assert log.reads.reads == 1
    return log.reads


async def test_a_second_wait_for_nothing_new_parks_without_a_round_trip_and_still_wakes(
    log: RedisLog, redis_server: RedisServer
) -> None:
    reads = await waited_on_once(log)
    assert await log.wait("c", 1, timeout=0.05) is False
    assert reads.reads == 1  # the second wait parked on what the reader delivered
    other = await RedisLog.open(redis_server.url, prefix=log.prefix, deadline=10)
    try:
        waiter = asyncio.create_task(log.wait("c", 1, timeout=20))
        await until_parked(log, "c")
        await other.append("c", 1, [event(2)])  # another process: only the reader tells
        async with asyncio.timeout(10):
            assert await waiter is True
    finally:
        await other.close()


async def test_after_the_readers_connection_was_lost_the_next_wait_asks_redis_again(
    log: RedisLog, redis_server: RedisServer
) -> None:
    reads = await waited_on_once(log)
    async with aioredis.from_url(redis_server.url) as admin:  # the reader is subscribed
        await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        await admin.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    await eventually(lambda: log.wakeups.delivered.watch("c") == -1, timeout=10)
    assert await log.wait("c", 1, timeout=0.05) is False
    assert reads.reads == 2
