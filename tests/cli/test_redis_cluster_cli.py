"""The CLI on a real local Redis Cluster: a conversation across processes, `aic ls` over every
shard, a fleet of workers, and bad cluster URLs refused in one line with nothing written."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from aiconv.queues.log import ConversationLog
from aiconv.queues.redis import with_prefix
from aiconv.queues.urls import open_log
from aiconv.testing.processes import run_aic
from aiconv.testing.redis_cluster import LocalCluster, has_redis_cluster
from aiconv.testing.redis_server import RedisServer
from tests.cli.test_multi_instance import (
    Fleet,
    assert_exactly_once,
    create_detached,
    run_workers,
    start_detached,
    wait_for_state,
)
from tests.web.served import served

pytestmark = [
    pytest.mark.skipif(not has_redis_cluster(), reason="redis-server/redis-cli not installed"),
    pytest.mark.slow,
    pytest.mark.timeout(180),
]


@pytest.fixture(scope="module")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    with LocalCluster(tmp_path_factory.mktemp("cluster")) as cluster:
        yield cluster


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    fleet = Fleet(tmp_path)
    try:
        yield fleet
    finally:
        fleet.reap()


@pytest.fixture
def url(redis_cluster: LocalCluster) -> str:
    return with_prefix(redis_cluster.url, f"cl{uuid.uuid4().hex[:8]}")


@pytest.fixture
async def log(url: str) -> AsyncIterator[ConversationLog]:
    async with open_log(url) as log:
        yield log


async def test_a_conversation_across_processes_on_a_cluster(
    url: str, log: ConversationLog, fleet: Fleet
) -> None:
    """aic-start --detach on ?cluster=1, then one `aic join` per participant: every turn once."""
    cid = start_detached(url, turns=10, agent1="mock:turns=0", agent2="mock:turns=0")
    joins = [fleet.spawn("join", cid, "--as", n, "--log-url", url) for n in ("mock-1", "mock-2")]
    for process in joins:
        await fleet.wait(process)
    await assert_exactly_once(log, cid, ["mock-1", "mock-2"], 10)


async def test_aic_ls_lists_the_conversations_of_every_shard(
    url: str, log: ConversationLog
) -> None:
    """Forty conversations land in many shards; `aic ls` merges them, newest first."""
    cids = await create_detached(log, 40, turns=2)
    done = run_aic("ls", "--log-url", url, "--json", "--limit", "100", timeout=60)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert sorted(r["conversation_id"] for r in rows) == sorted(cids)
    created = [r["created_at"] for r in rows]
    assert created == sorted(created, reverse=True)
    layout = getattr(log, "layout")  # noqa: B009 (RedisLog's; the port does not name it)
    assert len({layout.shard_of(c) for c in cids}) >= 10


async def test_workers_serve_conversations_on_a_cluster(
    url: str, log: ConversationLog, fleet: Fleet
) -> None:
    """Two `aic worker` processes discover detached conversations in every shard."""
    claimed = await run_workers(fleet, log, ["--log-url", url], workers=2, count=10, turns=4)
    assert claimed


async def test_aic_show_and_the_web_view_read_a_cluster(url: str, log: ConversationLog) -> None:
    """`aic show` prints a conversation of the cluster; `aic serve` lists the conversations of
    every shard and shows one."""
    cids = await create_detached(log, 12, turns=2)
    shown = run_aic("show", cids[0], "--log-url", url, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert cids[0] in shown.stdout and "topic 0" in shown.stdout
    with served(None, "--log-url", url) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            listed = (await client.get("/api/conversations?limit=100")).json()
            page = await client.get(f"/conversations/{cids[5]}")
    assert sorted(item["conversation_id"] for item in listed["items"]) == sorted(cids)
    assert page.status_code == 200 and "topic 5" in page.text


def test_cluster_1_on_a_single_redis_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "single") as single:
        done = run_aic(
            "start", "--detach", "--log-url", f"{single.url}?cluster=1",
            "--agent1", "mock", "--agent2", "mock", timeout=60,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
        assert "is not a Redis Cluster node" in done.stderr
        with Redis(port=single.port) as client:
            assert client.dbsize() == 0


async def test_a_run_goes_on_when_the_master_of_its_shard_is_killed(
    tmp_path: Path, fleet: Fleet
) -> None:
    """`aic join` on each side with ?min_replicas=1; kill -9 of the master holding the
    conversation mid-run; its replica takes over (and the dead node comes back as a replica):
    the run completes with every turn exactly once."""
    with LocalCluster(tmp_path / "own-cluster") as cluster:
        url = with_prefix(f"{cluster.url}&min_replicas=1", f"fo{uuid.uuid4().hex[:8]}")
        async with open_log(url) as log:
            agent = "mock:turns=0,latency=0.05"
            cid = start_detached(url, turns=30, agent1=agent, agent2=agent)
            joins = [
                fleet.spawn("join", cid, "--as", n, "--log-url", url, "--quiet")
                for n in ("mock-1", "mock-2")
            ]
            await wait_for_state(log, cid, lambda s: s.turns >= 8)
            key = getattr(log, "events_key")(cid)  # noqa: B009 (RedisLog's)
            victim = await asyncio.to_thread(cluster.kill_master_of, key)
            await asyncio.to_thread(cluster.until_promoted, key)
            await asyncio.to_thread(victim.start)  # back as the new master's replica
            for process in joins:
                await fleet.wait(process)
            await assert_exactly_once(log, cid, ["mock-1", "mock-2"], 30)
