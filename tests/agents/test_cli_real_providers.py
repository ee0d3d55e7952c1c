"""End to end: ``aic-start --agent1 claude --agent2 gpt`` as a subprocess against the fake
server through the real SDKs, with fake keys that must never appear in any output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiconv.testing.processes import cli_env, run_aic
from tests.agents.fake_server_process import fake_llm_process

pytestmark = pytest.mark.slow

ANTHROPIC_KEY = "sk-ant-fake-e2e-5f1d0c9a7b3e"
OPENAI_KEY = "sk-proj-fake-e2e-8c2b4e6a9d1f"


def _assert_no_keys(text: str, where: str) -> None:
    for key in (ANTHROPIC_KEY, OPENAI_KEY):
        assert key not in text, f"an API key leaked into {where}"


@pytest.mark.timeout(300)  # four interpreter start-ups; slow on a loaded machine
def test_claude_and_gpt_converse_through_the_real_sdks_without_leaking_keys(
    tmp_path: Path,
) -> None:
    db = tmp_path / "runs.db"
    with fake_llm_process("--end-after", "3") as url:
        env = cli_env(
            {
                "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
                "OPENAI_API_KEY": OPENAI_KEY,
                "ANTHROPIC_BASE_URL": url,
                "OPENAI_BASE_URL": f"{url}/v1",
            },
            home=tmp_path,
        )
        started = run_aic(
            "start", "--agent1", "claude", "--agent2", "gpt", "--max-turns", "10",
            "--db", str(db), "--json", env=env, cwd=tmp_path, timeout=90,
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        doc = json.loads(started.stdout)
        exported = run_aic("export", doc["conversation_id"], "--format", "jsonl", "--db", str(db),
                           env=env, cwd=tmp_path, timeout=60)  # fmt: skip
        live = run_aic("start", "--agent1", "claude", "--agent2", "gpt", "--max-turns", "4",
                       "--db", str(db), env=env, cwd=tmp_path, timeout=90)  # fmt: skip
    assert doc["ended"]["reason"] in {"end_token", "max_turns", "closing"}
    senders = [m["sender"] for m in doc["messages"]]
    assert senders[:2] == ["claude", "gpt"]
    assert {m["model"] for m in doc["messages"]} == {"claude-sonnet-5-5", "gpt-6.2-sol"}
    assert doc["summary"]["cost_usd"] > 0
    assert exported.returncode == 0, exported.stderr
    assert live.returncode == 0, live.stderr
    for where, text in {
        "start stdout": started.stdout,
        "start stderr": started.stderr,
        "live stdout": live.stdout,
        "live stderr": live.stderr,
        "export": exported.stdout,
        "export stderr": exported.stderr,
    }.items():
        _assert_no_keys(text, where)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            _assert_no_keys(path.read_bytes().decode("utf-8", "replace"), str(path))
