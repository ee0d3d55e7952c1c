"""A synthetic corpus written once per session in every import format (no real personal data),
and a log fixture over every backend: memory, SQLite on a temporary file, a real redis-server."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from aiconv.learning.synthetic import generate
from aiconv.learning.synthetic_files import write_corpus
from aiconv.queues.log import ConversationLog
from aiconv.queues.urls import open_log
from aiconv.testing.redis_server import RedisServer, has_redis_server

CONVERSATIONS = 240


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's files: chats.jsonl/.csv/.json/.messages.jsonl, mapping and truth."""
    directory = tmp_path_factory.mktemp("corpus")
    write_corpus(generate(CONVERSATIONS, seed=11), directory)
    return directory


@pytest.fixture(scope="session")
def truth(corpus_dir: Path) -> dict[str, Any]:
    """What the generator planted."""
    loaded: dict[str, Any] = json.loads((corpus_dir / "truth.json").read_text(encoding="utf-8"))
    return loaded


BACKENDS = [
    "memory",
    "sqlite",
    pytest.param(
        "redis",
        marks=pytest.mark.skipif(not has_redis_server(), reason="redis-server is not installed"),
    ),
]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if not has_redis_server():
        pytest.skip("redis-server is not installed")
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


def log_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh log URL of ``backend``."""
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    server: RedisServer = request.getfixturevalue("redis_server")
    from aiconv.queues.redis import with_prefix

    return with_prefix(server.url, f"t{uuid.uuid4().hex[:10]}")


@pytest.fixture(params=BACKENDS)
async def log(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ConversationLog]:
    """An open log of each backend in turn."""
    async with open_log(log_url(request.param, tmp_path, request)) as opened:
        yield opened
