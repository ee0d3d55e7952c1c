"""Response cache stores: SQLite (the default, one file shared by every process on a machine),
Redis (shared by processes on many machines) and memory (one process, for tests).

``cache_store(url)`` picks one from ``sqlite:///relative.db`` or ``sqlite:////absolute.db`` (as
for logs), ``redis://…``/``rediss://…`` or
``memory://``; ``check_cache_url`` validates a URL without touching anything. Stores connect on
first use, so building one for a command that fails validation writes nothing. A Redis store
that does not answer is ``LogUnavailable`` naming the cache (``reach_cache`` asks before any
work), never a ``redis`` error.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosqlite

from aiconv.agents.cache import CacheStore
from aiconv.errors import ConfigError, LogUnavailable
from aiconv.observability.redaction import redact_url

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    reply BLOB NOT NULL,
    stored_at REAL NOT NULL
)
"""


class MemoryCache(CacheStore):
    """A dict: one process."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    async def get(self, key: str) -> bytes | None:
        """The stored reply, or None."""
        return self.entries.get(key)

    async def put(self, key: str, value: bytes, *, overwrite: bool) -> None:
        """Store ``value``."""
        if overwrite or key not in self.entries:
            self.entries[key] = value

    async def close(self) -> None:
        """Nothing to release."""


class SqliteCache(CacheStore):
    """One table in a SQLite file (WAL, a busy timeout): processes on one machine share it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> aiosqlite.Connection:
        async with self._lock:
            if self._connection is None:
                await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
                connection = await aiosqlite.connect(self.path, timeout=30.0)
                await connection.execute("PRAGMA journal_mode=WAL")
                await connection.execute("PRAGMA synchronous=NORMAL")
                await connection.execute(_SCHEMA)
                await connection.commit()
                self._connection = connection
            return self._connection

    async def get(self, key: str) -> bytes | None:
        """The stored reply, or None."""
        async with self._mapped():
            connection = await self._connect()
            query = "SELECT reply FROM responses WHERE key = ?"
            async with connection.execute(query, (key,)) as rows:
                row = await rows.fetchone()
        return None if row is None else bytes(row[0])

    async def put(self, key: str, value: bytes, *, overwrite: bool) -> None:
        """Store ``value`` (``INSERT OR IGNORE`` unless ``overwrite``)."""
        verb = "INSERT OR REPLACE" if overwrite else "INSERT OR IGNORE"
        async with self._mapped():
            connection = await self._connect()
            await connection.execute(
                f"{verb} INTO responses (key, reply, stored_at) VALUES (?, ?, ?)",
                (key, value, time.time()),
            )
            await connection.commit()

    @contextlib.asynccontextmanager
    async def _mapped(self) -> AsyncIterator[None]:
        """A damaged file (pages past the schema that ``check_cache_url`` read) or a lock held
        past the busy timeout is ``LogUnavailable`` naming the cache, as for a Redis cache."""
        try:
            yield
        except sqlite3.Error as exc:
            raise LogUnavailable(
                f"the response cache {self.path} cannot be read ({exc}): remove it, "
                "or give another --cache-url"
            ) from exc

    async def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


