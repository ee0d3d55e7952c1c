"""Commands packed by hiredis's C packer on the connections ``RedisLog`` sends commands on.

redis-py's asyncio connection packs every command in Python, argument by argument (its sync
connection can use hiredis, the asyncio one cannot be told to). An append of a batch is one
``EVALSHA`` with ~10 arguments per append, so packing was about a third of the client's CPU an
append with 256 in flight. ``hiredis.pack_command`` produces the same bytes (a test compares
them) in C. Without hiredis installed, connections stay as redis-py made them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.exceptions import DataError

_pack: Callable[[tuple[Any, ...]], bytes] | None
try:
    from hiredis import pack_command as _pack
except ImportError:  # pragma: no cover - hiredis comes with the redis extra
    _pack = None
_PACKED: dict[type[AbstractConnection], type[AbstractConnection]] = {}


class _HiredisPacking:
    """Overrides ``pack_command`` of a redis-py asyncio connection class."""

    def pack_command(self, *args: Any) -> list[bytes]:
        """The command in the Redis protocol, as redis-py would pack it (a first argument with
        spaces, such as ``"CONFIG GET"``, is split into words)."""
        head = args[0]
        if isinstance(head, str):
            args = (*head.encode().split(), *args[1:])
        elif b" " in head:
            args = (*head.split(), *args[1:])
        assert _pack is not None
        try:
            return [_pack(args)]
        except TypeError as exc:  # what redis-py's encoder refuses as DataError
            raise DataError(str(exc)) from exc


def _packed(connection_class: type[AbstractConnection]) -> type[AbstractConnection]:
    if connection_class not in _PACKED:
        name = f"Packed{connection_class.__name__}"
        _PACKED[connection_class] = type(name, (_HiredisPacking, connection_class), {})
    return _PACKED[connection_class]


def pack_with_hiredis(pool: ConnectionPool) -> None:
    """Make the connections ``pool`` opens from now on pack commands with hiredis (TCP, TLS or
    Unix socket alike: the class ``from_url`` chose is kept underneath)."""
    if _pack is not None and not issubclass(pool.connection_class, _HiredisPacking):
        pool.connection_class = _packed(pool.connection_class)
