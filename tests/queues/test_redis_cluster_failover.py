"""kill -9 of a Redis Cluster master in the middle of a run, and the promotion of its replica.

With ``?min_replicas=1`` every acknowledged append survives and none is written twice; without
it an acknowledged append can be lost with its master, and the log then reports the gap as a
``SequenceConflict`` below what it had acknowledged (a conductor then stops with ``LogLostEvents``
and the conversation goes on from what the log holds) instead of duplicating anything.
Each test forms its own cluster (a failover leaves it with one replica fewer).
"""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.asyncio.cluster import RedisCluster

from aiconv.errors import LogUnavailable, SequenceConflict
from aiconv.queues.log import ListQuery
from aiconv.queues.redis import RedisLog, with_prefix
from aiconv.testing.conditions import eventually
from aiconv.testing.contract import event, sequences
from aiconv.testing.redis_cluster import LocalCluster, has_redis_cluster
from tests.cli.test_multi_instance import create_detached

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(180),  # ~15 s on a quiet box; six nodes share two cores
    pytest.mark.skipif(not has_redis_cluster(), reason="redis-server/redis-cli not installed"),
]


@pytest.fixture
def redis_cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    with LocalCluster(tmp_path / "cluster") as cluster:
        yield cluster


def url_of(cluster: LocalCluster, query: str = "") -> str:
    return with_prefix(f"{cluster.url}{query}", f"f{uuid.uuid4().hex[:8]}")


async def write(log: RedisLog, cid: str, until: int, acked: list[int]) -> None:
    """Append events 1 … ``until`` to ``cid`` one at a time; the sequences acknowledged."""
    while len(acked) < until:
        stored = await log.append(cid, len(acked), [event(len(acked) + 1)])
        acked.append(stored[0].sequence)


async def test_with_min_replicas_a_failover_loses_and_duplicates_no_acknowledged_append(
    redis_cluster: LocalCluster,
) -> None:
    """Twenty writers append 60 events each; the master of one of their shards dies (kill -9)
    after 20; its replica takes over and the dead node comes back as its replica (until then
    that shard's appends wait: no replica could confirm them); every acknowledged event is
    there exactly once."""
    log = await RedisLog.open(url_of(redis_cluster, "&min_replicas=1&replica_timeout=0.5"))
    try:
        cids = [f"conv-{n}" for n in range(20)]
        acked: dict[str, list[int]] = {cid: [] for cid in cids}
        writers = [asyncio.create_task(write(log, cid, 60, acked[cid])) for cid in cids]
        async with asyncio.timeout(45):
            while len(acked["conv-0"]) < 20:
                await log.wait("conv-0", len(acked["conv-0"]), 1.0)
        victim = await asyncio.to_thread(redis_cluster.kill_master_of, log.events_key("conv-0"))
        await asyncio.to_thread(redis_cluster.until_promoted, log.events_key("conv-0"))
        await asyncio.to_thread(victim.start)  # rejoins as the replica of the promoted node
        async with asyncio.timeout(100):
            await asyncio.gather(*writers)  # a SequenceConflict here would be a lost append
        assert redis_cluster.master_of(log.events_key("conv-0")) is not victim
        for cid in cids:
            events = await log.read(cid)
            assert sequences(events) == acked[cid] == list(range(1, 61)), cid
            assert [json.loads(e.data)["n"] for e in events] == list(range(1, 61)), cid
        everything = [(e.conversation_id, e.sequence) for e in await log.read_all(0, 10_000)]
        assert sorted(everything) == sorted((c, s) for c in cids for s in range(1, 61))
    finally:
        await log.close()


