"""Tools from the command line: a run with tools, aic tools list, bad tool input, and kill -9 of
the process in the middle of a tool call on SQLite and on Redis (the side effect happens once)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiconv.platform import codec
from aiconv.platform.events import AgentFailed, Event, ToolCalled, ToolReturned
from aiconv.queues.urls import open_log
from aiconv.testing.conditions import eventually
from aiconv.testing.processes import cli_env, run_aic, spawn_aic
from aiconv.testing.redis_server import RedisServer, has_redis_server

ROOT = Path(__file__).resolve().parents[2]
BANKING = str(ROOT / "examples" / "tools" / "banking.py")


def jsonl(path: Path, lines: list[dict[str, object]]) -> str:
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return str(path)


def scripts(tmp_path: Path) -> tuple[str, str]:
    customer = jsonl(
        tmp_path / "customer.jsonl",
        [
            {"content": "I lost my card. I am cust-1001, born 1984-03-12."},
            {"content": "Thank you, that is all."},
        ],
    )
    agent = jsonl(
        tmp_path / "agent.jsonl",
        [
            {
                "content": "Let me verify you first.",
                "tool_calls": [
                    {
                        "name": "verify_identity",
                        "arguments": {"customer_id": "cust-1001", "date_of_birth": "1984-03-12"},
                    }
                ],
            },
            {
                "tool_calls": [
                    {"name": "block_card", "arguments": {"card_id": "card-1001", "reason": "lost"}}
                ]
            },
            {"content": "Your card ending 4421 is blocked."},
        ],
    )
    return f"script:{customer}", f"script:{agent}"


@pytest.mark.slow
def test_aic_start_runs_an_agent_with_tools_and_records_every_call(tmp_path: Path) -> None:
    customer, agent = scripts(tmp_path)
    done = run_aic(
        "start", "--agent1", customer, "--name1", "customer", "--agent2", agent, "--name2",
        "support", "--tools2", BANKING, "--max-turns", "4", "--json",
        "--db", str(tmp_path / "runs.db"), env=cli_env(home=tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    calls = document["tool_calls"]
    assert [(c["tool"], c["outcome"]) for c in calls] == [
        ("verify_identity", "ok"),
        ("block_card", "ok"),
    ]
    assert calls[1]["content"] == "card card-1001 blocked (lost)"
    assert document["participants"][1]["tools"] == [BANKING]
    support = [m for m in document["messages"] if m["sender"] == "support"]
    assert support[0]["content"] == "Your card ending 4421 is blocked."
    shown = run_aic("show", document["conversation_id"], "--db", str(tmp_path / "runs.db"),
                    env=cli_env(home=tmp_path))  # fmt: skip
    assert "block_card" in shown.stdout and "card card-1001 blocked" in shown.stdout
    markdown = run_aic("export", document["conversation_id"], "--format", "md",
                       "--db", str(tmp_path / "runs.db"), env=cli_env(home=tmp_path))  # fmt: skip
    assert "block_card" in markdown.stdout


def test_every_export_format_names_the_participant_of_a_tool_event(tmp_path: Path) -> None:
    """``--format jsonl`` gives tool events ``participant``, as ``--format json`` and the
    Python events do (``speaker`` stays, for readers written against it)."""
    customer, agent = scripts(tmp_path)
    db, env = str(tmp_path / "runs.db"), cli_env(home=tmp_path)
    done = run_aic(
        "start", "--agent1", customer, "--name1", "customer", "--agent2", agent, "--name2",
        "support", "--tools2", BANKING, "--max-turns", "4", "--json", "--db", db,
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    cid = json.loads(done.stdout)["conversation_id"]
    lines = run_aic("export", cid, "--format", "jsonl", "--db", db, env=env).stdout.splitlines()
    tools = [r for r in map(json.loads, lines) if r["kind"] in ("ToolCalled", "ToolReturned")]
    assert [r["kind"] for r in tools] == ["ToolCalled", "ToolReturned"] * 2
    assert all(r["data"]["participant"] == r["data"]["speaker"] == "support" for r in tools)
    document = json.loads(run_aic("export", cid, "--format", "json", "--db", db, env=env).stdout)
    assert {c["participant"] for c in document["tool_calls"]} == {"support"}


def test_aic_tools_list_describes_every_tool() -> None:
    done = run_aic("tools", "list", "--tools", BANKING, "--json")
    assert done.returncode == 0, done.stderr
    tools = {t["name"]: t for t in json.loads(done.stdout)["tools"]}
    assert set(tools) == {
        "verify_identity",
        "get_balance",
        "block_card",
        "order_replacement_card",
        "transfer_to_human",
    }
    assert tools["block_card"]["parameters"]["properties"]["reason"]["enum"] == [
        "lost",
        "stolen",
        "damaged",
    ]
    assert tools["verify_identity"]["idempotent"] and not tools["block_card"]["idempotent"]
    # "name, description, schema": the schema under its own name too, the same document.
    assert all(tool["schema"] == tool["parameters"] for tool in tools.values())
    assert tools["block_card"]["schema"]["required"] == ["card_id", "reason"]


#: A key in a stdio server's command line (it would be recorded with the conversation).
KEY = "sk-live-AbCdEfGhIjKlMnOpQrStUv"

BAD_TOOLS = {
    "missing.py": None,
    "broken.py": "import no_such_module_anywhere\n",
    "untyped.py": "def lookup(card_id):\n    return card_id\n",
}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tools2", "missing.py"], "does not exist"),
        (["--tools2", "broken.py"], "does not import"),
        (["--tools2", "untyped.py"], "has no type hint"),
        (["--tools2", "dup_a.py", "--tools2", "dup_b.py"], "two tools are called 'lookup'"),
        (["--agent2", "echo", "--tools2", "dup_a.py"], "cannot call tools"),
        (["--agent2", "mock", "--tools2", "dup_a.py"], "mock:tools=auto"),
        (["--tools2", "mcp:stdio:/no/such/mcp-server"], "MCP server"),
        (["--tools2", f"mcp:stdio:bank-server --api-key {KEY}"], "carries a secret"),
        (["--tools", "nobody=dup_a.py"], "is not a participant"),
        (["--tools", "no-equals"], "NAME=REF"),
        (["--tool-timeout", "nan"], "--tool-timeout"),
    ],
)
def test_bad_tool_input_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    for name, body in BAD_TOOLS.items():
        if body is not None:
            (tmp_path / name).write_text(body)
    (tmp_path / "dup_a.py").write_text("def lookup(x: int) -> int:\n    return x\n")
    (tmp_path / "dup_b.py").write_text("def lookup(y: str) -> str:\n    return y\n")
    before = set(tmp_path.iterdir())
    done = run_aic(
        "start", "--agent1", "mock", "--agent2", "mock:tools=auto", *args,
        "--db", str(tmp_path / "runs.db"), env=cli_env(home=tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert KEY not in done.stderr
    assert set(tmp_path.iterdir()) == before  # no log, no lock, nothing


SLOW_TOOL = """
    import asyncio, json
    from pathlib import Path
    from aiconv import ToolCallContext, tool

    LEDGER = Path({ledger!r})

    @tool(idempotent={idempotent})
    async def transfer(amount: float, context: ToolCallContext) -> str:
        \"\"\"Move money; the effect is written to the ledger, then the call hangs.\"\"\"
        done = [json.loads(l) for l in LEDGER.read_text().splitlines()] if LEDGER.exists() else []
        if any(entry["key"] == context.call_id for entry in done):
            return "already done"  # an idempotent tool deduplicates by its idempotency key
        with LEDGER.open("a") as out:
            out.write(json.dumps({{"key": context.call_id, "amount": amount}}) + "\\n")
        await asyncio.Event().wait()  # the process is killed here, mid-call
        return "moved"
