"""Wake-ups on one Redis come as the pushes of a subscription (``PushWakeUps``), against a real
``redis-server``: a turn costs its appends and nothing else, a waiter woken by another process
sends no command for it, and what cannot subscribe falls back to the blocking reader."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as aioredis

from aiconv.benchmarking.probe import converse
from aiconv.platform.conductor import Conductor
from aiconv.queues.redis import ACL_RULES, RedisLog
from aiconv.testing.conditions import eventually
from aiconv.testing.contract import event, until_parked
from aiconv.testing.redis_server import RedisServer, has_redis_server

pytestmark = [
    pytest.mark.skipif(not has_redis_server(), reason="redis-server is not installed"),
    pytest.mark.timeout(60),
]


async def commands(url: str) -> dict[str, int]:
    """How many times the server has run each command so far."""
    async with aioredis.from_url(url) as admin:
        stats = await admin.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(row["calls"]) for name, row in stats.items()}


async def test_a_turn_between_two_seats_of_one_process_is_its_two_appends(
    log: RedisLog, redis_server: RedisServer
) -> None:
    """Claim and message: two script calls a turn; no blocking read sent again after each."""
    conductor = Conductor(log)
    await converse(conductor, max_turns=4)  # connections made, the script loaded
    before = await commands(redis_server.url)
    turns = await converse(conductor, max_turns=40)
    after = await commands(redis_server.url)
    sent = {name: after[name] - before.get(name, 0) for name in after}
    # Commands a script runs count too: each append reads its stream's head (XREVRANGE) once.
    reads = sent.get("xrange", 0) + sent.get("xrevrange", 0) - sent["evalsha"]
    assert sent.get("xread", 0) == 0, sent
    assert sent["evalsha"] <= 2 * turns + 2, sent  # + the start and the end
    assert reads <= 5, sent  # the start's and each seat's load; perhaps a look at the head


async def test_a_waiter_woken_from_another_process_sends_no_command_for_it(
    log: RedisLog, redis_server: RedisServer
) -> None:
    other = await RedisLog.open(redis_server.url, prefix=log.prefix, deadline=10)
    try:
        assert await log.wait("c", 0, timeout=0.01) is False  # subscribed, head checked
        await other.append("warm-up", 0, [event(0)])  # the script loaded
        before = await commands(redis_server.url)
        for n in range(20):
            waiter = asyncio.create_task(log.wait("c", n, timeout=20))
            await until_parked(log, "c")
            await other.append("c", n, [event(n)])
            async with asyncio.timeout(10):
                assert await waiter is True
        after = await commands(redis_server.url)
        assert after.get("xread", 0) == before.get("xread", 0)
        assert after["evalsha"] - before.get("evalsha", 0) == 20
    finally:
        await other.close()


async def test_a_killed_subscription_subscribes_again_and_delivers_what_it_missed(
    log: RedisLog, redis_server: RedisServer
) -> None:
    other = await RedisLog.open(redis_server.url, prefix=log.prefix, deadline=10)
    try:
        assert await log.wait("c", 0, timeout=0.01) is False
        pushes = log.wakeups.pushes
        assert pushes is not None and pushes.connection is not None
        waiter = asyncio.create_task(log.wait("c", 0, timeout=30))
        await until_parked(log, "c")
        async with aioredis.from_url(redis_server.url) as admin:
            await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            await admin.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        await other.append("c", 0, [event(1)])  # perhaps while nobody listens: read back
        async with asyncio.timeout(15):
            assert await waiter is True
    finally:
        await other.close()


async def test_a_message_that_is_not_ours_makes_the_next_wait_ask_redis(
    log: RedisLog, redis_server: RedisServer
) -> None:
    await log.append("c", 0, [event(1)])
    assert await log.wait("c", 1, timeout=0.01) is False
    assert log.wakeups.delivered.watch("c") == 1
    async with aioredis.from_url(redis_server.url) as admin:
        await admin.publish(f"{log.prefix}:log", b"not json")
    await eventually(lambda: log.wakeups.delivered.watch("c") == -1, timeout=10)


async def test_an_append_nobody_published_still_wakes_a_waiter(
    log: RedisLog, redis_server: RedisServer
) -> None:
    """A writer that may not publish (no channel in its ACL; or an older version): the reader's
    look at the log's head each second finds the append and wakes the waiter."""
    user = f"u{uuid.uuid4().hex[:6]}"
    rules = ["on", ">pw", f"~{log.prefix}:*", "resetchannels", *ACL_RULES.split()]
    async with aioredis.from_url(redis_server.url) as admin:
        await admin.execute_command("ACL", "SETUSER", user, *rules)
    url = redis_server.url.replace("redis://", f"redis://{user}:pw@")
    quiet = await RedisLog.open(url, prefix=log.prefix, deadline=10)
    try:
        waiter = asyncio.create_task(log.wait("c", 0, timeout=30))
        await until_parked(log, "c")
        assert log.wakeups.pushes is not None  # subscribed: no blocking read to find it
        await quiet.append("c", 0, [event(1)])
        async with asyncio.timeout(10):
            assert await waiter is True
    finally:
        await quiet.close()
