"""Fixtures of the Redis log tests that need nothing special: a private ``redis-server`` on a
free port (no append-only file) and a ``RedisLog`` on it under a prefix of its own. A test
module that needs another server (append-only, killed and restarted) defines its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from aiconv.queues.redis import RedisLog
from aiconv.testing.redis_server import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis", appendonly=False) as server:
        yield server


@pytest.fixture
async def log(redis_server: RedisServer) -> AsyncIterator[RedisLog]:
    opened = await RedisLog.open(redis_server.url, prefix=f"q{uuid.uuid4().hex[:8]}", deadline=10)
    try:
        yield opened
    finally:
        await opened.close()
