"""`aic worker` options: the Redis key prefix only applies to Redis URLs, and is given once."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aiconv.cli.main import aic
from aiconv.cli.wiring import prefixed
from aiconv.errors import ConfigError


def test_redis_prefix_is_written_into_a_redis_url() -> None:
    assert prefixed("redis://h:6379/0", "team-a") == "redis://h:6379/0?prefix=team-a"
    assert prefixed("rediss://u:p@h/1?prefix=same", "same") == "rediss://u:p@h/1?prefix=same"
    assert prefixed("sqlite:///x.db", None) == "sqlite:///x.db"


def test_a_prefix_flag_against_another_prefix_in_the_url_is_refused() -> None:
    """Two values for one setting: which was meant cannot be told (the flag won, silently)."""
    with pytest.raises(ConfigError) as caught:
        prefixed("rediss://u:p@h/1?prefix=old", "new")
    assert str(caught.value) == (
        "two Redis key prefixes: 'new' from --redis-prefix and 'old' from ?prefix= in the log"
        " URL (--log-url): give one, or the same in both"
    )


def test_a_conflicting_prefix_from_a_variable_is_named_by_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error says where each value came from, also when a setting gave it."""
    monkeypatch.chdir(tmp_path)  # no .env or aiconv.toml of the working directory
    result = CliRunner().invoke(
        aic,
        ["ls", "--log-url", "redis://127.0.0.1:1/0?prefix=team-a"],
        env={"AIC_REDIS_PREFIX": "team-b"},
    )
    assert result.exit_code == 2, result.output
    assert result.output == (
        "error: two Redis key prefixes: 'team-b' from AIC_REDIS_PREFIX in the environment"
        " (--redis-prefix) and 'team-a' from ?prefix= in the log URL (--log-url): give one, or"
        " the same in both\n"
    )


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