"""


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if not has_redis_server():
        pytest.skip("redis-server is not installed")
    with RedisServer(tmp_path / "redis") as server:
        yield server.url


def _log_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.db'}"
    url: str = request.getfixturevalue("redis_url")
    return url


async def _events(url: str, cid: str) -> list[Event]:
    async with open_log(url) as log:
        return [r.event for r in codec.decode_all(await log.read(cid))]


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("backend", ["sqlite", "redis"])
@pytest.mark.parametrize("idempotent", [False, True])
async def test_kill_9_in_the_middle_of_a_tool_call_never_repeats_its_effect(
    tmp_path: Path, backend: str, idempotent: bool, request: pytest.FixtureRequest
) -> None:
    """The instance running a call dies; the one that takes over reruns it only if it is
    idempotent (with the same key, so the tool deduplicates) and else records that its outcome
    is unknown. Either way the effect happened exactly once."""
    url = _log_url(backend, tmp_path, request)
    ledger = tmp_path / "ledger.jsonl"
    tools = tmp_path / "slow_tools.py"
    tools.write_text(textwrap.dedent(SLOW_TOOL.format(ledger=str(ledger), idempotent=idempotent)))
    customer = jsonl(
        tmp_path / "c.jsonl", [{"content": "Please send 5 pounds to Sam."}, {"content": "Thanks!"}]
    )
    agent = jsonl(
        tmp_path / "a.jsonl",
        [
            {"tool_calls": [{"name": "transfer", "arguments": {"amount": 5}}]},
            {"content": "I have checked the transfer."},
        ],
    )
    env = cli_env(home=tmp_path)
    started = await asyncio.to_thread(
        run_aic, "start", "--detach", "--log-url", url, "--agent1", f"script:{customer}", "--name1",
        "customer", "--agent2", f"script:{agent}", "--name2", "support", "--tools2", str(tools),
        "--lease", "1", "--max-turns", "3", env=env, cwd=tmp_path,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    cid = started.stdout.strip().splitlines()[-1]
    victim = spawn_aic("resume", cid, "--log-url", url, "--quiet", env=env, cwd=tmp_path)
    try:
        await eventually(lambda: ledger.exists() and ledger.read_text().strip() != "", timeout=60)
    finally:
        victim.send_signal(signal.SIGKILL)
        await asyncio.to_thread(victim.communicate, timeout=30)
    survivor = await asyncio.to_thread(
        run_aic, "resume", cid, "--log-url", url, "--quiet", env=env, cwd=tmp_path, timeout=120
    )
    assert survivor.returncode == 0, survivor.stderr
    assert len(ledger.read_text().splitlines()) == 1  # the money moved exactly once
    events = await _events(url, cid)
    called = [e for e in events if isinstance(e, ToolCalled)]
    returned = [e for e in events if isinstance(e, ToolReturned)]
    assert len(called) == 1 and len(returned) == 1
    assert returned[0].call_id == called[0].call_id
    if idempotent:
        assert (returned[0].outcome, returned[0].rerun, returned[0].content) == (
            "ok",
            True,
            "already done",
        )
    else:
        assert returned[0].outcome == "unknown"
        assert [e.error_kind for e in events if isinstance(e, AgentFailed)] == [
            "tool_outcome_unknown"
        ]


def test_aic_tools_list_shows_the_values_an_argument_may_take() -> None:
    """A ``Literal`` argument's values are in the table, not only in ``--json``."""
    done = run_aic("tools", "list", "--tools", BANKING)
    assert done.returncode == 0, done.stderr
    assert "reason*: lost|stolen|damaged" in done.stdout, done.stdout


