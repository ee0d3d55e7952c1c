"""open_log turns URLs and paths into logs, and refuses anything else with what to write."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aiconv.errors import ConfigError
from aiconv.queues.log import ConversationLog
from aiconv.queues.memory import InMemoryLog
from aiconv.queues.sqlite import SqliteLog
from aiconv.queues.urls import LOG_PLUGINS, connect_log, open_log
from aiconv.testing.contract import event


async def test_memory_url_opens_a_fresh_memory_log() -> None:
    async with open_log("memory://") as log:
        assert isinstance(log, InMemoryLog)
        await log.append("c1", 0, [event()])
    async with open_log("memory://") as other:
        assert await other.last_sequence("c1") == 0


async def test_sqlite_url_with_absolute_path(tmp_path: Path) -> None:
    path = tmp_path / "abs.db"
    async with open_log(f"sqlite:///{path}") as log:
        assert isinstance(log, SqliteLog)
        assert log.path == path
    assert path.exists()


async def test_sqlite_url_with_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with open_log("sqlite:///data/rel.db") as log:
        assert isinstance(log, SqliteLog)
    assert (tmp_path / "data" / "rel.db").exists()


async def test_plain_path_means_sqlite(tmp_path: Path) -> None:
    log = await open_log(str(tmp_path / "plain.db"))
    try:
        assert log.backend == "sqlite"
    finally:
        await log.close()


async def test_connect_log_leaves_closing_to_the_caller() -> None:
    log = await connect_log("memory://")
    assert isinstance(log, ConversationLog)
    await log.close()


@pytest.mark.parametrize(
    "url",
    ["ftp://host/x", "sqlite://", "sqlite://host/x.db", "sqlite:///:memory:", " ", "mysql://x"],
)
async def test_bad_urls_are_config_errors_naming_the_accepted_forms(url: str) -> None:
    with pytest.raises(ConfigError, match=r"sqlite:///|memory://"):
        await connect_log(url)


async def test_every_builtin_scheme_is_an_entry_point() -> None:
    """aiconv's own schemes come through the aiconv.logs entry points, like a plugin's."""
    assert {"memory", "sqlite", "redis", "rediss"} <= set(LOG_PLUGINS.names())
    async with open_log("memory://") as log:
        assert log.backend == "memory"


def test_a_redis_url_without_the_redis_extra_names_the_install_command(tmp_path: Path) -> None:
    """The Redis backend is imported only for a redis:// URL; without redis-py, one line."""
    code = (
        "import sys, asyncio; sys.modules['redis'] = None\n"
        "from aiconv.queues.urls import connect_log\n"
        "from aiconv.errors import MissingExtra\n"
        "try:\n    asyncio.run(connect_log('redis://127.0.0.1:1/0'))\n"
        "except MissingExtra as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "pip install 'aiconv[redis]'" in done.stdout