async def test_without_min_replicas_an_acknowledged_append_lost_in_a_failover_is_a_conflict(
    redis_cluster: LocalCluster,
) -> None:
    """The replica is cut off (SIGSTOP, its link closed), an append is acknowledged by the
    master alone, the master dies: the promoted replica lacks it. The writer's next append is a
    SequenceConflict naming the real end, never a duplicate or an overwrite."""
    log = await RedisLog.open(url_of(redis_cluster))
    try:
        await write(log, "lost", 3, acked := [])
        master = await asyncio.to_thread(redis_cluster.master_of, log.events_key("lost"))
        replica = await asyncio.to_thread(redis_cluster.replica_of, master)
        await until_replicated(replica, log.events_key("lost"), 3)
        assert replica.process is not None
        replica.process.send_signal(signal.SIGSTOP)
        with Redis(port=master.port) as client:
            client.execute_command("CLIENT", "KILL", "TYPE", "replica")
        await write(log, "lost", 4, acked)  # acknowledged by the master only
        master.kill()
        replica.process.send_signal(signal.SIGCONT)
        await asyncio.to_thread(redis_cluster.until_promoted, log.events_key("lost"))
        assert acked == [1, 2, 3, 4]
        assert await log.last_sequence("lost") == 3  # the acknowledged 4th event is gone
        with pytest.raises(SequenceConflict) as caught:
            await log.append("lost", 4, [event(5)])
        assert (caught.value.expected, caught.value.actual) == (4, 3)
        await log.append("lost", 3, [event(4)])  # re-read, re-decided: written once
        assert sequences(await log.read("lost")) == [1, 2, 3, 4]
    finally:
        await log.close()


async def test_with_min_replicas_an_append_its_replica_never_took_is_not_acknowledged(
    redis_cluster: LocalCluster,
) -> None:
    """The trap of the test above with ?min_replicas=1: the replica cut off, the 4th append is
    not acknowledged (its outcome unknown, past the deadline) instead of acknowledged by the
    master alone; the master dies, the replica is promoted: nothing acknowledged was lost.
    The kill -9 test with twenty writers passes without WAIT too (a local replica is rarely
    behind), so this one is what fails if appends stop waiting for replicas."""
    url = url_of(redis_cluster, "&min_replicas=1&replica_timeout=0.5")
    log = await RedisLog.open(url)
    try:
        await write(log, "kept", 3, acked := [])
    finally:
        await log.close()
    log = await RedisLog.open(url + "&deadline=2")  # the unknown outcome told after 2 s
    try:
        key = log.events_key("kept")
        master = await asyncio.to_thread(redis_cluster.master_of, key)
        replica = await asyncio.to_thread(redis_cluster.replica_of, master)
        await until_replicated(replica, key, 3)
        assert replica.process is not None
        replica.process.send_signal(signal.SIGSTOP)
        with Redis(port=master.port) as client:
            client.execute_command("CLIENT", "KILL", "TYPE", "replica")
        with pytest.raises(LogUnavailable, match="outcome is unknown") as caught:
            await log.append("kept", 3, [event(4)])
        # the master that lacks a replica, not the first node of the URL
        assert f"of the master at 127.0.0.1:{master.port} confirmed" in str(caught.value)
        master.kill()
        replica.process.send_signal(signal.SIGCONT)
        await asyncio.to_thread(redis_cluster.until_promoted, key)
    finally:
        await log.close()
    assert acked == [1, 2, 3]
    after = await RedisLog.open(url)
    try:
        assert sequences(await after.read("kept")) == [1, 2, 3]  # all that was acknowledged
    finally:
        await after.close()


