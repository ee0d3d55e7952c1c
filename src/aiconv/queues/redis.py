"""The Redis conversation log (redis.asyncio): one stream per conversation, shared by many hosts.

It owns the client side of ``redis_layout`` (one Redis, or a Redis Cluster in shards) and
``redis_scripts``: group-committed appends (one ``APPEND_BATCH`` call per batch of a shard, each
append checked against its own expected sequence, also writing the index and the shard's log),
reads and the index. Wake-ups: ``redis_wakeups``; the hot connection: ``redis_wire``; retries
and errors: ``redis_calls``; what only a cluster needs: ``redis_cluster``.

A lost connection is retried with backoff until ``deadline`` seconds have passed, then is
``LogUnavailable``. Each append carries a token checked by the script: one whose reply was lost
is recognised on retry, never written twice. With ``?min_replicas=N`` an append is acknowledged
once ``WAIT`` saw N replicas take it (else its outcome is unknown and it is retried the same
way). Foreign ``redis`` errors are mapped in ``redis_calls`` and never leave.
"""

from __future__ import annotations

import contextlib
import functools
import time
import uuid
from collections.abc import Sequence

import redis.asyncio as aioredis
import redis.exceptions as rexc
from redis.asyncio.cluster import RedisCluster

from aiconv.errors import ConfigError
from aiconv.queues.group_commit import GroupCommit, Pending
from aiconv.queues.group_read import GroupRead, Read
from aiconv.queues.log import (
    MAX_SEQUENCE,
    ConversationLog,
    IndexEntry,
    NewEvent,
    OpenMode,
    StoredEvent,
    bounded,
)
from aiconv.queues.redis_calls import Calls, pipelined
from aiconv.queues.redis_cluster import (
    Client,
    Pointer,
    connect,
    merged_members,
    read_pointed,
    read_pointers,
    replicated,
    shard_reader,
)
from aiconv.queues.redis_index import RedisIndex
from aiconv.queues.redis_layout import ClusterLayout, RedisLayout
from aiconv.queues.redis_scripts import (
    ACL_RULES,
    APPEND_BATCH,
    READ_LOG,
    Entry,
    batch_arguments,
    decode_entry,
    read_log,
    sequence_of,
    settle,
)
from aiconv.queues.redis_streams import XRead, read_batch
from aiconv.queues.redis_transport import mismatch
from aiconv.queues.redis_urls import (
    DEFAULT_DEADLINE,
    DEFAULT_PREFIX,
    address,
    parse_target,
    with_prefix,
)
from aiconv.queues.redis_wakeups import PushWakeUps
from aiconv.queues.redis_wire import Script, Wire

__all__ = ["ACL_RULES", "DEFAULT_PREFIX", "RedisLog", "with_prefix"]


