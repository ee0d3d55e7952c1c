"""The Redis log passes the contract suite against a real redis-server, and survives its crashes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import cast

import pytest
import redis.asyncio as aioredis
from redis import Redis
from redis.asyncio.connection import Connection
from redis.crc import key_slot
from redis.exceptions import DataError

from aiconv.errors import ConfigError, LogError, LogUnavailable
from aiconv.queues.log import ConversationLog
from aiconv.queues.redis import ACL_RULES, RedisLog, with_prefix
from aiconv.queues.redis_packing import _packed
from aiconv.queues.urls import open_log
from aiconv.testing.conditions import eventually
from aiconv.testing.contract import ConversationLogContract, entry, event, until_parked
from aiconv.testing.processes import run_aic
from aiconv.testing.redis_cluster import cluster_port
from aiconv.testing.redis_server import RedisServer, free_port, has_redis_server

pytestmark = pytest.mark.skipif(not has_redis_server(), reason="redis-server is not installed")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


class TestRedisLog(ConversationLogContract):
    supports_processes = True

    @pytest.fixture
    def log_url(self, redis_server: RedisServer) -> str:
        return with_prefix(redis_server.url, f"t{uuid.uuid4().hex[:10]}")

    @pytest.fixture
    async def log(self, log_url: str) -> AsyncIterator[ConversationLog]:
        async with open_log(log_url) as log:
            yield log


@pytest.fixture
async def redis_log(redis_server: RedisServer) -> AsyncIterator[RedisLog]:
    log = await RedisLog.open(redis_server.url, prefix=f"t{uuid.uuid4().hex[:10]}")
    try:
        yield log
    finally:
        await log.close()


async def test_keys_are_prefixed_and_hash_tagged_per_conversation(redis_log: RedisLog) -> None:
    """Every key carries the prefix; a conversation's stream and index share one Cluster slot."""
    await redis_log.append("conv-1", 0, [event(1)], index=entry("conv-1", 1.0))
    client = redis_log._client
    found = cast(list[bytes], await client.keys(f"{redis_log.prefix}:*"))
    keys = sorted(k.decode() for k in found)
    p = redis_log.prefix
    assert keys == sorted(
        [
            f"{p}:{{conv-1}}:events",
            f"{p}:{{conv-1}}:index",
            f"{p}:position",
            f"{p}:log",
            f"{p}:conversations",
            f"{p}:index",
        ]
    )
    assert key_slot(redis_log.events_key("conv-1").encode()) == key_slot(
        redis_log.index_key("conv-1").encode()
    )
    assert await client.type(redis_log.events_key("conv-1")) == b"stream"


async def test_prefixes_keep_two_logs_apart(redis_server: RedisServer) -> None:
    """Two prefixes on one Redis are two independent logs."""
    url = redis_server.url
    async with (
        open_log(with_prefix(url, "one-" + uuid.uuid4().hex[:6])) as one,
        open_log(with_prefix(url, "two-" + uuid.uuid4().hex[:6])) as two,
    ):
        await one.append("c1", 0, [event(1)])
        assert await two.last_sequence("c1") == 0
        assert await two.read_all() == []
        assert isinstance(one, RedisLog) and one.backend == "redis"


def test_prefix_with_braces_is_refused() -> None:
    """A brace in the prefix would break the hash tags, so it is a ConfigError."""
    with pytest.raises(ConfigError, match="prefix"):
        RedisLog(None, None, prefix="a{b}")  # type: ignore[arg-type]  # refused before any use


def test_with_prefix_sets_or_replaces_the_query_parameter() -> None:
    assert with_prefix("redis://h:1/0", "x") == "redis://h:1/0?prefix=x"
    assert with_prefix("redis://h:1/0?prefix=a&deadline=3", "b") == (
        "redis://h:1/0?deadline=3&prefix=b"
    )


