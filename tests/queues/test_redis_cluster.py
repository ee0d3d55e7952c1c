"""The Redis log on a real local Redis Cluster (three masters, three replicas): the contract
suite, the sharded layout, detection, and bad cluster URLs refused in one line."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.crc import key_slot

from aiconv.errors import ConfigError
from aiconv.queues.log import ConversationLog
from aiconv.queues.redis import RedisLog, with_prefix
from aiconv.queues.redis_calls import clients
from aiconv.queues.redis_cluster import _require_replicas_of_masters
from aiconv.queues.redis_layout import SHARDS, ClusterLayout
from aiconv.queues.redis_scripts import ACL_RULES, CLUSTER_ACL_RULES
from aiconv.queues.urls import open_log
from aiconv.testing.contract import ConversationLogContract, entry, event, sequences
from aiconv.testing.redis_cluster import LocalCluster, cluster_port, has_redis_cluster
from aiconv.testing.redis_server import RedisServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not has_redis_cluster(), reason="redis-server/redis-cli not installed"),
]


@pytest.fixture(scope="module")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    with LocalCluster(tmp_path_factory.mktemp("cluster")) as cluster:
        yield cluster


def fresh_url(cluster: LocalCluster) -> str:
    return with_prefix(cluster.url, f"t{uuid.uuid4().hex[:10]}")


class TestRedisClusterLog(ConversationLogContract):
    supports_processes = True

    @pytest.fixture
    def log_url(self, redis_cluster: LocalCluster) -> str:
        return fresh_url(redis_cluster)

    @pytest.fixture
    async def log(self, log_url: str) -> AsyncIterator[ConversationLog]:
        async with open_log(log_url) as log:
            yield log


@pytest.fixture
async def cluster_log(redis_cluster: LocalCluster) -> AsyncIterator[RedisLog]:
    log = await RedisLog.open(fresh_url(redis_cluster))
    try:
        yield log
    finally:
        await log.close()


async def test_an_append_touches_one_slot_and_the_shards_cover_every_master(
    cluster_log: RedisLog, redis_cluster: LocalCluster
) -> None:
    """Events, index and the shard's keys of one conversation share a slot (one script); the
    sixteen shards' slots are spread over all three masters."""
    assert cluster_log.layout.clustered
    await cluster_log.append("conv-1", 0, [event(1)], index=entry("conv-1", 1.0))
    layout = cluster_log.layout
    shard = layout.shard(layout.shard_of("conv-1"))
    keys = [layout.events_key("conv-1"), layout.index_key("conv-1"), *shard.all()]
    assert len({key_slot(k.encode()) for k in keys}) == 1
    found = set()
    for node in redis_cluster.running:
        with Redis(port=node.port) as client:
            found |= {k.decode() for k in client.keys(f"{cluster_log.prefix}:*")}
    assert found == set(keys)
    masters = {redis_cluster.master_of(s.log).port for s in layout.shards()}
    assert len(layout.shards()) == SHARDS and len(masters) == 3


async def test_a_cluster_is_detected_without_cluster_1(redis_cluster: LocalCluster) -> None:
    """INFO cluster says cluster_enabled:1: the log opens in cluster mode by itself."""
    url = fresh_url(redis_cluster).replace("cluster=1&", "").replace("?cluster=1", "")
    assert "cluster" not in url
    async with open_log(url) as log:
        assert isinstance(log, RedisLog) and isinstance(log.layout, ClusterLayout)
        await log.append("c", 0, [event(1)])
        assert [e.sequence for e in await log.read_all()] == [1]


@pytest.mark.parametrize("where", ["/3", "/3?cluster=1", "/?db=3&cluster=1"])
async def test_a_database_other_than_0_on_a_cluster_is_bad_input(
    redis_cluster: LocalCluster, where: str
) -> None:
    """A Redis Cluster has database 0 alone: ``/3`` was ``failed (connect): SELECT is not
    allowed in cluster mode``, exit code 1, as if the cluster were down."""
    url = f"redis://127.0.0.1:{redis_cluster.running[0].port}{where}"
    with pytest.raises(ConfigError, match="has database 0 alone: drop") as caught:
        async with asyncio.timeout(30):
            await open_log(url)
    assert "\n" not in str(caught.value)


async def test_a_node_list_of_one_cluster_opens(redis_cluster: LocalCluster) -> None:
    """Two startup nodes of the same cluster, comma-separated."""
    one, two = redis_cluster.running[:2]
    url = f"redis://127.0.0.1:{one.port},127.0.0.1:{two.port}/?cluster=1&prefix=t{uuid.uuid4().hex[:6]}"
    async with open_log(url) as log:
        await log.append("c", 0, [event(1)])
        assert await log.last_sequence("c") == 1


