"""The Redis conversation log (redis.asyncio): one stream per conversation, shared by many hosts.

It owns the client side of the layout described in ``redis_scripts``: the atomic
compare-and-append (one Lua script that also writes the index and the global log), reads, the
index, and the wake-ups. Wake-ups are multiplexed: one reader task per ``RedisLog`` holds ONE
dedicated connection in ``XREAD BLOCK`` on the global ``P:log`` stream and fans each new entry
out to the in-process waiters of that conversation, so 1,000 waiting conversations cost one
connection and no polling loop.

A lost connection is retried with exponential backoff until ``deadline`` seconds have passed,
then surfaces as ``LogUnavailable``. Appends carry an idempotency token checked by the script,
so an append whose reply was lost is recognised on retry and never written twice.
Foreign ``redis`` errors are mapped here and never leave this module.

URLs: ``redis://[user:password@]host[:port][/db]`` and ``rediss://…`` (TLS), with optional
query parameters ``prefix=`` (key prefix, default ``aiconv``) and ``deadline=`` (seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast
from urllib.parse import urlsplit

import redis.asyncio as aioredis
import redis.exceptions as rexc
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from aiconv.errors import ConfigError, LogError, LogUnavailable, SequenceConflict
from aiconv.observability.redaction import redact_url
from aiconv.queues import redis_scripts
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
from aiconv.queues.redis_scripts import (
    ACL_RULES,
    Entry,
    decode_entry,
    dump_index,
    load_index,
    sequence_of,
    split_url,
    with_prefix,
)
from aiconv.queues.waiters import StreamWaiters

__all__ = ["ACL_RULES", "DEFAULT_PREFIX", "RedisLog", "with_prefix"]

DEFAULT_PREFIX = "aiconv"
DEFAULT_DEADLINE = 30.0
#: Connections for commands per RedisLog; callers beyond it queue for a free one.
POOL_SIZE = 16
#: How long one XREAD blocks; short, because redis-py can swallow the cancellation of a read
#: cut short by a reconnect, and the reader then only notices ``close`` when the read returns.
_BLOCK_MS = 1000


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
        self._append_script = client.register_script(redis_scripts.APPEND)
        self._waiters = StreamWaiters()
        self._reader: asyncio.Task[None] | None = None
        self._reader_lock = asyncio.Lock()
        self._closing = False

    @classmethod
    async def open(
        cls, url: str, *, prefix: str | None = None, deadline: float | None = None
    ) -> RedisLog:
        """Connect to the Redis at ``url`` (checked with a PING, retried until the deadline)."""
        redis_url, own = split_url(url)
        client, watcher = _clients(url, redis_url)
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

    # -- error mapping and retries ---------------------------------------------------------------

    async def _call(self, what: str, op: Callable[[], Awaitable[Any]]) -> Any:
        """``op()``, retried with backoff while Redis is unreachable, until the deadline."""
        give_up = time.monotonic() + self.deadline
        delay = 0.02
        while True:
            try:
                return await op()
            except (rexc.AuthenticationError, rexc.AuthorizationError) as exc:
                raise ConfigError(
                    f"Redis at {self.where} refused the credentials: check user:password in the"
                    f" log URL ({exc})"
                ) from exc
            except (rexc.ConnectionError, rexc.TimeoutError, OSError) as exc:
                if time.monotonic() + delay > give_up:
                    raise LogUnavailable(
                        f"Redis at {self.where} did not answer ({what}) for {self.deadline:g}s:"
                        f" {exc}. Is redis-server running and the --log-url right?"
                    ) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
            except rexc.RedisError as exc:
                if _is_permission(exc):
                    raise ConfigError(
                        f"the Redis user of the log URL may not {what} ({exc}); grant it:"
                        f" ACL SETUSER <user> on >password ~{self.prefix}:* {ACL_RULES}"
                    ) from exc
                raise LogError(f"Redis at {self.where} failed ({what}): {exc}") from exc

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
        keys = [
            self.events_key(conversation_id),
            self.index_key(conversation_id),
            *(self._global(n) for n in ("position", "log", "conversations", "index")),
        ]
        args: list[str | int | float | bytes] = [
            expected_sequence,
            uuid.uuid4().hex,  # the idempotency token: a retried append is recognised
            conversation_id,
            "" if index is None else dump_index(index),
            0 if index is None else index.created_at,
            len(events),
        ]
        for item in events:
            args.extend((item.kind, item.version, item.data))
        reply = await self._call("append", lambda: self._append_script(keys=keys, args=args))
        stored = self._stored(conversation_id, expected_sequence, events, reply)
        if stored is None:  # our own earlier attempt had landed; its reply was lost
            stored = await self.read(conversation_id, expected_sequence, len(events))
        self._waiters.notify(conversation_id, stored[-1].sequence)
        return stored

    @staticmethod
    def _stored(
        cid: str, expected: int, events: Sequence[NewEvent], reply: list[bytes]
    ) -> list[StoredEvent] | None:
        status = reply[0]
        if status == b"conflict":
            raise SequenceConflict(cid, expected, int(reply[1]))
        if status == b"dup":
            return None
        first, at = int(reply[1]), float(reply[2])
        return [
            StoredEvent(
                conversation_id=cid,
                sequence=expected + i,
                position=first + i - 1,
                kind=e.kind,
                version=e.version,
                at=at,
                data=e.data,
            )
            for i, e in enumerate(events, start=1)
        ]

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
        await self._ensure_reader()
        return await self._waiters.wait(
            conversation_id, after, timeout, lambda: self.last_sequence(conversation_id)
        )

    async def _ensure_reader(self) -> None:
        """Start the one reader task, from the current head of the global log."""
        if self._reader is not None:
            return
        async with self._reader_lock:
            if self._reader is not None:
                return
            key = self._global("log")
            top: list[Entry] = await self._call(
                "watch", lambda: self._watcher.xrevrange(key, "+", "-", count=1)
            )
            head = top[0][0] if top else b"0-0"
            self._reader = asyncio.create_task(self._read_wakeups(head), name="redis-wakeups")

    async def _read_wakeups(self, last: bytes) -> None:
        """Block on the global log and wake the waiters of every conversation that grew."""
        key, delay, synced = self._global("log"), 0.02, True
        while not self._closing:  # a flag as well: redis-py may swallow a cancelled read
            try:
                if not synced:
                    last, synced = await self._resync(last), True
                reply = cast(
                    list[tuple[bytes, list[Entry]]] | None,
                    await self._watcher.xread({key: last}, count=1000, block=_BLOCK_MS),
                )
                delay = 0.02
            except (rexc.RedisError, OSError):
                synced = False
                await asyncio.sleep(delay)  # keeps trying; waiters have their own timeouts
                delay = min(delay * 2, 1.0)
                continue
            for _, entries in reply or ():
                for entry_id, fields in entries:
                    self._waiters.notify(fields[b"cid"].decode(), int(fields[b"seq"]))
                    last = entry_id

    async def _resync(self, last: bytes) -> bytes:
        """After an outage: if the server came back with a shorter global log (it lost data or
        was replaced), read on from its head instead of waiting for ids it will never reach."""
        key = self._global("log")
        top = cast(list[Entry], await self._watcher.xrevrange(key, "+", "-", count=1))
        head = top[0][0] if top else b"0-0"
        return head if sequence_of(head) < sequence_of(last) else last

    async def close(self) -> None:
        """Stop the reader and release both connection pools."""
        self._closing = True
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        for client in (self._watcher, self._client):
            with contextlib.suppress(rexc.RedisError, OSError):
                await client.aclose()


def _clients(url: str, redis_url: str) -> tuple[aioredis.Redis, aioredis.Redis]:
    """A bounded pool for commands and one dedicated connection for blocking reads."""
    kwargs: dict[str, Any] = {"retry": Retry(NoBackoff(), 0), "socket_connect_timeout": 2}
    try:
        pool = aioredis.BlockingConnectionPool.from_url(
            redis_url, max_connections=POOL_SIZE, timeout=10, socket_timeout=10, **kwargs
        )
        watcher = aioredis.from_url(
            redis_url,
            single_connection_client=True,
            socket_timeout=_BLOCK_MS / 1000 + 5,
            **kwargs,
        )
    except ValueError as exc:
        raise ConfigError(f"bad Redis URL {redact_url(url)!r}: {exc}") from exc
    return aioredis.Redis.from_pool(pool), watcher


def _is_permission(exc: rexc.RedisError) -> bool:
    """NOPERM, including a command refused inside the append script."""
    text = str(exc)
    return (
        isinstance(exc, rexc.NoPermissionError)
        or "no permissions" in text
        or ("can't run this command" in text)
    )


async def open_redis_log(url: str, mode: OpenMode) -> ConversationLog:
    """The opener of ``redis://`` and ``rediss://`` URLs (the ``aiconv.logs`` entry points);
    every mode alike: reads create no keys and the layout needs no migration."""
    return await RedisLog.open(url)
