"""The logs a run measures: ``memory``, a fresh SQLite file, a private ``redis-server`` and a
private Redis Cluster (three masters, three replicas: ``redis-cluster``).

``Backends`` hands out a fresh log URL per scenario (a new file, or a new key prefix on the
Redis server or cluster it started) and cleans everything up on exit. It never touches a server
it did not start. Redis is skipped, with the reason recorded, when ``redis-server`` is not
installed (the cluster also needs ``redis-cli``). The cluster is measured by the append and
hand-off scenarios only, next to single Redis (``available`` leaves it out).
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

from aiconv.testing.redis_server import RedisServer, has_redis_server

CLUSTER = "redis-cluster"
ALL = ("memory", "sqlite", "redis", CLUSTER)


class Backends:
    """Fresh log URLs per backend for one benchmark run (a context manager)."""

    def __init__(self, names: tuple[str, ...] = ALL) -> None:
        self.names = names
        self.skipped: dict[str, str] = {}
        self._stack = contextlib.ExitStack()
        self._dir = Path()
        self._redis: RedisServer | None = None
        self._cluster_url: str | None = None

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
        if CLUSTER in self.names:
            self._start_cluster()
        return self

    def _start_cluster(self) -> None:
        reason = redis_unavailable() or (
            None if shutil.which("redis-cli") else "redis-cli is not installed (make system-deps)"
        )
        if reason is not None:
            self.skipped[CLUSTER] = reason
            return
        from aiconv.testing.redis_cluster import LocalCluster  # needs redis-py: the redis extra

        cluster = self._stack.enter_context(LocalCluster(self._dir / "cluster"))
        self._cluster_url = cluster.url

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    @property
    def available(self) -> tuple[str, ...]:
        """The single-node backends this run can measure (every scenario runs on them)."""
        return tuple(n for n in self.names if n not in self.skipped and n != CLUSTER)

    @property
    def has_cluster(self) -> bool:
        """Whether the Redis Cluster was started (for the append and hand-off scenarios)."""
        return self._cluster_url is not None

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
        if backend == CLUSTER and self._cluster_url is not None:
            return f"{self._cluster_url}&prefix=bench-{tag}"
        raise ValueError(f"backend {backend!r} is not available: {self.skipped.get(backend)}")


def redis_unavailable() -> str | None:
    """Why Redis cannot be measured here, or None when it can."""
    if importlib.util.find_spec("redis") is None:
        return "redis-py is not installed: pip install 'aiconv[redis]'"
    if not has_redis_server():
        return "redis-server is not installed (make system-deps)"
    return None