@pytest.mark.slow
async def test_acl_user_and_password_in_the_url(tmp_path: Path) -> None:
    """``redis://user:password@…`` logs in as an ACL user; a wrong password is a ConfigError."""
    with RedisServer(tmp_path, users={"alice": "s3cret"}) as server:
        good = server.url.replace("redis://", "redis://alice:s3cret@")
        async with open_log(good) as log:
            await log.append("c1", 0, [event(1)])
            assert await log.last_sequence("c1") == 1
        bad = server.url.replace("redis://", "redis://alice:wrong@")
        with pytest.raises(ConfigError, match="credentials"):
            await RedisLog.open(bad, deadline=2)


@pytest.mark.slow
async def test_rediss_url_talks_tls(tmp_path: Path) -> None:
    """A ``rediss://`` URL reaches a TLS-only server and runs the whole append/wait cycle."""
    with RedisServer(tmp_path, tls=True) as server:
        assert server.url.startswith("rediss://")
        async with open_log(server.url) as log:
            assert isinstance(log, RedisLog)
            waiter = asyncio.create_task(log.wait("c1", 0, timeout=30))
            await until_parked(log, "c1")
            await log.append("c1", 0, [event(1)])
            async with asyncio.timeout(10):
                assert await waiter is True


@pytest.mark.timeout(60)
def test_a_rediss_url_at_a_plain_redis_is_a_prompt_one_line_error(tmp_path: Path) -> None:
    """A TLS hello to a plain Redis gets no answer (Redis waits for the rest of an inline
    command): each connect timed out and was retried until the 30 s deadline. It is told from
    an outage after the first try, exit code 2, nothing written."""
    with RedisServer(tmp_path / "redis", appendonly=False) as server:
        url = server.url.replace("redis://", "rediss://")
        for command in (["ls"], ["start", "--agent1", "mock:turns=0", "--agent2", "mock:turns=0"]):
            started = time.monotonic()
            result = run_aic(*command, "--log-url", url, cwd=tmp_path, timeout=45)
            took = time.monotonic() - started
            assert result.returncode == 2, result.stderr
            assert f"Redis at 127.0.0.1:{server.port} does not speak TLS" in result.stderr
            assert "use a redis:// log URL" in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
            assert took < 15, took  # one 2 s connect, the probe, and aic's start-up
        assert Redis(port=server.port).dbsize() == 0


@pytest.mark.timeout(90)
def test_a_rediss_cache_url_at_a_plain_redis_is_a_prompt_one_line_error(tmp_path: Path) -> None:
    """The response cache on Redis: ``--cache-url rediss://`` at a plain Redis waited its 5 s
    connect timeout and said only "Timeout connecting to server"; it says which scheme to use,
    exit 2, and neither the log nor the cache gets anything."""
    scenario = Path(__file__).resolve().parents[2] / "examples" / "scenarios.toml"
    with RedisServer(tmp_path / "redis", appendonly=False) as server:
        cache_url = server.url.replace("redis://", "rediss://")
        db = tmp_path / "runs.db"
        args = ("simulate", str(scenario), "--db", str(db), "--quiet", "--cache", "record")
        started = time.monotonic()
        result = run_aic(*args, "--cache-url", cache_url, cwd=tmp_path, timeout=60)
        took = time.monotonic() - started
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines() == [
            f"error: the response cache: Redis at 127.0.0.1:{server.port} does not speak TLS (it "
            "answers plain commands): use a redis:// --cache-url for it, or turn TLS on in the "
            "server for rediss://"
        ]
        assert took < 20, took  # the 5 s connect, the probe, and aic's start-up
        assert Redis(port=server.port).dbsize() == 0
        assert not db.exists()


@pytest.mark.slow
@pytest.mark.timeout(60)
async def test_a_transport_or_certificate_mismatch_with_a_tls_redis_is_refused_at_once(
    tmp_path: Path,
) -> None:
    """``redis://`` at a TLS-only Redis (reset on every try), and ``rediss://`` without the CA
    of its self-signed certificate: both were retried until the deadline like an outage."""
    with RedisServer(tmp_path, tls=True) as server:
        plain = f"redis://127.0.0.1:{server.port}/0"
        with pytest.raises(ConfigError, match="speaks TLS only: use a rediss:// log URL"):
            async with asyncio.timeout(10):
                await RedisLog.open(plain)
        untrusted = f"rediss://127.0.0.1:{server.port}/0"
        with pytest.raises(ConfigError, match=r"does not trust .* \?ssl_ca_certs=PATH"):
            async with asyncio.timeout(10):
                await RedisLog.open(untrusted)


