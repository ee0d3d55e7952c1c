"""``Wire``: one pipelined connection to a single Redis for the log's hot commands.

A durable turn on Redis is two appends (one ``EVALSHA`` each) and a stream read or two; through
redis-py's asyncio client each command costs ~150–200 µs of client CPU (a pooled connection
taken under a condition, a ``StreamReader`` and a task-free but layered read path), the Redis
work itself ~20 µs. ``Wire`` is an ``asyncio.Protocol``: commands are packed by hiredis and
written back to back on one socket, replies are parsed by hiredis as they arrive and handed to
the waiting futures in order. That is how Redis is meant to be pipelined, and it costs a third.

It speaks RESP2 to a single Redis over plain TCP (RESP3 when given ``on_push``: pushes, e.g.
the messages of a subscription, go to that callback as they arrive and never take a command's
reply), authenticates with the URL's user and password and selects its database. Everything
else (TLS, a cluster, ``WAIT`` for replicas, the index, deletes) stays on redis-py
(``Wire.of`` returns ``None`` for what it does not speak). Errors are redis-py's own classes,
parsed by redis-py's table, so ``Calls`` retries and maps them as before: a lost connection
fails every command in flight with ``ConnectionError`` (the next command reconnects), a server
silent for ``timeout`` seconds with commands in flight with ``TimeoutError``. An append whose
reply was lost is recognised by its token on retry.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
from collections.abc import Callable, Sequence
from typing import Any, cast

import hiredis
import redis.asyncio as aioredis
import redis.exceptions as rexc
from redis._parsers.base import BaseParser
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import Connection, SSLConnection

#: What ``RedisLog``'s pools are opened with beyond the address: the timeouts (``Wire.of`` takes
#: them) and redis-py's internals.
_IGNORED = {
    "protocol",
    "retry",
    "socket_timeout",
    "socket_connect_timeout",
    "himport_registry",
    "maint_notifications_pool_handler",
    "maint_notifications_config",
    "orig_host_address",
    "orig_socket_timeout",
    "orig_socket_connect_timeout",
}
_SPOKEN = {"host", "port", "db", "username", "password"}
_MORE = object()  # hiredis: no whole reply buffered yet
_Push = hiredis.PushNotification
_pack = cast(Callable[[tuple[Any, ...]], bytes], hiredis.pack_command)  # variadic in fact
#: Takes the pushes of a RESP3 connection (a list such as ``[b"message", channel, data]``).
OnPush = Callable[[list[Any]], None]
_CONNECT_S = 2.0
_TIMEOUT_S = 10.0


class Wire:
    """One connection; commands pipelined, replies in order. Reconnects on the next command."""

    def __init__(
        self,
        address: dict[str, Any],
        *,
        timeout: float,
        connect_timeout: float = 2.0,
        on_push: OnPush | None = None,
    ) -> None:
        self.address = address
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.on_push = on_push
        self._protocol: _Protocol | None = None
        self._connecting = asyncio.Lock()
        self._closed = False

    @classmethod
    def of(
        cls,
        client: aioredis.Redis | RedisCluster,
        *,
        timeout: float | None = None,
        on_push: OnPush | None = None,
    ) -> Wire | None:
        """A ``Wire`` to the Redis ``client`` talks to, with its socket and connect timeouts
        (``timeout`` instead of the former, e.g. for blocking reads), or ``None`` when its
        connections are something ``Wire`` does not speak (a cluster, TLS, or options it would
        ignore). With ``on_push`` it speaks RESP3 and hands pushes to it."""
        if isinstance(client, RedisCluster):
            return None
        pool = client.connection_pool
        given = pool.connection_kwargs
        kwargs = {k: v for k, v in given.items() if k not in _IGNORED}
        kind = pool.connection_class
        if not issubclass(kind, Connection) or issubclass(kind, SSLConnection):
            return None  # TLS, a Unix socket or another transport: redis-py's
        if set(kwargs) - _SPOKEN:
            return None
        return cls(
            kwargs,
            timeout=timeout or float(given.get("socket_timeout") or _TIMEOUT_S),
            connect_timeout=float(given.get("socket_connect_timeout") or _CONNECT_S),
            on_push=on_push,
        )

    @property
    def connection(self) -> object | None:
        """The current connection while it is open (a new object after a reconnect)."""
        protocol = self._protocol
        return protocol if protocol is not None and protocol.open else None

    def lost(self) -> asyncio.Future[None] | None:
        """Resolved when the current connection is lost (``None``: none is open)."""
        protocol = self._protocol
        return protocol.gone if protocol is not None and protocol.open else None

    async def call(self, *args: Any) -> Any:
        """One command; its reply, or its error raised (redis-py's class)."""
        protocol = await self._ready()
        reply = await protocol.send(_pack(args))
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def calls(self, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Several commands written at once; one reply each, an error as its exception."""
        protocol = await self._ready()
        futures = [protocol.send(_pack(args)) for args in commands]
        return list(await asyncio.gather(*futures))

    async def close(self) -> None:
        """Close the connection; commands in flight fail with ``ConnectionError``."""
        self._closed = True
        if self._protocol is not None:
            self._protocol.close()

    async def _ready(self) -> _Protocol:
        protocol = self._protocol
        if protocol is not None and protocol.open:
            return protocol
        async with self._connecting:
            if self._protocol is None or not self._protocol.open:
                if self._closed:
                    raise rexc.ConnectionError("the log is closed")
                self._protocol = await self._connect()
            return self._protocol

    async def _connect(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        where = self.address
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, protocol = await loop.create_connection(
                    lambda: _Protocol(self.timeout, self.on_push), where["host"], where["port"]
                )
        except TimeoutError as exc:
            raise rexc.TimeoutError(f"Timeout connecting to {_name(where)}") from exc
        except OSError as exc:
            raise rexc.ConnectionError(f"Error connecting to {_name(where)}: {exc}") from exc
        try:
            await self._handshake(protocol)
        except BaseException:
            protocol.close()
            raise
        return protocol

    async def _handshake(self, protocol: _Protocol) -> None:
        """``AUTH`` and ``SELECT``, as redis-py does on a new connection (and ``HELLO 3`` for
        pushes)."""
        commands: list[tuple[Any, ...]] = []
        if self.address.get("password") is not None:
            user = self.address.get("username")
            password = self.address["password"]
            commands.append(("AUTH", user, password) if user else ("AUTH", password))
        if self.on_push is not None:
            commands.append(("HELLO", 3))
        if self.address.get("db"):
            commands.append(("SELECT", self.address["db"]))
        for args in commands:
            reply = await protocol.send(_pack(args))
            if isinstance(reply, Exception):
                raise reply


class Script:
    """A Lua script run by its SHA1 (``EVALSHA``), loaded once the server says it lacks it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode()).hexdigest()

    async def __call__(self, wire: Wire, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        try:
            return await wire.call("EVALSHA", self.sha, len(keys), *keys, *args)
        except rexc.NoScriptError:  # not run: load it, then run it
            await wire.call("SCRIPT", "LOAD", self.text)
            return await wire.call("EVALSHA", self.sha, len(keys), *keys, *args)


class _Protocol(asyncio.Protocol):
    """Futures of the commands in flight, resolved in order as replies are parsed; pushes (of
    a RESP3 connection) to ``on_push``, except a subscription's confirmation: the reply of
    its ``SUBSCRIBE``."""

    def __init__(self, timeout: float, on_push: OnPush | None = None) -> None:
        self.open = False
        self._timeout = timeout
        self._on_push = on_push
        #: Resolved once the connection is lost.
        self.gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reader = hiredis.Reader(
            protocolError=rexc.InvalidResponse,
            replyError=BaseParser.parse_error,
            notEnoughData=_MORE,
        )
        self._pending: collections.deque[asyncio.Future[Any]] = collections.deque()
        self._transport: asyncio.Transport | None = None
        self._replies = 0
        self._seen = 0
        self._watchdog: asyncio.TimerHandle | None = None
        self._lost: Exception = rexc.ConnectionError("Connection closed by server.")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # duck-typed: uvloop's transports are not asyncio.Transport instances
        self._transport, self.open = cast(asyncio.Transport, transport), True
        self._watchdog = asyncio.get_running_loop().call_later(self._timeout, self._check)

    def send(self, packed: bytes) -> asyncio.Future[Any]:
        """Write one packed command; the future of its reply."""
        if not self.open or self._transport is None:
            raise self._failure()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append(future)
        self._transport.write(packed)
        return future

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        try:
            while (reply := self._reader.gets()) is not _MORE:
                self._replies += 1
                if type(reply) is _Push and self._on_push is not None and reply[0] != b"subscribe":
                    self._on_push(reply)
                    continue
                future = self._pending.popleft()
                if not future.done():  # its caller may have left (cancelled)
                    future.set_result(reply)
        except rexc.InvalidResponse as exc:  # nothing after it can be trusted
            self._abort(rexc.ConnectionError(f"Protocol error: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if not self.gone.done():
            self.gone.set_result(None)
        if self._watchdog is not None:
            self._watchdog.cancel()
        while self._pending:
            future = self._pending.popleft()
            if not future.done():
                future.set_exception(self._failure())

    def _failure(self) -> Exception:
        """Why this connection is gone, a new instance each time (an exception raised again
        and again would grow its traceback through a long outage)."""
        return type(self._lost)(*self._lost.args)

    def close(self) -> None:
        """Close the connection (commands in flight fail as on a lost connection)."""
        self._abort(rexc.ConnectionError("Connection closed."))

    def _check(self) -> None:
        """No reply for a whole ``timeout`` while commands were in flight: give up on it."""
        if self._pending and self._replies == self._seen:
            self._abort(rexc.TimeoutError(f"Timeout reading from Redis ({self._timeout:g}s)"))
            return
        self._seen = self._replies
        self._watchdog = asyncio.get_running_loop().call_later(self._timeout, self._check)

    def _abort(self, error: Exception) -> None:
        self._lost, self.open = error, False
        if self._transport is not None:
            self._transport.abort()  # connection_lost fails what is in flight


def _name(address: dict[str, Any]) -> str:
    return f"{address['host']}:{address['port']}"
