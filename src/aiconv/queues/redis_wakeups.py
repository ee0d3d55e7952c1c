"""Wake-ups of a Redis log: ONE reader per shard fans what was appended out to waiters.

On one Redis (``PushWakeUps``) the reader is a subscription: the append script publishes each
batch on the log's channel and the messages arrive on one connection with no command per
wake-up. Otherwise (a Redis Cluster, TLS, a user who may not subscribe: ``XReadWakeUps``) a
reader task holds one connection in ``XREAD BLOCK`` on a shard's log (each of the shards on a
Redis Cluster, since one ``XREAD`` may only name keys of one slot). Either way the in-process
waiters of every conversation that grew are notified, so 1,000 waiting conversations cost one
connection a shard and no polling loop. After an outage the reader resynchronises from the log
(a server that came back with a shorter log is read on from its head). It only reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import Any, cast

import redis.asyncio as aioredis
import redis.exceptions as rexc
from redis.asyncio.cluster import RedisCluster

from aiconv.queues.redis_calls import BLOCK_MS, Calls
from aiconv.queues.redis_scripts import Entry, sequence_of
from aiconv.queues.redis_streams import XRead, entries
from aiconv.queues.redis_wire import Wire
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
        if self._readers:
            return
        async with self._reader_lock:
            if not self._readers:
                await self._start_readers()

    async def _start_readers(self) -> None:
        """Start the reader tasks, each from the current head of its shard's log."""
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
            for _, found in reply or ():
                for entry_id, fields in found:
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


class PushWakeUps(XReadWakeUps):
    """The ``WakeUps`` of a ``RedisLog`` on one Redis: the pushes of a subscription.

    The append script publishes each batch it wrote on the channel named like the log, and ONE
    subscribed connection (RESP3, a ``Wire``) takes the messages as they arrive: no command per
    wake-up, where a blocking read sends one after each (``XREAD`` again: a loopback send, on a
    virtual machine the costliest step of a turn). A look at the log's head every ``BLOCK_MS``
    watches the connection and catches appends nobody published; once the connection is lost,
    the reader subscribes again and reads what it missed from the log (from its start if the
    server came back with a shorter one), like the blocking reader.
    A Redis without RESP3, or a user who may not subscribe to the channel (ACL), gets the
    blocking reader instead, as does a cluster or a connection the ``Wire`` does not speak.
    """

    def __init__(
        self,
        watcher: aioredis.Redis | RedisCluster,
        keys: list[str],
        call: Calls,
        last_sequence: Callable[[str], Awaitable[int]],
        xread: XRead,
    ) -> None:
        super().__init__(watcher, keys, call, last_sequence, xread)
        self.pushes = (
            Wire.of(watcher, timeout=BLOCK_MS / 1000 + 5, on_push=self._pushed)
            if len(keys) == 1
            else None
        )
        #: The newest position of the log delivered (where to read on after an outage).
        self._position = 0
        self._subscribed: object | None = None

    async def close(self) -> None:
        await super().close()
        if self.pushes is not None:
            await self.pushes.close()

    async def _start_readers(self) -> None:
        if self.pushes is not None:
            head = await self._call("watch", self._subscribe)
            if head is not None:
                self._position = max(self._position, head)  # the news start after it
                self._readers.append(asyncio.create_task(self._keep(), name="redis-pushes"))
                return
            await self.pushes.close()
            self.pushes = None
        await super()._start_readers()

    async def _subscribe(self) -> int | None:
        """Subscribe (connecting if needed); the log's head then, or ``None`` when this Redis
        or user refuses (no ``HELLO 3``, or no permission on the channel)."""
        assert self.pushes is not None
        try:
            await self.pushes.call("SUBSCRIBE", self._keys[0])
        except rexc.ResponseError:
            return None
        self._subscribed = self.pushes.connection
        top = await self.pushes.call("XREVRANGE", self._keys[0], "+", "-", "COUNT", 1)
        return sequence_of(top[0][0]) if top else 0

    async def _keep(self) -> None:
        """Watch the connection; after it was lost, subscribe again and catch up."""
        delay = 0.02
        while not self._closing:
            try:
                await self._watch()
                delay = 0.02
            except Exception:  # redis' errors: keep trying; waiters have their own timeouts
                self.delivered.forget()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    async def _watch(self) -> None:
        assert self.pushes is not None
        lost = self.pushes.lost()
        if lost is None or self.pushes.connection is not self._subscribed:
            self.delivered.forget()  # what came while nobody listened is read from the log
            head = await self._subscribe()
            if head is None:
                raise rexc.ConnectionError("the subscription was refused")
            if head < self._position:  # the server came back with a shorter log: read it all
                self._position = 0
            await self._catch_up()
        elif not (await asyncio.wait({lost}, timeout=BLOCK_MS / 1000))[0]:
            await self._look()

    async def _look(self) -> None:
        """Each ``BLOCK_MS`` while quiet: is the connection alive, and did the log take what was
        never published (an append by an older version, or by a user who may not publish)? The
        head's reply follows every message published before it on this connection, so a head
        beyond what was delivered is such an append: read it from the log."""
        assert self.pushes is not None
        top = await self.pushes.call("XREVRANGE", self._keys[0], "+", "-", "COUNT", 1)
        if top and sequence_of(top[0][0]) > self._position:
            await self._catch_up()

    async def _catch_up(self) -> None:
        """Deliver what the log took after the newest position delivered."""
        assert self.pushes is not None
        while True:
            first = f"({self._position}-0"
            raw = await self.pushes.call("XRANGE", self._keys[0], first, "+", "COUNT", 1000)
            for entry_id, fields in entries(raw):
                self._deliver(fields[b"cid"].decode(), int(fields[b"seq"]), sequence_of(entry_id))
            if len(raw) < 1000:
                return

    def _pushed(self, push: list[Any]) -> None:
        """An append the script published: "<last position> <last sequence> <conversation>"."""
        if push[0] != b"message":
            return
        try:
            position, sequence, conversation_id = push[2].split(b" ", 2)
            self._deliver(conversation_id.decode(), int(sequence), int(position))
        except (ValueError, AttributeError):  # not one of ours: ask Redis again
            self.delivered.forget()

    def _deliver(self, conversation_id: str, sequence: int, position: int) -> None:
        self.delivered.saw(conversation_id, sequence)
        self.waiters.notify(conversation_id, sequence)
        self._position = max(self._position, position)
