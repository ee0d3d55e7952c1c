"""The Redis log URL: our own query parameters, redis-py's, and a node list, all checked first.

``redis://[user:password@]host[:port][,host:port…][/db]`` and ``rediss://…`` (TLS). Our own
parameters are taken out before redis-py sees the URL:

* ``prefix=`` the key prefix (default ``aiconv``); ``deadline=`` seconds to retry an outage;
* ``cluster=1`` Redis Cluster (``0``: a single Redis; unset: detected with ``INFO cluster``);
* ``min_replicas=N`` an append is acknowledged only once N replicas hold it (``WAIT``), within
  ``replica_timeout=`` seconds a try (default 1).

Several ``host:port`` separated by commas are the startup nodes of one Redis Cluster. Every
mistake is a ``ConfigError`` naming what to fix, the password redacted. Pure but for one
look: whether a TLS file the URL names exists (a missing one would fail every try until the
deadline).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiconv.errors import ConfigError
from aiconv.observability.redaction import redact_url

DEFAULT_PREFIX = "aiconv"
DEFAULT_DEADLINE = 30.0
DEFAULT_REPLICA_TIMEOUT = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RedisTarget:
    """A parsed log URL: what redis-py sees (``url``: the first node) and our own options."""

    url: str
    nodes: tuple[tuple[str, int], ...]
    prefix: str = DEFAULT_PREFIX
    deadline: float = DEFAULT_DEADLINE
    cluster: bool | None = None
    min_replicas: int = 0
    replica_timeout: float = DEFAULT_REPLICA_TIMEOUT


def with_prefix(url: str, prefix: str) -> str:
    """``url`` with its ``prefix=`` query parameter set (how ``--redis-prefix`` reaches a URL)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "prefix"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("prefix", prefix)])))


def parse_target(url: str) -> RedisTarget:
    """Check every part of ``url`` (``ConfigError`` naming what to fix) and split it."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for index, (name, value) in enumerate(query):
        if any(other == name for other, _ in query[:index]):
            _refuse(url, f"?{name}= is given twice")
        _check_parameter(url, name, value)
    database = parts.path.strip("/")
    if database and not _is_database(database):
        _refuse(url, f"the database {database!r} must be a number (0, 1, … below 2^31)")
    named = {name for name, _ in query}
    if database and "db" in named:
        _refuse(url, f"the database is given twice (/{database} and ?db=): keep one")
    tls = sorted(name for name in named if name.startswith("ssl_"))
    if tls and parts.scheme != "rediss":
        _refuse(url, f"?{tls[0]}= is a TLS setting: use rediss:// to connect with TLS")
    own = {k: v for k, v in query if k in OWN_PARAMETERS}
    rest = urlencode([(k, v) for k, v in query if k not in OWN_PARAMETERS])
    userinfo, _, hosts = parts.netloc.rpartition("@")
    nodes = tuple(_node(url, part) for part in hosts.split(","))
    first = f"{userinfo}@{hosts.split(',')[0]}" if userinfo else hosts.split(",")[0]
    cluster = None if "cluster" not in own else own["cluster"] == "1"
    if len(nodes) > 1 and cluster is False:
        _refuse(url, "a list of nodes is a Redis Cluster: drop ?cluster=0")
    return RedisTarget(
        url=urlunsplit(parts._replace(netloc=first, query=rest)),
        nodes=nodes,
        prefix=own.get("prefix", DEFAULT_PREFIX),
        deadline=_positive_seconds(url, "deadline", own.get("deadline", str(DEFAULT_DEADLINE))),
        cluster=True if len(nodes) > 1 else cluster,
        min_replicas=int(own.get("min_replicas", "0")),
        replica_timeout=_positive_seconds(
            url, "replica_timeout", own.get("replica_timeout", str(DEFAULT_REPLICA_TIMEOUT))
        ),
    )


def address(host: str, port: int) -> str:
    """``host:port`` as a URL writes it (an IPv6 host in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def node_url(target: RedisTarget, host: str, port: int) -> str:
    """``target.url`` pointed at one node of its list."""
    parts = urlsplit(target.url)
    userinfo, _, _ = parts.netloc.rpartition("@")
    node = address(host, port)
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{node}" if userinfo else node))


def _node(url: str, text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon:
        host, port = text, "6379"
    if not host or not _is_count(port) or not 0 < int(port) < 65536:
        _refuse(url, f"{text!r} must be host or host:port (a port from 1 to 65535)")
    return host.strip("[]"), int(port)


#: Query parameters of our own, taken out of the URL before redis-py sees it.
OWN_PARAMETERS: dict[str, str] = {
    "prefix": "a key prefix (printable, without { or })",
    "deadline": "positive seconds",
    "cluster": "0 or 1",
    "min_replicas": "a number of replicas (0, 1, …)",
    "replica_timeout": "positive seconds",
}
#: Query parameters passed on to redis-py, with what a valid value looks like.
PASSED_PARAMETERS: dict[str, str] = {
    "db": "a database number (0, 1, …)",
    "socket_timeout": "positive seconds",
    "socket_connect_timeout": "positive seconds",
    "health_check_interval": "a whole number of seconds",
    "protocol": "2 or 3",
    "client_name": "a name without spaces",
    "ssl_cert_reqs": "none, optional or required",
    "ssl_ca_certs": "an existing file",
    "ssl_certfile": "an existing file",
    "ssl_keyfile": "an existing file",
    "ssl_check_hostname": "true or false",
}
_VALID: dict[str, Callable[[str], bool]] = {
    "deadline": lambda v: _seconds(v) is not None,
    "replica_timeout": lambda v: _seconds(v) is not None,
    "cluster": lambda v: v in ("0", "1"),
    "min_replicas": lambda v: _is_count(v),
    "db": lambda v: _is_database(v),
    # a brace would make the prefix a Redis Cluster hash tag: every conversation in one slot
    "prefix": lambda v: bool(v.strip()) and v.isprintable() and not {"{", "}"} & set(v),
    "client_name": lambda v: v.isprintable() and bool(v) and " " not in v,
    "health_check_interval": lambda v: _is_count(v),
    "socket_timeout": lambda v: _seconds(v) is not None,
    "socket_connect_timeout": lambda v: _seconds(v) is not None,
    "protocol": lambda v: v in ("2", "3"),
    "ssl_cert_reqs": lambda v: v in ("none", "optional", "required"),
    "ssl_check_hostname": lambda v: v.lower() in ("true", "false", "1", "0", "yes", "no"),
    "ssl_ca_certs": lambda v: Path(v).is_file(),
    "ssl_certfile": lambda v: Path(v).is_file(),
    "ssl_keyfile": lambda v: Path(v).is_file(),
}


def _check_parameter(url: str, name: str, value: str) -> None:
    known = OWN_PARAMETERS | PASSED_PARAMETERS
    if name not in known:
        _refuse(url, f"unknown parameter {name!r} (accepted: {', '.join(known)})")
    if not _VALID.get(name, bool)(value):
        _refuse(url, f"?{name}={value!r} must be {known[name]}")


def _refuse(url: str, what: str) -> NoReturn:
    raise ConfigError(f"bad Redis URL {redact_url(url)!r}: {what}")


def _is_count(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _is_database(text: str) -> bool:
    """A database number Redis can SELECT (a 32-bit integer; servers have 16 by default)."""
    return _is_count(text) and int(text) < 2**31


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def _positive_seconds(url: str, name: str, text: str) -> float:
    value = _seconds(text)
    if value is None:
        _refuse(url, f"?{name}={text!r} must be positive seconds")
    return value
