"""A Redis log on a Redis Cluster: connecting (checked to be one cluster) and reading every shard.

``open_cluster`` checks each node of the URL before anything is written: a node without
cluster support, or nodes of different clusters, are a ``ConfigError`` naming the node. It then
returns a ``redis.asyncio.cluster.RedisCluster`` client (routing, ``MOVED`` and failovers are
redis-py's; retries until the deadline are ``Calls``').

Reads across shards live here: ``read_pointers`` merges the shards' logs by position up to the
*horizon* below which no commit can still appear (see ``redis_scripts``), ``conversation_ids``
and ``index_ids`` merge the shards' sorted sets. It knows nothing of events' meaning.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, cast

import redis.asyncio as aioredis
import redis.exceptions as rexc
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import Connection
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from aiconv.errors import ConfigError, LogUnavailable
from aiconv.observability.redaction import redact_url
from aiconv.queues.log import StoredEvent
from aiconv.queues.redis_calls import (
    Calls,
    NotReplicated,
    clients,
    is_a_cluster,
    require_replicas,
)
from aiconv.queues.redis_layout import SHARDS, RedisLayout
from aiconv.queues.redis_scripts import EPOCH, READ_SHARD, Entry, decode_entry, sequence_of
from aiconv.queues.redis_urls import RedisTarget, node_url

#: How far apart the masters' clocks may be (seconds): positions within it of the slowest
#: clock are held back from readers until it has passed. NTP keeps real clocks far closer.
CLOCK_SKEW = 0.1

#: A client of one Redis or of a Redis Cluster.
Client = aioredis.Redis | RedisCluster

#: A pointer of a shard log: (position, conversation id, sequence).
Pointer = tuple[int, str, int]


async def connect(url: str, target: RedisTarget, call: Calls) -> tuple[Client, Client]:
    """Clients for commands and for blocking reads: of the cluster when ``?cluster=1`` or when
    the single Redis named turns out to be a cluster node (unless ``?cluster=0``)."""
    single = None if target.cluster else clients(url, target.url)
    if single is None or await _found_a_cluster(*single, call, refuse=target.cluster is False):
        call.clustered = True  # from here on, a redirect is routine and the ACL rules grow
        cluster = await open_cluster(target, call)
        return cluster, cluster
    try:
        await require_replicas(single[0], call, target.min_replicas)
    except BaseException:
        await asyncio.gather(*(c.aclose() for c in single), return_exceptions=True)
        raise
    return single


async def _found_a_cluster(client: Client, watcher: Client, call: Calls, *, refuse: bool) -> bool:
    """Whether the single Redis just connected is in fact a Redis Cluster node (then the two
    clients are closed); ``refuse`` (``?cluster=0``) makes that a ``ConfigError``."""
    try:
        await call("connect", client.ping)
        if not await is_a_cluster(client, call):  # type: ignore[arg-type]
            return False
        if refuse:
            raise ConfigError(
                f"Redis at {call.where} is a Redis Cluster node: drop ?cluster=0 (or set"
                " ?cluster=1) to use it as a cluster"
            )
    except BaseException:
        await asyncio.gather(client.aclose(), watcher.aclose(), return_exceptions=True)
        raise
    await asyncio.gather(client.aclose(), watcher.aclose(), return_exceptions=True)
    return True


class ClosingCluster(RedisCluster):
    """A ``RedisCluster`` whose ``aclose`` also closes the connections of nodes that have left
    its topology.

    redis-py drops a failed master's node from its cache when it refreshes the topology (a
    failover), and ``aclose`` closes only the nodes still cached. A connection that node kept,
    or opened afterwards for a command routed on a reference taken before the refresh (the
    node back as a replica), was then closed by no one: the garbage collector found it open
    (``ResourceWarning: unclosed Connection``) in whatever ran next. Every connection the
    client's nodes open is noted while it is connected, and closed here.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connected: set[Connection] = set()
        base = self.connection_kwargs["connection_class"]
        noted = _noting(base, self._connected)
        self.connection_kwargs["connection_class"] = noted  # the dict the nodes are made with
        for node in self.nodes_manager.startup_nodes.values():  # made before this line
            node.connection_class = noted

    async def aclose(self) -> None:
        """Close every node's connections, cached or not."""
        await super().aclose()
        left = list(self._connected)
        self._connected.clear()
        await asyncio.gather(*(c.disconnect() for c in left), return_exceptions=True)