async def test_unreachable_server_is_log_unavailable_after_the_deadline() -> None:
    """Nothing listens on the port: open_log gives up after the deadline with a clear message."""
    url = f"redis://127.0.0.1:{free_port()}/0?deadline=0.5"
    with pytest.raises(LogUnavailable, match=r"did not answer .* redis-server running") as caught:
        async with asyncio.timeout(10):
            await RedisLog.open(url)
    assert ".." not in str(caught.value)  # redis-py's message ends with a full stop of its own


@pytest.mark.parametrize("channel", [True, False])
async def test_a_least_privilege_acl_user_can_run_the_log(
    redis_server: RedisServer, channel: bool
) -> None:
    """The documented ACL rules suffice; without the channel (the rules before wake-ups were
    pushes) waits block on the log instead; a user confined to other keys gets a ConfigError."""
    admin = aioredis.from_url(redis_server.url)
    user = app = f"u{uuid.uuid4().hex[:6]}"
    channels = f"&{app}:*" if channel else "resetchannels"
    try:
        await admin.execute_command(
            "ACL", "SETUSER", user, "on", ">pw", f"~{app}:*", channels, *ACL_RULES.split()
        )
        url = redis_server.url.replace("redis://", f"redis://{user}:pw@")
        async with open_log(with_prefix(url, app)) as log:
            waiter = asyncio.create_task(log.wait("c1", 0, timeout=30))
            await until_parked(log, "c1")
            assert isinstance(log, RedisLog)
            assert (log.wakeups.pushes is not None) is channel
            await log.append("c1", 0, [event(1)], index=entry("c1", 1.0))
            await log.put_index(entry("c2", 2.0))
            async with asyncio.timeout(10):
                assert await waiter is True
            assert [e.conversation_id for e in await log.list_conversations()] == ["c2", "c1"]
            assert len(await log.read_all()) == 1
        async with open_log(with_prefix(url, "elsewhere")) as log:
            with pytest.raises(ConfigError, match="ACL SETUSER"):
                await log.append("c1", 0, [event(1)])
    finally:
        await admin.execute_command("ACL", "DELUSER", user)
        await admin.aclose()


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("redis://127.0.0.1:1/0?colour=blue", "unknown parameter 'colour'"),
        ("redis://bob:s3cret-pw@127.0.0.1:1/0?colour=blue", "unknown parameter 'colour'"),
        ("redis://:s3cret-pw@127.0.0.1:1/abc", "database 'abc' must be a number"),
        ("redis://127.0.0.1:1/0?db=x", "?db='x' must be"),
        ("redis://127.0.0.1:1/0?socket_timeout=nan", "socket_timeout='nan' must be positive"),
        ("redis://127.0.0.1:1/0?deadline=inf", "deadline='inf' must be positive"),
        ("redis://127.0.0.1:1/0?protocol=9", "protocol='9' must be 2 or 3"),
    ],
)
async def test_bad_redis_urls_fail_at_once_with_the_password_redacted(url: str, names: str) -> None:
    """Nothing listens on port 1: the URL is refused before any connection is tried."""
    with pytest.raises(ConfigError) as caught:
        async with asyncio.timeout(2):
            await open_log(url)
    message = str(caught.value)
    assert names in message and "\n" not in message
    assert "s3cret-pw" not in message


async def test_appends_in_flight_together_are_one_script_call_per_batch(
    redis_log: RedisLog,
) -> None:
    """Appends queued while a batch is in flight go in the next one: far fewer round trips."""
    await redis_log.append("first", 0, [event()])
    assert (redis_log.commit.batches, redis_log.commit.appends) == (1, 1)
    await asyncio.gather(*(redis_log.append(f"c{n}", 0, [event(n)]) for n in range(200)))
    assert redis_log.commit.appends == 201
    assert redis_log.commit.batches <= 21, redis_log.commit.batches


