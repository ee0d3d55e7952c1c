"""The logs a run measures: ``memory``, a fresh SQLite file and a private ``redis-server``.

``Backends`` hands out a fresh log URL per scenario (a new file, or a new key prefix on the one
Redis server it started) and cleans everything up on exit. It never touches a server it did not
start. Redis is skipped, with the reason recorded, when ``redis-server`` is not installed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

from aiconv.testing.redis_server import RedisServer, has_redis_server

ALL = ("memory", "sqlite", "redis")


class Backends:
    """Fresh log URLs per backend for one benchmark run (a context manager)."""

    def __init__(self, names: tuple[str, ...] = ALL) -> None:
        self.names = names
        self.skipped: dict[str, str] = {}
        self._stack = contextlib.ExitStack()
        self._dir = Path()
        self._redis: RedisServer | None = None

    def __enter__(self) -> Backends:
        self._dir = Path(
            self._stack.enter_context(tempfile.TemporaryDirectory(prefix="aic-bench-"))
        )
        if "redis" in self.names:
            reason = redis_unavailable()
            if reason is None:
                # No fsync policy games: the default appendonly/everysec a deployment would use.
                server = RedisServer(self._dir / "redis")
                self._redis = self._stack.enter_context(server)
            else:
                self.skipped["redis"] = reason
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    @property
    def available(self) -> tuple[str, ...]:
        """The backends this run can measure."""
        return tuple(name for name in self.names if name not in self.skipped)

    @property
    def directory(self) -> Path:
        """A private scratch directory, removed on exit."""
        return self._dir

    def url(self, backend: str) -> str:
        """A fresh, empty log of ``backend``."""
        tag = uuid.uuid4().hex[:10]
        if backend == "memory":
            return "memory://"
        if backend == "sqlite":
            return f"sqlite:///{self._dir / f'{tag}.db'}"
        if backend == "redis" and self._redis is not None:
            return f"{self._redis.url}?prefix=bench-{tag}"
        raise ValueError(f"backend {backend!r} is not available: {self.skipped.get(backend)}")


def redis_unavailable() -> str | None:
    """Why Redis cannot be measured here, or None when it can."""
    if importlib.util.find_spec("aiconv.queues.redis") is None:
        return "aiconv.queues.redis is not installed"
    if not has_redis_server():
        return "redis-server is not installed (make system-deps)"
    return None