class RedisLog(RedisIndex, ConversationLog):
    """A conversation log in Redis; open it with ``await RedisLog.open(url)``."""

    backend = "redis"

    def __init__(
        self,
        client: Client,
        watcher: Client,
        *,
        prefix: str = DEFAULT_PREFIX,
        deadline: float = DEFAULT_DEADLINE,
        where: str = "redis",
        clustered: bool = False,
        min_replicas: int = 0,
        replica_timeout: float = 1.0,
    ) -> None:
        if not prefix or "{" in prefix or "}" in prefix:
            raise ConfigError(f"bad Redis key prefix {prefix!r}: use letters, digits, ':' or '-'")
        self.prefix = prefix
        self.deadline = deadline
        self.where = where
        self.layout = ClusterLayout(prefix) if clustered else RedisLayout(prefix)
        self.min_replicas = min_replicas
        self.replica_timeout = replica_timeout
        self._client = client
        self._watcher = watcher
        self._call = Calls(where=where, prefix=prefix, deadline=deadline, clustered=clustered)
        self._batch_script = client.register_script(APPEND_BATCH)
        #: The hot commands (appends, stream reads, wake-ups) of a single Redis go on wires.
        self._wire, self._append_batch = Wire.of(client), Script(APPEND_BATCH)
        self._read_shard = shard_reader(client)
        self._read_log = client.register_script(READ_LOG)
        #: One group commit per shard: a shard whose master is failing over holds back its
        #: own appends only. ``commit`` is shard 0's (the only one on a single Redis).
        self.commits = [
            GroupCommit(functools.partial(self._flush_shard, n), inline=True)
            for n in range(self.layout.shard_count)
        ]
        self.commit = self.commits[0]
        #: Batch tokens: this log's random prefix and a counter (unique, and no uuid4 a batch).
        self._token_prefix, self._batches = uuid.uuid4().hex[:16], 0
        #: Stream reads go out in batches (a cluster client routes each to its node itself).
        self.reads = None if clustered else GroupRead(self._fetch)
        logs = [shard.log for shard in self.layout.shards()]
        self.wakeups = PushWakeUps(watcher, logs, self._call, self.last_sequence, XRead(watcher))
        self._waiters = self.wakeups.waiters  # what the contract suite observes

    @classmethod
    async def open(
        cls, url: str, *, prefix: str | None = None, deadline: float | None = None
    ) -> RedisLog:
        """Connect to the Redis (or Redis Cluster) at ``url``, checked before anything is
        written; connecting is retried until the deadline."""
        target = parse_target(url)
        call = Calls(
            where=address(*target.nodes[0]),  # host:port: one host may run several
            prefix=prefix or target.prefix,
            deadline=deadline if deadline is not None else target.deadline,
            probe=functools.partial(mismatch, target),  # rediss:// at a plain Redis: at once
        )
        client, watcher = await connect(url, target, call)
        return cls(
            client,
            watcher,
            prefix=call.prefix,
            deadline=call.deadline,
            where=call.where,
            clustered=isinstance(client, RedisCluster),
            min_replicas=target.min_replicas,
            replica_timeout=target.replica_timeout,
        )

    # -- keys and appends ----------------------------------------------------------------------

    def events_key(self, conversation_id: str) -> str:
        """The stream of one conversation."""
        return self.layout.events_key(conversation_id)

    async def append(
        self,
        conversation_id: str,
        expected_sequence: int,
        events: Sequence[NewEvent],
        *,
        index: IndexEntry | None = None,
    ) -> list[StoredEvent]:
        if not events:
            raise ValueError("append needs at least one event")
        commit = self.commits[self.layout.shard_of(conversation_id)]
        stored = await commit.submit(conversation_id, expected_sequence, events, index)
        self._waiters.notify(conversation_id, stored[-1].sequence)
        return stored

    async def _flush_shard(self, shard: int, batch: list[Pending]) -> None:
        """One script call for a batch of one shard; each append settled on its own."""
        self._batches += 1
        token = f"{self._token_prefix}{self._batches:x}"
        keys = self.layout.shard(shard).all()
        step = self.layout.shard_count if self.layout.clustered else 0
        args: list[str | int | float | bytes] = [token, len(batch), step, shard]
        for pending in batch:
            keys += (
                self.events_key(pending.conversation_id),
                self.index_key(pending.conversation_id),
            )
            args += batch_arguments(pending)
        give_up = time.monotonic() + self.deadline  # as ``_call``'s: WAIT waits no longer
        try:
            reply = await self._call("append", lambda: self._append(keys, args, give_up))
            at = float(reply[0])
            for pending, outcome in zip(batch, reply[1:], strict=True):
                if outcome[0] == b"dup":  # an earlier attempt landed; only its reply was lost
                    found = await self.read(
                        pending.conversation_id, pending.expected, len(pending.events)
                    )
                    pending.settle(found)
                else:
                    settle(pending, outcome, at)
        except Exception as exc:  # a mapped LogError: every append of the batch gets it
            for pending in batch:
                pending.fail(exc)

    async def _append(
        self, keys: list[str], args: list[str | int | float | bytes], give_up: float
    ) -> list[list[bytes]]:
        if self.min_replicas:
            left = min(self.replica_timeout, give_up - time.monotonic())
            return await replicated(  # type: ignore[no-any-return]
                self._client, APPEND_BATCH, keys, args, self.min_replicas, left
            )
        if self._wire is not None:
            return await self._append_batch(self._wire, keys, args)  # type: ignore[no-any-return]
        return await self._batch_script(keys=keys, args=args)  # type: ignore[no-any-return]

    # -- reads ---------------------------------------------------------------------------------

    async def read(
        self, conversation_id: str, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        if (limit is not None and limit <= 0) or after >= MAX_SEQUENCE:
            return []
        key, start = self.events_key(conversation_id), f"{max(after, 0) + 1}-0"
        limit = None if limit is None else bounded(limit)
        entries: list[Entry] = await self._read("xrange", key, start, "+", limit)
        return [decode_entry(conversation_id, entry) for entry in entries]

    async def _read(self, command: str, *args: object) -> list[Entry]:
        """One stream read: in the next batch of reads, or alone on a cluster."""
        if self.reads is not None:
            entries: list[Entry] = await self.reads.submit(command, *args)
            return entries
        read = getattr(self._client, command)
        found: list[Entry] = await self._call(command, lambda: read(*args))
        return found

    async def _fetch(self, batch: list[Read]) -> list[object]:
        """A batch of reads in one pipeline (retried whole: reads change nothing)."""
        assert isinstance(self._client, aioredis.Redis)  # never batched on a cluster
        if self._wire is not None:
            return await read_batch(self._wire, self._call, batch)
        return await pipelined(self._client, self._call, "read", batch)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        if limit <= 0 or after_position >= MAX_SEQUENCE:
            return []
        after, limit = max(after_position, 0), bounded(limit)
        if not self.layout.clustered:  # one script call reads the log and its events
            events: list[StoredEvent] = await self._call(
                "read_all", lambda: read_log(self._read_log, self.layout, after, limit)
            )
            return events
        targets: list[Pointer] = await self._call(
            "read_all", lambda: read_pointers(self._read_shard, self.layout, after, limit)
        )
        found: list[StoredEvent] = await self._call(
            "read_all", lambda: read_pointed(self._client, self.layout, targets)
        )
        return found

    async def last_sequence(self, conversation_id: str) -> int:
        top = await self._read("xrevrange", self.events_key(conversation_id), "+", "-", 1)
        return sequence_of(top[0][0]) if top else 0

    async def conversation_ids(self) -> list[str]:
        keys = [shard.conversations for shard in self.layout.shards()]
        ids: list[str] = await self._call(
            "conversation_ids", lambda: merged_members(self._client, keys, newest_first=False)
        )
        return ids

    async def delete(self, conversation_id: str) -> bool:
        events = await self.read(conversation_id)
        pointers = [f"{e.position}-0" for e in events]
        shard = self.layout.shard(self.layout.shard_of(conversation_id))

        async def remove() -> None:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.delete(self.events_key(conversation_id), self.index_key(conversation_id))
                pipe.zrem(shard.conversations, conversation_id)
                pipe.zrem(shard.index, conversation_id)
                if pointers:
                    pipe.xdel(shard.log, *pointers)
                await pipe.execute()

        await self._call("delete", remove)
        return bool(events)

    # -- wake-ups ------------------------------------------------------------------------------

    async def wait(self, conversation_id: str, after: int, timeout: float) -> bool:
        woken: bool = await self.wakeups.wait(conversation_id, after, timeout)
        return woken

    async def close(self) -> None:
        """Flush queued appends, stop the readers and release the connections."""
        for commit in self.commits:
            await commit.drained()
        await self.wakeups.close()
        if self._wire is not None:
            await self._wire.close()
        if self.reads is not None:
            await self.reads.close()
        for client in {id(c): c for c in (self._watcher, self._client)}.values():
            with contextlib.suppress(rexc.RedisError, OSError):
                await client.aclose()


async def open_redis_log(url: str, mode: OpenMode) -> ConversationLog:
    """The opener of ``redis://`` and ``rediss://`` URLs (the ``aiconv.logs`` entry points);
    every mode alike: reads create no keys and the layout needs no migration."""
    return await RedisLog.open(url)