def _noting(base: type[Connection], connected: set[Connection]) -> type[Connection]:
    """``base`` that adds itself to ``connected`` when it connects; a connection closed since
    is dropped from it at the next connect of any (it adds itself again if it reconnects)."""

    class Noted(base):  # type: ignore[valid-type,misc]
        async def _connect(self) -> None:
            await super()._connect()
            for closed in [c for c in connected if not c.is_connected]:
                connected.discard(closed)
            connected.add(self)

    Noted.__name__ = Noted.__qualname__ = f"Noted{base.__name__}"
    return Noted


async def open_cluster(target: RedisTarget, call: Calls) -> RedisCluster:
    """A client of the Redis Cluster the target's nodes belong to (checked first)."""
    await check_one_cluster(target, call)
    others = [ClusterNode(host, port) for host, port in target.nodes[1:]]
    try:
        client = ClosingCluster.from_url(
            target.url,
            startup_nodes=others or None,
            retry=Retry(NoBackoff(), 0),
            require_full_coverage=False,
            socket_connect_timeout=2,
            socket_timeout=10,
        )
    except (ValueError, rexc.RedisClusterException) as exc:
        raise ConfigError(f"bad Redis URL {redact_url(target.url)!r}: {exc}") from exc
    try:
        await call("connect", client.initialize)
    except BaseException:
        await client.aclose()
        raise
    return client


async def check_one_cluster(target: RedisTarget, call: Calls) -> None:
    """Every node of the URL that answers is a cluster node, and all of them belong to one
    cluster. A node that does not answer is passed over while another does (a list names
    several so that one being down does not stop the client); none answering is retried
    until the deadline."""
    if len(target.nodes) == 1:
        alone = "drop ?cluster=1 for a single Redis"
        _, _, known = await _member_ids(target, *target.nodes[0], call, alone)
        _require_replicas_of_masters(known, target.min_replicas)
        return
    single = "a list of nodes is a Redis Cluster: name one node for a single Redis"
    once = Calls(where=call.where, prefix=call.prefix, deadline=0, clustered=call.clustered)

    async def answering() -> list[tuple[str, str, set[str], str]]:
        found, down = [], None
        for host, port in target.nodes:
            try:
                found.append(
                    (f"{host}:{port}", *await _member_ids(target, host, port, once, single))
                )
            except LogUnavailable as exc:  # down: another node will do
                down = exc.__cause__
        if not found and down is not None:
            raise down  # none answers: retried (``call``) until the deadline
        return found

    members: set[str] | None = None
    found = await call("read the cluster's topology", answering)
    for where, myid, ids, _ in found:
        if members is not None and myid not in members:
            first = "{}:{}".format(*target.nodes[0])
            raise ConfigError(
                f"the Redis nodes of the log URL do not form one Redis Cluster: {where} is not"
                f" in the cluster of {first}; list nodes of one cluster only"
            )
        members = ids if members is None else members
    _require_replicas_of_masters(found[0][3], target.min_replicas)


async def _member_ids(
    target: RedisTarget, host: str, port: int, call: Calls, single: str
) -> tuple[str, set[str], str]:
    """A cluster node's own id, the ids of every node it knows and its ``CLUSTER NODES``."""
    node = aioredis.Redis.from_url(node_url(target, host, port), socket_connect_timeout=2)
    try:
        where = f"{host}:{port}"
        await _require_cluster_support(node, call, where, single)
        await _require_slots(node, call, where)
        topology = partial(call, "read the cluster's topology")
        myid = _text(await topology(partial(node.execute_command, "CLUSTER", "MYID")))
        known = await topology(partial(node.execute_command, "CLUSTER", "NODES"))
    finally:
        await node.aclose()
    nodes = _text(known)
    return myid, {line.split()[0] for line in nodes.splitlines() if line.strip()}, nodes