async def test_a_node_list_opens_while_one_of_its_nodes_is_down(
    redis_cluster: LocalCluster,
) -> None:
    """Several startup nodes are there so that one being down (a master just killed) does not
    matter: every command failed for its whole deadline until that node came back."""
    live = redis_cluster.running[0]
    for hosts in (f"127.0.0.1:{cluster_port()},127.0.0.1:{live.port}",
                  f"127.0.0.1:{live.port},127.0.0.1:{cluster_port()}"):  # fmt: skip
        url = f"redis://{hosts}/?cluster=1&deadline=20&prefix=t{uuid.uuid4().hex[:6]}"
        async with asyncio.timeout(10), open_log(url) as log:
            await log.append("c", 0, [event(1)])
            assert await log.last_sequence("c") == 1


async def test_nodes_of_two_clusters_are_refused_in_one_line(
    redis_cluster: LocalCluster, tmp_path: Path
) -> None:
    """A node list that does not form one cluster: a one-line ConfigError, nothing written."""
    with RedisServer(tmp_path, port=cluster_port(), appendonly=False, cluster=True) as lone:
        with Redis(port=lone.port) as client:
            client.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)  # its own cluster
        member = redis_cluster.running[0]
        url = f"redis://127.0.0.1:{member.port},127.0.0.1:{lone.port}/?cluster=1"
        with pytest.raises(ConfigError, match="do not form one Redis Cluster") as caught:
            async with asyncio.timeout(30):
                await open_log(url)
        assert "\n" not in str(caught.value)
        assert f"127.0.0.1:{lone.port} is not in the cluster" in str(caught.value)
        with Redis(port=lone.port) as client:
            assert client.dbsize() == 0


async def test_cluster_1_on_a_single_redis_is_refused_in_one_line(tmp_path: Path) -> None:
    """?cluster=1 against a Redis without cluster mode: a one-line ConfigError."""
    with RedisServer(tmp_path) as single:
        with pytest.raises(ConfigError, match="is not a Redis Cluster node") as caught:
            async with asyncio.timeout(30):
                await open_log(f"redis://127.0.0.1:{single.port}/0?cluster=1")
        assert "\n" not in str(caught.value)
        with Redis(port=single.port) as client:
            assert client.dbsize() == 0


async def test_a_node_list_of_single_redis_servers_says_what_the_user_wrote(
    tmp_path: Path,
) -> None:
    """A list of nodes means a cluster without ?cluster=1: the error said "drop ?cluster=1",
    which the URL did not hold; it names the list instead."""
    with RedisServer(tmp_path / "a") as one, RedisServer(tmp_path / "b") as two:
        url = f"redis://127.0.0.1:{one.port},127.0.0.1:{two.port}/0"
        with pytest.raises(ConfigError, match="is not a Redis Cluster node") as caught:
            async with asyncio.timeout(30):
                await open_log(url)
        assert "?cluster=1" not in str(caught.value)
        assert "a list of nodes is a Redis Cluster: name one node" in str(caught.value)


class OldRedis:
    """A server answering as a Redis without cluster support (2.8: ``INFO cluster`` empty);
    every other command is unknown to it. It records the commands it got."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        replies = {
            "HELLO": b"%1\r\n+version\r\n+2.8.24\r\n",
            "PING": b"+PONG\r\n",
            "INFO cluster": b"$0\r\n\r\n",
            "INFO server": b"$21\r\nredis_version:2.8.24\r\n\r\n",
        }
        try:
            while header := await reader.readline():
                args = []
                for _ in range(int(header[1:])):
                    size = int((await reader.readline())[1:])
                    args.append((await reader.readexactly(size + 2))[:-2].decode())
                self.commands.append(" ".join(args))
                key = " ".join(args[:2]) if args[0] == "INFO" else args[0].upper()
                writer.write(replies.get(key, b"-ERR unknown command\r\n"))
                await writer.drain()
        finally:
            writer.close()


async def test_cluster_1_on_a_redis_without_cluster_support_is_refused_in_one_line() -> None:
    """A server whose INFO has no cluster section at all (before Redis 3): a one-line
    ConfigError naming its version, and nothing but reads sent to it."""
    old = OldRedis()
    server = await asyncio.start_server(old.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(ConfigError, match=r"version 2\.8\.24\) has no cluster support"):
            async with asyncio.timeout(30):
                await open_log(f"redis://127.0.0.1:{port}/0?cluster=1&deadline=2")
    finally:
        server.close()
        await server.wait_closed()
    assert {c.split()[0] for c in old.commands} <= {"HELLO", "PING", "INFO", "CLIENT"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cluster=yes", "?cluster='yes' must be 0 or 1"),
        ("min_replicas=-1", "?min_replicas='-1' must be a number of replicas"),
        ("replica_timeout=0", "?replica_timeout='0' must be positive seconds"),
    ],
)
async def test_bad_cluster_parameters_are_refused(query: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        await open_log(f"redis://127.0.0.1:1/0?{query}")
    assert message in str(caught.value)


async def test_min_replicas_above_the_replicas_of_a_master_is_refused(
    redis_cluster: LocalCluster,
) -> None:
    """?min_replicas=2 with one replica a master: WAIT could never see two, and every append
    waited for them until the deadline (an unknown outcome each); refused at connect now."""
    url = fresh_url(redis_cluster) + "&min_replicas=2&replica_timeout=0.1&deadline=1"
    with pytest.raises(ConfigError) as caught:
        await open_log(url)
    said = str(caught.value)
    assert "has 1 replica(s), fewer than ?min_replicas=2" in said, said
    assert "lower min_replicas" in said and "\n" not in said
    # one is there (a replica starts copying a few seconds after the cluster forms: wait on it)
    async with open_log(
        url.replace("=2&replica_timeout=0.1&deadline=1", "=1&replica_timeout=10")
    ) as log:
        await log.append("c", 0, [event(1)])
        assert sequences(await log.read("c")) == [1]


#: ``CLUSTER NODES`` of three masters with a replica each, the master of 10923-16383 killed and
#: its replica promoted: the dead node has lost its slots and has not rejoined yet.
FAILED_OVER = """\
a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460
b1 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922
c1 127.0.0.1:7002@17002 master,fail - 0 0 3 disconnected
a2 127.0.0.1:7003@17003 slave a1 0 0 1 connected
b2 127.0.0.1:7004@17004 slave,fail b1 0 0 2 disconnected
c2 127.0.0.1:7005@17005 master - 0 0 7 connected 10923-16383
"""


def test_min_replicas_is_not_refused_in_a_failover() -> None:
    """A promoted master has no replica until the dead one rejoins, and a replica may be down:
    appends pause then (README), so a new command is not refused; a cluster that never had the
    replicas is."""
    _require_replicas_of_masters(FAILED_OVER, 1)
    without_dead = "\n".join(line for line in FAILED_OVER.splitlines() if "c1" not in line)
    with pytest.raises(ConfigError, match=r"master at 127.0.0.1:7005 has 0 replica\(s\)"):
        _require_replicas_of_masters(without_dead, 1)
    with pytest.raises(ConfigError, match="fewer than \\?min_replicas=2"):
        _require_replicas_of_masters(FAILED_OVER, 2)


def grant(cluster: LocalCluster, rules: str) -> str:
    """An ACL user ``app`` with ``rules`` on every node (ACLs are per node); its URL."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    for node in cluster.running:
        with Redis(port=node.port) as client:
            client.execute_command(*f"ACL SETUSER app reset on >pw ~{prefix}:* {rules}".split())
    return f"redis://app:pw@127.0.0.1:{cluster.running[0].port}/?prefix={prefix}"


