"""Wake-ups of a Redis log: ONE blocking reader per shard fans its log out to waiters.

A reader task holds one connection in ``XREAD BLOCK`` on a shard's log (the global ``P:log``
on one Redis; each of the shards on a Redis Cluster, since one ``XREAD`` may only name keys of
one slot) and notifies the in-process waiters of every conversation that grew, so 1,000
waiting conversations cost one connection a shard and no polling loop. After an outage it
resynchronises (a server that came back with a shorter log is read on from its head). It only
reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import cast

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from aiconv.queues.redis_calls import Calls
from aiconv.queues.redis_scripts import Entry, sequence_of
from aiconv.queues.redis_wire import XRead
from aiconv.queues.waiters import Delivered, StreamWaiters, nothing_newer


class XReadWakeUps:
    """The ``WakeUps`` of a ``RedisLog``."""

    def __init__(
        self,
        watcher: aioredis.Redis | RedisCluster,
        keys: list[str],
        call: Calls,
        last_sequence: Callable[[str], Awaitable[int]],
        xread: XRead,
    ) -> None:
        self.waiters = StreamWaiters()
        self.delivered = Delivered()
        self._watcher = watcher
        self._keys = keys
        self._call = call
        self._last_sequence = last_sequence
        self._xread = xread
        self._readers: list[asyncio.Task[None]] = []
        self._reader_lock = asyncio.Lock()
        self._closing = False

    async def wait(self, conversation_id: str, after: int, timeout: float) -> bool:
        """See ``WakeUps.wait``."""
        await self._ensure_reader()
        known = self.delivered.watch(conversation_id)
        check = (
            functools.partial(nothing_newer, after)  # the reader wakes it: no round trip
            if 0 <= known <= after
            else functools.partial(self._check, conversation_id)
        )
        return await self.waiters.wait(conversation_id, after, timeout, check)

    async def _check(self, conversation_id: str) -> int:
        last = await self._last_sequence(conversation_id)
        self.delivered.saw(conversation_id, last)
        return last

    async def close(self) -> None:
        """Stop the readers."""
        self._closing = True
        readers, self._readers = self._readers, []
        for reader in readers:
            reader.cancel()
        for reader in readers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        await self._xread.close()

    async def _ensure_reader(self) -> None:
        """Start the reader tasks, each from the current head of its shard's log."""
        if self._readers:
            return
        async with self._reader_lock:
            if self._readers:
                return
            for key in self._keys:
                top: list[Entry] = await self._call(
                    "watch", functools.partial(self._watcher.xrevrange, key, "+", "-", count=1)
                )
                head = top[0][0] if top else b"0-0"
                self._readers.append(
                    asyncio.create_task(self._read_wakeups(key, head), name="redis-wakeups")
                )

    async def _read_wakeups(self, key: str, last: bytes) -> None:
        """Block on a shard log and wake the waiters of every conversation that grew."""
        delay, synced = 0.02, True
        while not self._closing:  # a flag as well: redis-py may swallow a cancelled read
            try:
                if not synced:
                    last, synced = await self._resync(key, last), True
                reply = await self._xread(key, last)
                delay = 0.02
            except Exception:  # redis' errors, and redis-py's own slips mid-failover (a
                # connection torn down under a read raises AttributeError): keep trying
                synced = False
                self.delivered.forget()  # a resync may skip entries: check Redis again
                await asyncio.sleep(delay)  # keeps trying; waiters have their own timeouts
                delay = min(delay * 2, 1.0)
                continue
            for _, entries in reply or ():
                for entry_id, fields in entries:
                    conversation_id, sequence = fields[b"cid"].decode(), int(fields[b"seq"])
                    self.delivered.saw(conversation_id, sequence)
                    self.waiters.notify(conversation_id, sequence)
                    last = entry_id

    async def _resync(self, key: str, last: bytes) -> bytes:
        """After an outage: if the server came back with a shorter global log (it lost data or
        was replaced), read its log again from the start instead of waiting for ids it will
        never reach: what it took since it came back may already be in it (waking a waiter
        twice is harmless; missing an entry leaves it waiting for its timeout)."""
        top = cast(list[Entry], await self._watcher.xrevrange(key, "+", "-", count=1))
        head = top[0][0] if top else b"0-0"
        return b"0-0" if sequence_of(head) < sequence_of(last) else last
