"""`aic worker` options: the Redis key prefix only applies to Redis URLs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from aiconv.cli.main import aic
from aiconv.cli.wiring import prefixed
from aiconv.errors import ConfigError


def test_redis_prefix_is_written_into_a_redis_url() -> None:
    assert prefixed("redis://h:6379/0", "team-a") == "redis://h:6379/0?prefix=team-a"
    assert prefixed("rediss://u:p@h/1?prefix=old", "new") == "rediss://u:p@h/1?prefix=new"
    assert prefixed("sqlite:///x.db", None) == "sqlite:///x.db"


def test_redis_prefix_with_another_backend_is_refused() -> None:
    with pytest.raises(ConfigError, match="--redis-prefix only applies"):
        prefixed("sqlite:///x.db", "team-a")


def test_worker_command_reports_a_misplaced_prefix_in_one_line() -> None:
    """Exit code 2 and what to fix, no traceback (and nothing is opened)."""
    runner = CliRunner()
    result = runner.invoke(
        aic, ["worker", "--log-url", "sqlite:///w.db", "--redis-prefix", "x"], env={}
    )
    assert result.exit_code == 2, result.output
    assert "--redis-prefix only applies" in result.output
    assert "Traceback" not in result.output