async def test_reads_in_flight_together_are_one_pipeline_per_batch(redis_log: RedisLog) -> None:
    """Reads of many conversations queued while a batch is in flight go out together, each
    answered with its own conversation's events, in the order they were asked."""
    await asyncio.gather(
        *(redis_log.append(f"c{n}", 0, [event(n)] * (n % 3 + 1)) for n in range(300))
    )
    reads = redis_log.reads
    assert reads is not None
    before = (reads.batches, reads.reads)
    found = await asyncio.gather(*(redis_log.read(f"c{n}") for n in range(300)))
    tops = await asyncio.gather(*(redis_log.last_sequence(f"c{n}") for n in range(300)))
    assert [len(events) for events in found] == [n % 3 + 1 for n in range(300)]
    assert {e.conversation_id for n, events in enumerate(found) for e in events if e} == {
        f"c{n}" for n in range(300)
    }
    assert all(e.conversation_id == f"c{n}" for n, events in enumerate(found) for e in events)
    assert tops == [n % 3 + 1 for n in range(300)]
    assert reads.reads - before[1] == 600
    assert reads.batches - before[0] <= 12, reads.batches - before[0]


async def test_a_read_that_fails_alone_fails_alone(redis_log: RedisLog) -> None:
    """A read Redis refuses (a key of the wrong type) gets its own mapped error; the reads
    batched with it are answered."""
    await redis_log.append("good", 0, [event()])
    await redis_log._client.set(redis_log.events_key("bad"), "not a stream")
    good, bad = await asyncio.gather(
        redis_log.read("good"), redis_log.read("bad"), return_exceptions=True
    )
    assert isinstance(good, list) and len(good) == 1
    assert isinstance(bad, LogError) and "WRONGTYPE" in str(bad), bad


async def test_a_cluster_node_of_no_created_cluster_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    """A lone Cluster node (detected by INFO cluster) serves no slot: open_log says so before
    anything is written, instead of failing later with a redirect or CROSSSLOT."""
    with (
        RedisServer(tmp_path, port=cluster_port(), cluster=True) as node,
        pytest.raises(ConfigError, match="serves 0 of 16384 slots") as caught,
    ):
        async with asyncio.timeout(30):
            await open_log(node.url)
    assert "\n" not in str(caught.value)


async def test_cluster_0_refuses_a_cluster_node(tmp_path: Path) -> None:
    """?cluster=0 asks for a single Redis: a Cluster node is a one-line error."""
    with (
        RedisServer(tmp_path, port=cluster_port(), cluster=True) as node,
        pytest.raises(ConfigError, match=r"is a Redis Cluster node: drop \?cluster=0") as caught,
    ):
        async with asyncio.timeout(30):
            await open_log(node.url + "?cluster=0")
    assert "\n" not in str(caught.value)


def test_min_replicas_above_the_connected_replicas_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    """?min_replicas=1 on a Redis with no replica: aic-start wrote ConversationStarted, then
    every append waited for a replica that is not there and the command ended after the
    deadline (exit 1), leaving an active conversation with no turns. One line now, exit 2."""
    with RedisServer(tmp_path / "redis") as server:
        url = f"{server.url}?min_replicas=1&replica_timeout=0.05&deadline=2"
        done = run_aic("start", "--log-url", url, "--max-turns", "2", timeout=60)
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.splitlines()
        assert "has 0 connected replica(s), fewer than ?min_replicas=1" in line, line
        assert "replicaof" in line and "lower min_replicas" in line, line
        with Redis(port=server.port) as client:
            assert client.dbsize() == 0


