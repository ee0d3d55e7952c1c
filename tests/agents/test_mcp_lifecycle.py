"""An MCP server's life with a conversation: started by ``aic-start --tools2 mcp:stdio:…`` and
stopped with the process, its calls recorded; a server that starts but never answers is a
bounded one-line error, and its process does not outlive the attempt."""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
import time
from pathlib import Path

import pytest

from aiconv.agents.tools.mcp import McpTools
from aiconv.errors import ConfigError
from aiconv.testing.conditions import eventually
from aiconv.testing.processes import cli_env, run_aic

pytestmark = pytest.mark.slow


def _jsonl(path: Path, lines: list[dict[str, object]]) -> str:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return f"script:{path}"


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains ``text`` (zombies left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def test_aic_start_runs_an_agent_with_an_mcp_servers_tools(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    python = shlex.quote(sys.executable)
    server = f"mcp:stdio:{python} -m aiconv.testing.mcp_bank stdio --ledger {ledger}"
    customer = _jsonl(
        tmp_path / "customer.jsonl",
        [{"content": "My card was stolen, and what is left on acc-1?"}, {"content": "Thanks."}],
    )
    agent = _jsonl(
        tmp_path / "agent.jsonl",
        [
            {"tool_calls": [{"name": "get_balance", "arguments": {"account_id": "acc-1"}}]},
            {
                "tool_calls": [
                    {"name": "block_card", "arguments": {"card_id": "c-7", "reason": "stolen"}}
                ]
            },
            {"content": "Card c-7 is blocked; acc-1 holds 1288.65 USD."},
        ],
    )
    done = run_aic(
        "start", "--agent1", customer, "--name1", "customer", "--agent2", agent, "--name2",
        "support", "--tools2", server, "--max-turns", "4", "--json",
        "--db", str(tmp_path / "runs.db"), env=cli_env(home=tmp_path), cwd=tmp_path, timeout=90,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    calls = [(c["tool"], c["outcome"], c["content"]) for c in document["tool_calls"]]
    balance = {"account_id": "acc-1", "balance": 1288.65, "currency": "USD"}
    assert calls[0][:2] == ("get_balance", "ok")
    assert json.loads(calls[0][2]) == balance
    assert calls[1] == ("block_card", "ok", json.dumps({"result": "card c-7 blocked"}))
    assert document["participants"][1]["tools"] == [server]
    support = [m["content"] for m in document["messages"] if m["sender"] == "support"]
    assert support == ["Card c-7 is blocked; acc-1 holds 1288.65 USD."]
    effects = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert effects == [{"effect": "block_card", "card_id": "c-7", "reason": "stolen"}]
    assert _processes_mentioning(str(ledger)) == [], "the MCP server outlived aic-start"


HANGS = """\
import os, sys, time
open(sys.argv[1], "w").write(str(os.getpid()))
time.sleep(3600)  # started, but never answers the client's initialize request
"""


async def test_a_server_that_never_answers_is_a_bounded_one_line_error(tmp_path: Path) -> None:
    script = tmp_path / "hangs.py"
    script.write_text(HANGS)
    pid_file = tmp_path / "pid"
    reference = f"stdio:{sys.executable} {script} {pid_file}"
    began = time.monotonic()
    async with asyncio.timeout(30):
        with pytest.raises(ConfigError) as caught:
            await McpTools.open(reference, timeout_s=1.5)
    elapsed = time.monotonic() - began
    assert str(caught.value) == f"MCP server {reference!r} did not answer within 1.5s"
    assert 1.5 <= elapsed < 15
    pid = int(pid_file.read_text())

    def gone() -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        return state == "Z"

    await eventually(gone, timeout=10, what=f"the hanging MCP server (pid {pid}) to stop")