def test_a_sync_tool_that_never_returns_does_not_hold_the_process_at_exit(tmp_path: Path) -> None:
    """The call times out and the conversation ends; the thread still blocked in the tool is
    left behind, and the process exits instead of waiting for it forever."""
    (tmp_path / "stuck.py").write_text(
        "import threading\n\n"
        "def lookup(card_id: str) -> str:\n"
        '    """Look a card up (the backend never answers)."""\n'
        "    threading.Event().wait()\n"
        '    return "never"\n'
    )
    agent = jsonl(
        tmp_path / "agent.jsonl",
        [{"tool_calls": [{"name": "lookup", "arguments": {"card_id": "c1"}}]}, {"content": "Hm."}],
    )
    done = run_aic(
        "start", "--agent1", "mock", "--agent2", f"script:{agent}", "--tools2", "stuck.py",
        "--tool-timeout", "1", "--max-turns", "2", "--json", "--db", str(tmp_path / "runs.db"),
        env=cli_env(home=tmp_path), cwd=tmp_path, timeout=90,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [call] = json.loads(done.stdout)["tool_calls"]
    assert call["outcome"] == "timeout"


def test_aic_tools_list_shows_enum_optional_and_union_arguments_by_their_values(
    tmp_path: Path,
) -> None:
    """An ``Enum`` argument is a ``$ref`` in the schema and an optional or union one an
    ``anyOf``: the table shows their values and types (it said 'object' for all three)."""
    (tmp_path / "cards.py").write_text(
        textwrap.dedent(
            """
            import enum

            class Reason(enum.Enum):
                LOST = "lost"
                STOLEN = "stolen"

            def block_card(reason: Reason, note: str | None = None, copies: int | str = 1) -> str:
                \"\"\"Block a card.\"\"\"
                return "blocked"
            """
        )
    )
    done = run_aic(
        "tools", "list", "--tools", str(tmp_path / "cards.py"), env={**cli_env(), "COLUMNS": "200"}
    )
    assert done.returncode == 0, done.stderr
    assert "reason*: lost|stolen" in done.stdout, done.stdout
    assert "note: string|null" in done.stdout and "copies: integer|string" in done.stdout


NOISY_SERVER = """
from mcp.server.mcpserver import MCPServer

print("starting the bank server \\x1b[31mv2\\x1b[0m", flush=True)  # on stdout, the protocol's
server = MCPServer("noisy")


@server.tool()
def balance(account_id: str) -> str:
    \"\"\"An account's balance.\"\"\"
    return "12"


server.run("stdio")
"""


@pytest.mark.slow
def test_an_mcp_server_printing_to_stdout_is_one_warning_line_not_a_traceback(
    tmp_path: Path,
) -> None:
    """The SDK skips a line that is not JSON-RPC and logs it with its traceback: the user reads
    one line saying what the server wrote (escaped), and the tools are listed."""
    (tmp_path / "noisy.py").write_text(NOISY_SERVER)
    done = run_aic("tools", "list", "--tools", f"mcp:stdio:{sys.executable} noisy.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "balance" in done.stdout
    assert "Traceback" not in done.stderr and "\x1b" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "starting the bank" in done.stderr


async def test_a_sync_tool_running_when_the_process_is_interrupted_finishes_its_effect(
    tmp_path: Path,
) -> None:
    """Ctrl+C in the middle of a sync tool's call: the process gives the thread a few seconds
    to finish before it exits, as it did when the thread was the executor's, instead of
    stopping it half-way through its effect (a daemon thread dies with the interpreter)."""
    ledger = tmp_path / "ledger.txt"
    (tmp_path / "slow.py").write_text(
        "import time\nfrom pathlib import Path\n\n"
        "def transfer(amount: float) -> str:\n"
        '    """Move money: it takes the bank a second."""\n'
        f"    ledger = Path({str(ledger)!r})\n"
        '    ledger.write_text("started\\n")\n'
        "    time.sleep(1.5)\n"
        '    ledger.write_text("started\\ndone\\n")\n'
        '    return "moved"\n'
    )
    agent = jsonl(
        tmp_path / "agent.jsonl",
        [{"tool_calls": [{"name": "transfer", "arguments": {"amount": 5}}]}, {"content": "Ok."}],
    )
    process = spawn_aic(
        "start", "--agent1", "mock", "--agent2", f"script:{agent}", "--tools2", "slow.py",
        "--max-turns", "2", "--quiet", "--db", str(tmp_path / "runs.db"),
        env=cli_env(home=tmp_path), cwd=tmp_path,
    )  # fmt: skip
    try:
        await eventually(lambda: ledger.exists() and "started" in ledger.read_text(), timeout=60)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert ledger.read_text().split() == ["started", "done"]