async def test_a_least_privilege_user_works_on_a_cluster(redis_cluster: LocalCluster) -> None:
    """The single-Redis ACL rules plus CLUSTER_ACL_RULES are enough on a cluster."""
    url = grant(redis_cluster, f"{ACL_RULES} {CLUSTER_ACL_RULES}") + "&cluster=1"
    async with open_log(url) as log:
        await log.append("c", 0, [event(1)], index=entry("c", 1.0))
        assert sequences(await log.read_all()) == [1]
        assert [e.conversation_id for e in await log.list_conversations()] == ["c"]
        assert await log.wait("c", 0, 5.0)


async def test_a_user_who_may_not_read_the_topology_is_told_what_to_grant(
    redis_cluster: LocalCluster,
) -> None:
    url = grant(redis_cluster, ACL_RULES) + "&cluster=1"
    with pytest.raises(ConfigError, match=r"may not read the cluster's topology") as caught:
        await open_log(url)
    assert CLUSTER_ACL_RULES in str(caught.value) and "\n" not in str(caught.value)


async def test_a_cluster_is_found_without_info_whichever_node_is_named(
    redis_cluster: LocalCluster,
) -> None:
    """A user who may not run INFO, given any one node without ?cluster=1: the cluster is
    found all the same (a read of two keys of different slots is refused with CROSSSLOT) and
    the log is refused at once, in one line naming the rules to grant. It used to open as a
    single Redis: on the node holding that layout's keys `aic ls` listed nothing and
    `aic worker` served nothing, without a word (elsewhere the first command failed)."""
    url = grant(redis_cluster, ACL_RULES)
    first = f":{redis_cluster.running[0].port}/"
    for node in redis_cluster.running:
        with pytest.raises(ConfigError, match=r"may not read the cluster's topology") as caught:
            async with asyncio.timeout(30), open_log(url.replace(first, f":{node.port}/")) as log:
                await log.list_conversations()
        assert CLUSTER_ACL_RULES in str(caught.value) and "\n" not in str(caught.value)


async def test_an_undetected_cluster_is_named_on_the_first_redirect(
    redis_cluster: LocalCluster,
) -> None:
    """A cluster node used through a single-Redis client (as when nothing could tell it was a
    cluster): the first command a node refuses (CROSSSLOT, or a MOVED redirect) says to add
    ?cluster=1, at once (it used to print the redirect with MOVED stripped)."""
    url = f"redis://127.0.0.1:{redis_cluster.running[0].port}/0"
    log = RedisLog(*clients(url, url), prefix=f"t{uuid.uuid4().hex[:8]}", deadline=5)
    try:
        with pytest.raises(ConfigError, match=r"is a Redis Cluster node .* add \?cluster=1"):
            await log.append("c", 0, [event(1)])  # its keys span slots: CROSSSLOT
    finally:
        await log.close()
