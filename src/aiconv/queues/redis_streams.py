"""Stream commands on a ``Wire``: a batch of reads in one write (``read_batch``), the blocking
``XRead`` of the XREAD wake-ups, and stream replies decoded as redis-py returns them.

What the wire does not speak (TLS, a cluster) stays on redis-py's client here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from aiconv.queues.group_read import Read
from aiconv.queues.redis_calls import BLOCK_MS, Calls
from aiconv.queues.redis_scripts import Entry
from aiconv.queues.redis_wire import Wire


async def read_batch(wire: Wire, call: Calls, batch: Sequence[Read]) -> list[object]:
    """Every stream read of ``batch`` written at once, retried whole by ``call`` (reads change
    nothing) also when one of them failed transiently (``LOADING`` after a restart); a read that
    failed otherwise gets its mapped error as its result."""
    commands = [stream_command(read.command, read.args) for read in batch]

    async def once() -> list[object]:
        replies: list[object] = await wire.calls(commands)
        call.raise_transient(replies)
        return replies

    replies = await call("read", once)
    return [
        call.mapped("read", reply) if isinstance(reply, Exception) else entries(reply)
        for reply in replies
    ]


def stream_command(command: str, args: Sequence[Any]) -> tuple[Any, ...]:
    """redis-py's ``xrange(key, min, max, count)`` / ``xrevrange(key, max, min, count)`` call
    as the command it sends."""
    key, first, last, *rest = args
    count = rest[0] if rest else None
    tail = () if count is None else ("COUNT", count)
    return (command.upper(), key, first, last, *tail)


def entries(raw: Any) -> list[Entry]:
    """A stream reply (``[[id, [field, value, …]], …]``) as redis-py returns it."""
    return [(entry_id, dict(zip(flat[::2], flat[1::2], strict=True))) for entry_id, flat in raw]


class XRead:
    """``XREAD COUNT 1000 BLOCK BLOCK_MS STREAMS key last`` on the watcher's own connection:
    a wire when the watcher's Redis speaks it (its timeout longer than a blocking read), else
    redis-py's client."""

    def __init__(self, watcher: aioredis.Redis | RedisCluster) -> None:
        self._watcher = watcher
        self._wire = Wire.of(watcher, timeout=BLOCK_MS / 1000 + 5)

    async def __call__(self, key: str, last: bytes) -> list[tuple[bytes, list[Entry]]] | None:
        if self._wire is None:
            found = await self._watcher.xread({key: last}, count=1000, block=BLOCK_MS)
            return cast(list[tuple[bytes, list[Entry]]] | None, found)
        raw = await self._wire.call("XREAD", "COUNT", 1000, "BLOCK", BLOCK_MS, "STREAMS", key, last)
        return None if raw is None else [(stream, entries(found)) for stream, found in raw]

    async def close(self) -> None:
        """Close the wire (redis-py's client is closed by the log)."""
        if self._wire is not None:
            await self._wire.close()