async def test_listing_goes_on_through_a_failover(redis_cluster: LocalCluster) -> None:
    """Three logs list the conversations of every shard over and over (each listing reads the
    sixteen shards at once) while a master dies, its replica takes over and it comes back as a
    replica: once the cluster is whole again every listing answers, within the deadline. It
    used to fail for the whole deadline (`aic ls`, a starting `aic simulate` child: "did not
    answer (list_conversations) for 30s: Connection closed by server"): every fifth MOVED made
    redis-py close all the client's connections, the sibling reads in flight included, whose
    retry met stale routes again."""
    prefix = f"f{uuid.uuid4().hex[:8]}"
    url = with_prefix(f"{redis_cluster.url}&deadline=10", prefix)
    # Created through a log that waits for a replica's copy: a replica only starts copying a
    # few seconds after the cluster forms, and one promoted before then has nothing to list.
    creator = await RedisLog.open(with_prefix(f"{url}&min_replicas=1&replica_timeout=10", prefix))
    try:
        cids = await create_detached(creator, 40, turns=2)
    finally:
        await creator.close()
    logs = [await RedisLog.open(url) for _ in range(3)]
    try:
        stop, healthy, listed = asyncio.Event(), asyncio.Event(), [0, 0, 0]

        async def list_until_stopped(n: int) -> None:
            while not stop.is_set():
                whole = healthy.is_set()  # before, a listing may miss the restarted node's part
                found = await logs[n].list_conversations(ListQuery(limit=100))
                assert len(found) == 40 or not whole, len(found)
                listed[n] += 1
                await asyncio.sleep(0.01)

        listers = [asyncio.create_task(list_until_stopped(n)) for n in range(3)]
        await eventually(lambda: all(listed), timeout=30, what="every log listing")
        key = logs[0].events_key(cids[0])
        victim = await asyncio.to_thread(redis_cluster.kill_master_of, key)
        await asyncio.to_thread(redis_cluster.until_promoted, key)
        await asyncio.to_thread(victim.start)
        await asyncio.to_thread(redis_cluster.until_healthy)
        healthy.set()
        before = list(listed)
        await asyncio.sleep(12)  # longer than the deadline: a stuck listing has failed by now
        stop.set()
        await asyncio.gather(*listers)  # a LogUnavailable here is the defect
        assert all(after > was for after, was in zip(listed, before, strict=True)), listed
    finally:
        for log in logs:
            await log.close()


async def until_replicated(replica: object, key: str, count: int) -> None:
    """Until the replica's copy of stream ``key`` holds ``count`` entries (deadline 10 s)."""
    port = getattr(replica, "port")  # noqa: B009 (a RedisServer)
    async with asyncio.timeout(10):
        while True:
            with Redis(port=port) as client:
                client.execute_command("READONLY")
                if client.xlen(key) >= count:
                    return
            await asyncio.sleep(0.02)


async def test_close_releases_the_connections_of_a_node_that_left_the_topology(
    redis_cluster: LocalCluster,
) -> None:
    """After a failover the dead master's node leaves the client's topology, but a command
    routed on a reference taken before (redis-py does so when a refresh lands between routing
    and sending, as in the test above under load) opens a connection on it once the node is
    back as a replica. ``close`` must release that connection too: left to the garbage
    collector it failed whichever later test it was collected in (ResourceWarning)."""
    log = await RedisLog.open(url_of(redis_cluster))
    key = log.events_key("c")
    try:
        await log.append("c", 0, [event(1)])
        client = log._client  # the redis-py client whose nodes we follow
        assert isinstance(client, RedisCluster)
        stale = client.get_node_from_key(key)
        master = await asyncio.to_thread(redis_cluster.master_of, key)
        await until_replicated(await asyncio.to_thread(redis_cluster.replica_of, master), key, 1)
        victim = await asyncio.to_thread(redis_cluster.kill_master_of, key)
        await asyncio.to_thread(redis_cluster.until_promoted, key)
        await log.append("c", 1, [event(2)])  # fails over: the client refreshes its topology
        assert client.get_node(node_name=stale.name) is not stale
        await asyncio.to_thread(victim.start)  # back, as the promoted node's replica
        await asyncio.to_thread(redis_cluster.until_healthy)
        assert await stale.execute_command("PING") is True  # a connection on the stale node
    finally:
        await log.close()
    with Redis(port=victim.port) as admin:
        clients = admin.client_list(_type="normal")
    assert [c["cmd"] for c in clients] == ["client|list"], clients  # the admin's own only


async def test_min_replicas_opens_while_a_promoted_master_waits_for_its_replica(
    redis_cluster: LocalCluster,
) -> None:
    """A new command during a failover (the master killed, its replica promoted, the dead node
    not back yet) is not refused for ?min_replicas=1: its appends pause until the node rejoins
    as a replica, as the README says, and then go through."""
    key = f"f{uuid.uuid4().hex[:8]}:x"
    victim = await asyncio.to_thread(redis_cluster.kill_master_of, key)
    await asyncio.to_thread(redis_cluster.until_promoted, key)
    log = await RedisLog.open(
        url_of(redis_cluster, "&min_replicas=1&replica_timeout=1&deadline=60")
    )
    try:
        await asyncio.to_thread(victim.start)  # back as the promoted master's replica
        await log.append("c", 0, [event(1)])
        assert sequences(await log.read("c")) == [1]
    finally:
        await log.close()