class RedisCache(CacheStore):
    """String keys ``<prefix>:cache:<sha256>`` on a Redis server."""

    def __init__(self, url: str, prefix: str = "aiconv") -> None:
        import redis.asyncio  # the client is only needed when the cache is on Redis

        # a host that drops packets would hang a turn forever: bounded unless the URL says
        self.client = redis.asyncio.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        self.url = url
        self.prefix = prefix

    async def get(self, key: str) -> bytes | None:
        """The stored reply, or None."""
        async with self._mapped():
            value = await self.client.get(f"{self.prefix}:cache:{key}")
        if value is None:
            return None
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)

    async def put(self, key: str, value: bytes, *, overwrite: bool) -> None:
        """``SET`` (``NX`` unless ``overwrite``)."""
        async with self._mapped():
            await self.client.set(f"{self.prefix}:cache:{key}", value, nx=not overwrite)

    async def close(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()

    @contextlib.asynccontextmanager
    async def _mapped(self) -> AsyncIterator[None]:
        import redis.exceptions

        try:
            yield
        except (redis.exceptions.RedisError, OSError) as exc:
            raise LogUnavailable(
                f"the response cache at {redact_url(self.url)} does not answer: {exc}"
            ) from exc


async def reach_cache(store: CacheStore) -> None:
    """LogUnavailable unless ``store`` answers: a Redis cache is asked once before any work
    (a SQLite one was checked by ``check_cache_url`` and is created on first use)."""
    if isinstance(store, RedisCache):
        await store.get("reachable")


def check_cache_url(url: str, busy_timeout: float = 30.0) -> str:
    """``url`` if it names a usable cache store; ConfigError saying what to fix otherwise.

    A SQLite path must be creatable and, when it exists, hold only the cache's table (never a
    log or another application's database); a Redis URL is checked as a log URL is. Nothing
    is written (a probe file in the nearest existing folder is created and removed). A cache
    another process is writing is waited for, up to ``busy_timeout`` seconds.
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed IPv6 bracket
        raise ConfigError(f"cache URL {redact_url(url)!r}: {exc}") from None
    local = parts.scheme == "sqlite" and not parts.netloc and parts.path.startswith("/")
    if local and parts.path not in ("/", "/:memory:") and not parts.query:
        _check_cache_path(Path(unquote(parts.path[1:])), busy_timeout)
        return url
    if parts.scheme in ("redis", "rediss") and parts.hostname:
        return url
    if url == "memory://":
        return url
    raise ConfigError(
        f"cache URL {redact_url(url)!r} must be sqlite:///relative.db or sqlite:////absolute.db, "
        "redis://host:6379/0 (or rediss://) or memory://"
    )


def _check_cache_path(path: Path, busy_timeout: float) -> None:
    if path.is_dir():
        raise ConfigError(f"cache path {path} is a directory: give a file such as {path}/r.db")
    if path.exists() and not path.is_file():  # a named pipe would be waited on for ever
        raise ConfigError(f"{path} is not a response cache (not a file): give another path")
    if path.exists():
        _check_not_empty(path)
        _check_cache_tables(path, busy_timeout)
        return
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ConfigError(
            f"cannot create the cache {path} ({exc.strerror or exc}): choose a writable place"
        ) from exc


def _check_not_empty(path: Path) -> None:
    """Raise for an empty file that is no cache being made: someone's own (``touch``,
    ``mktemp``) would silently become a cache, as a log refuses to become one
    (``sqlite_files.check_not_empty``). A cache another process is creating is empty only from
    its ``connect`` to its first statement, which writes the header (its WAL beside it after
    that): an empty file alone is looked at again after a moment before it is refused."""
    for wait in (0.2, None):
        journals = ("-wal", "-shm", "-journal")
        if path.stat().st_size > 0 or any(Path(f"{path}{j}").exists() for j in journals):
            return
        if wait is not None:
            time.sleep(wait)
    raise ConfigError(
        f"{path} is an empty file, not a response cache: give a path that does not exist yet"
        " (the cache is created there) or remove the empty file"
    )


def _check_cache_tables(path: Path, busy_timeout: float) -> None:
    """Raise unless ``path`` is a SQLite database with only the cache's table (or empty, its
    WAL beside it: a cache being written).

    A cache that a process has open (its ``-wal``, ``-shm`` or ``-journal`` beside it) is read
    with SQLite's locks, waiting out a writer for up to ``busy_timeout`` seconds: an immutable
    read there could see the torn pages of a write in progress and call a good cache foreign.
    Any other file is read through an immutable connection, which creates nothing beside it.
    """
    live = any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-shm", "-journal"))
    uri = f"{path.resolve().as_uri()}?mode=ro{'' if live else '&immutable=1'}"
    try:
        db = sqlite3.connect(uri, uri=True, timeout=busy_timeout)
        try:
            rows = db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        finally:
            db.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ConfigError(
                f"the response cache {path} was locked by another process for over"
                f" {busy_timeout:g} s: try again, or give another --cache-url"
            ) from exc
        raise ConfigError(f"{path} is not a response cache ({exc}): give another path") from exc
    except sqlite3.Error as exc:
        raise ConfigError(f"{path} is not a response cache ({exc}): give another path") from exc
    others = sorted({str(row[0]) for row in rows} - {"responses"})
    if others:
        raise ConfigError(
            f"{path} is not a response cache (it holds tables {', '.join(others[:5])}): "
            "give another --cache-url"
        )


def cache_store(url: str) -> CacheStore:
    """The store ``url`` names (nothing is opened until it is used)."""
    check_cache_url(url)
    if url == "memory://":
        return MemoryCache()
    if url.startswith("sqlite:"):
        return SqliteCache(Path(unquote(urlsplit(url).path[1:])))
    return RedisCache(url)
