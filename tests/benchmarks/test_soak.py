"""The soak test: many short conversations at once, then every sequence checked exactly once.

10,000 conversations at once per backend, as issue 17 asks (about 12 s in memory, 30-40 s on
SQLite and on Redis on a 2-core box; on Redis this once starved reads of their pooled
connections past the log's deadline, which group reads fixed). ``aic bench --only soak`` runs
the same with its figures; ``AIC_SOAK_CONVERSATIONS`` changes the size here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiconv.benchmarking.soak import soak
from aiconv.queues.redis import with_prefix
from aiconv.testing.redis_server import RedisServer, has_redis_server

SIZE = int(os.environ.get("AIC_SOAK_CONVERSATIONS", "10000"))


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if not has_redis_server():
        pytest.skip("redis-server is not installed")
    with RedisServer(tmp_path_factory.mktemp("soak-redis")) as server:
        yield server


def _url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'soak.db'}"
    server: RedisServer = request.getfixturevalue("redis_server")
    return with_prefix(server.url, f"soak{uuid.uuid4().hex[:8]}")


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", ["memory", "sqlite", "redis"])
async def test_every_sequence_of_many_short_conversations_is_there_exactly_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    result = await soak(_url(backend, tmp_path, request), SIZE)
    assert result["problem_count"] == 0, result["problems"]
    assert result["conversations"] == SIZE
