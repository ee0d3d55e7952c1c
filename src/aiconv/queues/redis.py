"""The Redis conversation log (redis.asyncio): one stream per conversation, shared by many hosts.

It owns the client side of the layout described in ``redis_scripts``: group-committed appends
(``GroupCommit``: one ``APPEND_BATCH`` script call per batch, each append checked against its
own expected sequence, also writing the index and the global log), reads and the index.
Wake-ups are in ``redis_wakeups``; connections, retries and error mapping in ``redis_calls``.

A lost connection is retried with exponential backoff until ``deadline`` seconds have passed,
then surfaces as ``LogUnavailable``. Every append carries an idempotency token checked by the
script, so an append whose reply was lost is recognised on retry and never written twice.
Foreign ``redis`` errors are mapped in ``redis_calls`` and never leave these modules.

URLs: ``redis://[user:password@]host[:port][/db]`` and ``rediss://…`` (TLS), with optional
query parameters ``prefix=`` (key prefix, default ``aiconv``) and ``deadline=`` (seconds).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from typing import cast
from urllib.parse import urlsplit

import redis.asyncio as aioredis
import redis.exceptions as rexc

from aiconv.errors import ConfigError
from aiconv.queues import redis_scripts
from aiconv.queues.group_commit import GroupCommit, Pending
from aiconv.queues.log import (
    MAX_SEQUENCE,
    ConversationLog,
    IndexEntry,
    ListQuery,
    NewEvent,
    OpenMode,
    StoredEvent,
    bounded,
)
from aiconv.queues.memory import matches, newest_first
from aiconv.queues.redis_calls import Calls, clients, refuse_a_cluster
from aiconv.queues.redis_scripts import (
    ACL_RULES,
    Entry,
    batch_arguments,
    decode_entry,
    dump_index,
    load_index,
    sequence_of,
    settle,
    split_url,
    with_prefix,
)
from aiconv.queues.redis_wakeups import XReadWakeUps

__all__ = ["ACL_RULES", "DEFAULT_PREFIX", "RedisLog", "with_prefix"]

DEFAULT_PREFIX = "aiconv"
DEFAULT_DEADLINE = 30.0


class RedisLog(ConversationLog):
    """A conversation log in Redis; open it with ``await RedisLog.open(url)``."""

    backend = "redis"

    def __init__(
        self,
        client: aioredis.Redis,
        watcher: aioredis.Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        deadline: float = DEFAULT_DEADLINE,
        where: str = "redis",
    ) -> None:
        if not prefix or "{" in prefix or "}" in prefix:
            raise ConfigError(f"bad Redis key prefix {prefix!r}: use letters, digits, ':' or '-'")
        self.prefix = prefix
        self.deadline = deadline
        self.where = where
        self._client = client
        self._watcher = watcher
        self._call = Calls(where=where, prefix=prefix, deadline=deadline)
        self._batch_script = client.register_script(redis_scripts.APPEND_BATCH)
        self.commit = GroupCommit(self._flush)
        self.wakeups = XReadWakeUps(watcher, self._global("log"), self._call, self.last_sequence)
        self._waiters = self.wakeups.waiters  # what the contract suite observes

    @classmethod
    async def open(
        cls, url: str, *, prefix: str | None = None, deadline: float | None = None
    ) -> RedisLog:
        """Connect to the Redis at ``url`` (checked with a PING, retried until the deadline)."""
        redis_url, own = split_url(url)
        client, watcher = clients(url, redis_url)
        log = cls(
            client,
            watcher,
            prefix=prefix or own.get("prefix", DEFAULT_PREFIX),
            deadline=deadline
            if deadline is not None
            else float(own.get("deadline", DEFAULT_DEADLINE)),
            where=urlsplit(redis_url).hostname or "redis",
        )
        try:
            await log._call("connect", log._client.ping)
            await refuse_a_cluster(log._client, log._call)
        except BaseException:
            await log.close()
            raise
        return log

    # -- keys ---------------------------------------------------------------------------------

    def events_key(self, conversation_id: str) -> str:
        """The stream of one conversation (hash-tagged by its id)."""
        return f"{self.prefix}:{{{conversation_id}}}:events"

    def index_key(self, conversation_id: str) -> str:
        """The index hash of one conversation (same hash tag as its stream)."""
        return f"{self.prefix}:{{{conversation_id}}}:index"

    def _global(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    # -- appends -------------------------------------------------------------------------------

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
        stored = await self.commit.submit(conversation_id, expected_sequence, events, index)
        self._waiters.notify(conversation_id, stored[-1].sequence)
        return stored

    async def _flush(self, batch: list[Pending]) -> None:
        """One script call for the whole batch; each append settled on its own."""
        keys = [self._global(n) for n in ("position", "log", "conversations", "index")]
        args: list[str | int | float | bytes] = [uuid.uuid4().hex, len(batch)]
        for pending in batch:
            keys += (
                self.events_key(pending.conversation_id),
                self.index_key(pending.conversation_id),
            )
            args += batch_arguments(pending)
        reply = await self._call("append", lambda: self._batch_script(keys=keys, args=args))
        at = float(reply[0])
        for pending, outcome in zip(batch, reply[1:], strict=True):
            if outcome[0] == b"dup":  # an earlier attempt landed; only its reply was lost
                found = await self.read(
                    pending.conversation_id, pending.expected, len(pending.events)
                )
                pending.settle(found)
            else:
                settle(pending, outcome, at)

    # -- reads ---------------------------------------------------------------------------------

    async def read(
        self, conversation_id: str, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        if (limit is not None and limit <= 0) or after >= MAX_SEQUENCE:
            return []
        key, start = self.events_key(conversation_id), f"{max(after, 0) + 1}-0"
        limit = None if limit is None else bounded(limit)
        entries: list[Entry] = await self._call(
            "read", lambda: self._client.xrange(key, start, "+", count=limit)
        )
        return [decode_entry(conversation_id, entry) for entry in entries]

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        if limit <= 0 or after_position >= MAX_SEQUENCE:
            return []
        start, limit = f"{max(after_position, 0) + 1}-0", bounded(limit)
        pointers: list[Entry] = await self._call(
            "read_all", lambda: self._client.xrange(self._global("log"), start, "+", count=limit)
        )
        targets = [(f[b"cid"].decode(), int(f[b"seq"])) for _, f in pointers]

        async def fetch() -> list[list[Entry]]:
            pipe = self._client.pipeline(transaction=False)
            for cid, seq in targets:
                pipe.xrange(self.events_key(cid), f"{seq}-0", f"{seq}-0")
            found: list[list[Entry]] = await pipe.execute()
            return found

        found = await self._call("read_all", fetch) if targets else []
        return [
            decode_entry(cid, hit[0]) for (cid, _), hit in zip(targets, found, strict=True) if hit
        ]

    async def last_sequence(self, conversation_id: str) -> int:
        key = self.events_key(conversation_id)
        top: list[Entry] = await self._call(
            "last_sequence", lambda: self._client.xrevrange(key, "+", "-", count=1)
        )
        return sequence_of(top[0][0]) if top else 0

    async def conversation_ids(self) -> list[str]:
        key = self._global("conversations")
        ids: list[bytes] = await self._call(
            "conversation_ids", lambda: self._client.zrange(key, 0, -1)
        )
        return [i.decode() for i in ids]

    # -- the index -----------------------------------------------------------------------------

    async def get_index(self, conversation_id: str) -> IndexEntry | None:
        key = self.index_key(conversation_id)
        raw: bytes | None = await self._call("get_index", lambda: self._client.hget(key, "entry"))
        return None if raw is None else load_index(raw)

    async def delete(self, conversation_id: str) -> bool:
        events = await self.read(conversation_id)
        pointers = [f"{e.position}-0" for e in events]

        async def remove() -> None:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.delete(self.events_key(conversation_id), self.index_key(conversation_id))
                pipe.zrem(self._global("conversations"), conversation_id)
                pipe.zrem(self._global("index"), conversation_id)
                if pointers:
                    pipe.xdel(self._global("log"), *pointers)
                await pipe.execute()

        await self._call("delete", remove)
        return bool(events)

    async def put_index(self, entry: IndexEntry) -> None:
        async def put() -> None:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hset(self.index_key(entry.conversation_id), "entry", dump_index(entry))
                pipe.zadd(self._global("index"), {entry.conversation_id: entry.created_at})
                await pipe.execute()

        await self._call("put_index", put)

    async def list_conversations(self, query: ListQuery | None = None) -> list[IndexEntry]:
        query = query or ListQuery()
        found = sorted(await self._matching(query), key=newest_first, reverse=True)
        start = max(query.offset, 0)
        return found[start : start + max(query.limit, 0)]

    async def count_conversations(self, query: ListQuery | None = None) -> int:
        return len(await self._matching(query or ListQuery()))

    async def _matching(self, query: ListQuery) -> list[IndexEntry]:
        """Every index entry that passes ``query`` (filters run client-side)."""

        async def fetch() -> list[bytes | None]:
            ids = cast(list[bytes], await self._client.zrevrange(self._global("index"), 0, -1))
            pipe = self._client.pipeline(transaction=False)
            for cid in ids:
                pipe.hget(self.index_key(cid.decode()), "entry")
            rows: list[bytes | None] = await pipe.execute()
            return rows

        rows = await self._call("list_conversations", fetch)
        entries = (load_index(raw) for raw in rows if raw is not None)
        return [e for e in entries if matches(e, query)]

    # -- wake-ups ------------------------------------------------------------------------------

    async def wait(self, conversation_id: str, after: int, timeout: float) -> bool:
        woken: bool = await self.wakeups.wait(conversation_id, after, timeout)
        return woken

    async def close(self) -> None:
        """Flush queued appends, stop the reader and release both connection pools."""
        await self.commit.drained()
        await self.wakeups.close()
        for client in (self._watcher, self._client):
            with contextlib.suppress(rexc.RedisError, OSError):
                await client.aclose()


async def open_redis_log(url: str, mode: OpenMode) -> ConversationLog:
    """The opener of ``redis://`` and ``rediss://`` URLs (the ``aiconv.logs`` entry points);
    every mode alike: reads create no keys and the layout needs no migration."""
    return await RedisLog.open(url)