async def test_min_replicas_unconfirmed_by_a_replica_gone_is_an_unknown_outcome(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """WAIT works on a single Redis too: a replica gone after the log opened confirms nothing,
    so the append is reported as an unknown outcome after the deadline, and written once."""
    url = with_prefix(redis_server.url, f"t{uuid.uuid4().hex[:8]}")
    with RedisServer(tmp_path / "replica") as replica, Redis(port=replica.port) as follower:
        follower.replicaof("127.0.0.1", redis_server.port)
        with Redis(port=redis_server.port) as leader:
            replicas = lambda: leader.info("replication")["connected_slaves"]  # noqa: E731
            await eventually(lambda: replicas() == 1, timeout=30, what="the replica")
            async with open_log(url + "&min_replicas=1&replica_timeout=0.05&deadline=0.5") as log:
                follower.replicaof("NO", "ONE")
                await eventually(lambda: replicas() == 0, timeout=30, what="the replica gone")
                with pytest.raises(LogUnavailable, match="outcome is unknown"):
                    await log.append("c", 0, [event(1)])
                assert [e.sequence for e in await log.read("c")] == [1]


async def test_an_error_names_the_redis_with_its_port() -> None:
    """Errors said "Redis at 127.0.0.1 did not answer": which of the servers on that host (a
    second instance, a cluster's six nodes on one machine) was left to guess. host:port now."""
    port = free_port()
    with pytest.raises(LogUnavailable, match=rf"^Redis at 127\.0\.0\.1:{port} did not answer"):
        async with asyncio.timeout(30):
            await open_log(f"redis://127.0.0.1:{port}/0?deadline=0.5")


@pytest.mark.parametrize("replica_timeout", ["0.0001", "60"])
async def test_an_unconfirmed_append_ends_at_the_deadline_whatever_the_replica_timeout(
    redis_server: RedisServer, tmp_path: Path, replica_timeout: str
) -> None:
    """WAIT's timeout is whole milliseconds, and 0 means forever: ?replica_timeout=0.0001 sent
    `WAIT 1 0` and a replica_timeout above the deadline waited that long, so with no replica
    an append with ?deadline=1 ended only when the socket timed out (10 s), twice the deadline
    and more. Each WAIT now waits at most what is left of the deadline, and at least 1 ms."""
    url = with_prefix(redis_server.url, f"t{uuid.uuid4().hex[:8]}")
    query = f"&min_replicas=1&replica_timeout={replica_timeout}&deadline=1"
    with RedisServer(tmp_path / "replica") as replica, Redis(port=replica.port) as follower:
        follower.replicaof("127.0.0.1", redis_server.port)
        with Redis(port=redis_server.port) as leader:
            replicas = lambda: leader.info("replication")["connected_slaves"]  # noqa: E731
            await eventually(lambda: replicas() == 1, timeout=30, what="the replica")
            async with open_log(url + query) as log:
                follower.replicaof("NO", "ONE")
                await eventually(lambda: replicas() == 0, timeout=30, what="the replica gone")
                began = time.monotonic()
                with pytest.raises(LogUnavailable, match="outcome is unknown"):
                    await log.append("c", 0, [event(1)])
                assert time.monotonic() - began < 5, "an append waited past its deadline"


def test_hiredis_packs_every_command_exactly_as_redis_py_would() -> None:
    """The C packer the log's connections use produces redis-py's own bytes: binary values,
    floats, big numbers, UTF-8, a command name of two words, a large value; and refuses what
    redis-py refuses."""
    plain, packed = Connection(), _packed(Connection)()
    commands: list[tuple[object, ...]] = [
        ("EVALSHA", "abc", 2, "k1", "k2", b"raw\x00\r\n", 1.5, 0.1, 1e20, -3, "héllo", 2**64),
        ("CONFIG GET", "maxmemory"),
        (b"CLIENT SETNAME", b"aiconv"),
        ("XADD", "k", "*", "data", "x" * 100_000),
    ]
    for command in commands:
        assert b"".join(packed.pack_command(*command)) == b"".join(plain.pack_command(*command))
    for refused in (None, object()):
        with pytest.raises(DataError):
            plain.pack_command("SET", "k", refused)
        with pytest.raises(DataError):
            packed.pack_command("SET", "k", refused)


async def test_the_log_sends_its_commands_packed_by_hiredis(redis_log: RedisLog) -> None:
    await redis_log.append("c1", 0, [event(1)])
    assert [e.sequence for e in await redis_log.read("c1")] == [1]
    pool = redis_log._client.connection_pool
    assert pool.connection_class.__name__ == "PackedConnection"
    assert issubclass(pool.connection_class, Connection)
