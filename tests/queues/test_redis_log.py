"""The Redis log passes the contract suite against a real redis-server, and survives its crashes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from aiconv.queues.log import ConversationLog
from aiconv.queues.redis import with_prefix
from aiconv.queues.urls import open_log
from aiconv.testing.contract import ConversationLogContract
from aiconv.testing.redis_server import RedisServer, has_redis_server

pytestmark = pytest.mark.skipif(not has_redis_server(), reason="redis-server is not installed")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


class TestRedisLog(ConversationLogContract):
    supports_processes = True

    @pytest.fixture
    def log_url(self, redis_server: RedisServer) -> str:
        return with_prefix(redis_server.url, f"t{uuid.uuid4().hex[:10]}")

    @pytest.fixture
    async def log(self, log_url: str) -> AsyncIterator[ConversationLog]:
        async with open_log(log_url) as log:
            yield log