def _require_replicas_of_masters(nodes: str, wanted: int) -> None:
    """ConfigError when the masters serving slots lack replicas for ``?min_replicas=N`` in the
    topology (``CLUSTER NODES``): no ``WAIT`` on them could confirm an append. A replica
    counts while it is down (a failover pauses appends, it does not fail them), and so does a
    failed master without slots (restarted, it rejoins as its successor's replica)."""
    if not wanted:
        return
    rows = [line.split() for line in nodes.splitlines() if line.strip()]
    flags = [set(row[2].split(",")) for row in rows]
    replicas = Counter(row[3] for row, f in zip(rows, flags, strict=True) if "slave" in f)
    short = [
        (row[1].split("@")[0], replicas[row[0]])
        for row, f in zip(rows, flags, strict=True)
        if "master" in f and len(row) > 8 and replicas[row[0]] < wanted
    ]
    spare = sum(
        1
        for row, f in zip(rows, flags, strict=True)
        if "master" in f and len(row) <= 8 and f & {"fail", "fail?"}
    )
    if short and sum(wanted - have for _, have in short) > spare:
        where, have = short[0]
        raise ConfigError(
            f"the Redis Cluster master at {where} has {have} replica(s), fewer than"
            f" ?min_replicas={wanted}, so no append to its slots could be confirmed: add"
            " replicas (redis-cli --cluster add-node … --cluster-slave) or lower min_replicas"
        )


async def _require_cluster_support(
    node: aioredis.Redis, call: Calls, where: str, single: str
) -> None:
    """The node runs in cluster mode; else a ConfigError saying ``single``: how to name a
    single Redis instead (the URL's ``?cluster=1``, or its list of nodes)."""
    info: dict[str, object] = await call(
        "read the cluster's topology", partial(node.info, "cluster")
    )
    if "cluster_enabled" not in info:
        version = (await call("connect", lambda: node.info("server"))).get("redis_version", "?")
        raise ConfigError(
            f"Redis at {where} (version {version}) has no cluster support: {single}, or use"
            " Redis 7 or later"
        )
    if str(info["cluster_enabled"]) != "1":
        raise ConfigError(
            f"Redis at {where} is not a Redis Cluster node (cluster-enabled no): {single},"
            " or name a node of the cluster"
        )


async def _require_slots(node: aioredis.Redis, call: Calls, where: str) -> None:
    """The cluster was created: every slot has a master (a failover may still be under way)."""
    raw = await call(
        "read the cluster's topology", partial(node.execute_command, "CLUSTER", "INFO")
    )
    info = dict(line.split(":", 1) for line in _text(raw).split() if ":" in line)
    if info.get("cluster_slots_assigned") != "16384":
        raise ConfigError(
            f"the Redis Cluster of {where} serves {info.get('cluster_slots_assigned', 0)} of"
            " 16384 slots: create it first (redis-cli --cluster create …)"
        )


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


# -- reads across shards -----------------------------------------------------------------------

ReadShard = Callable[[str, str, int], Awaitable[Any]]


async def read_pointers(
    read_shard: ReadShard, layout: RedisLayout, after: int, limit: int
) -> list[Pointer]:
    """The first ``limit`` pointers after position ``after`` over every shard, in position
    order, once none can still be committed below them (held back at most ``CLOCK_SKEW``)."""
    start = f"{after + 1}-0"
    skew = int(CLOCK_SKEW * 1e6) * SHARDS if layout.clustered else -(2**63)  # one counter
    for again in (True, False):
        # One shard after the other, as ``merged_members`` reads (a failover's redirects close
        # every connection of the client, and reads at once failed each other).
        replies = [await read_shard(shard.log, start, limit) for shard in layout.shards()]
        horizon = min(_clock(reply) for reply in replies) - skew
        found = list(heapq.merge(*(_pointers(reply[2]) for reply in replies)))[:limit]
        visible = [p for p in found if p[0] < horizon]
        if len(visible) == len(found) or not again:
            break
        await asyncio.sleep(CLOCK_SKEW)  # then the clocks have passed what was found
    return visible


async def read_pointed(
    client: Client, layout: RedisLayout, targets: list[Pointer]
) -> list[StoredEvent]:
    """The events ``targets`` point at, in one pipeline (the client routes each read)."""
    if not targets:
        return []
    pipe = client.pipeline(transaction=False)
    for _, cid, seq in targets:
        pipe.xrange(layout.events_key(cid), f"{seq}-0", f"{seq}-0")
    found: list[list[Entry]] = await pipe.execute()
    hits = zip(targets, found, strict=True)
    return [decode_entry(cid, hit[0]) for (_, cid, _), hit in hits if hit]


def _clock(reply: list[Any]) -> int:
    """The earliest position a commit on this shard's master can still take, shard 0."""
    return ((int(reply[0]) - EPOCH) * 1_000_000 + int(reply[1])) * SHARDS


def _pointers(entries: list[tuple[bytes, list[bytes]]]) -> list[Pointer]:
    """Pointers from the raw ``XRANGE`` a script returns: (id, [field, value, …])."""
    found = []
    for entry_id, flat in entries:
        fields = dict(zip(flat[::2], flat[1::2], strict=True))
        found.append((sequence_of(entry_id), fields[b"cid"].decode(), int(fields[b"seq"])))
    return found


async def merged_members(
    client: RedisCluster | aioredis.Redis, keys: list[str], *, newest_first: bool
) -> list[str]:
    """The members of the sorted sets ``keys``, merged by score (ascending, or descending)."""

    async def members(key: str) -> list[tuple[bytes, float]]:
        if newest_first:
            return cast(list[tuple[bytes, float]], await client.zrevrange(key, 0, -1, True))
        return cast(list[tuple[bytes, float]], await client.zrange(key, 0, -1, withscores=True))

    # One after the other, not at once: on a cluster, every fifth MOVED (a failover) makes
    # redis-py close all the client's connections, sibling reads in flight included, whose
    # retries met stale routes again: a listing failed for its whole deadline. Sixteen small
    # reads in a row cost a few round trips more, on a listing.
    found = [await members(key) for key in keys]
    merged = heapq.merge(*found, key=lambda m: -m[1] if newest_first else m[1])
    return [member.decode() for member, _ in merged]


def shard_reader(client: RedisCluster | aioredis.Redis) -> ReadShard:
    """Runs ``READ_SHARD`` on the master of a shard log."""
    script = client.register_script(READ_SHARD)

    async def read(key: str, start: str, limit: int) -> Any:
        return await script(keys=[key], args=[start, limit])

    return read


async def replicated(
    client: RedisCluster | aioredis.Redis,
    script: str,
    keys: list[str],
    args: list[str | int | float | bytes],
    replicas: int,
    timeout: float,
) -> Any:
    """Run ``script`` then ``WAIT replicas timeout`` on the same connection of the same master
    (``WAIT`` counts the writes of its own connection). A reply not yet held by ``replicas``
    replicas raises ``NotReplicated`` (the caller retries: the script sees its own token).
    ``WAIT`` takes whole milliseconds, 0 meaning forever: it waits ``timeout``, at least 1 ms."""
    pipe = client.pipeline(transaction=False)
    pipe.execute_command("EVAL", script, len(keys), *keys, *args)
    wait = ("WAIT", replicas, max(1, math.ceil(timeout * 1000)))
    node = client.get_node_from_key(keys[0]) if isinstance(client, RedisCluster) else None
    if node is None:
        pipe.execute_command(*wait)
    else:
        pipe.execute_command(*wait, target_nodes=node)
    reply, held = await pipe.execute(raise_on_error=False)
    if isinstance(reply, BaseException):
        raise reply  # not written (or a lost reply): Calls maps or retries it
    moved = node is not None and client.get_node_from_key(keys[0]) != node  # type: ignore[union-attr]
    if moved or isinstance(held, BaseException) or int(held) < replicas:  # e.g. WAIT on a node
        # that was demoted meanwhile: whether the write is replicated is not known
        of = "" if node is None else f" of the master at {node.name}"  # not the URL's node
        raise NotReplicated(f"no {replicas} replica(s){of} confirmed the append")
    return reply
