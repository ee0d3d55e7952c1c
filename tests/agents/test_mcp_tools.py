"""Tools from a real MCP server process (written with the official SDK), over stdio and HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aiconv.agents.toolbox import ToolBox, ToolCallContext, open_tools
from aiconv.agents.tools.mcp import McpTools, StderrRelay
from aiconv.errors import ConfigError
from aiconv.platform.events import ToolCalled
from aiconv.platform.toolrounds import run_call
from aiconv.testing.conditions import eventually

pytestmark = pytest.mark.slow


def context(call_id: str) -> ToolCallContext:
    return ToolCallContext(conversation_id="c", participant="support", call_id=call_id)


def ledger_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "ledger.jsonl"


@pytest.fixture
def http_server(ledger: Path) -> Iterator[str]:
    yield from _serve("http", ledger)


@pytest.fixture
def sse_server(ledger: Path) -> Iterator[str]:
    yield from _serve("sse", ledger)


def _serve(transport: str, ledger: Path) -> Iterator[str]:
    """The bank over HTTP (``http``: streamable HTTP at /mcp; ``sse``: HTTP+SSE at /sse)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiconv.testing.mcp_bank",
            transport,
            "--port",
            str(port),
            "--ledger",
            str(ledger),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/{'mcp' if transport == 'http' else 'sse'}"
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


async def _ready(url: str) -> None:
    async def answers() -> bool:
        try:
            async with httpx.AsyncClient() as client:
                await client.get(url.rsplit("/", 1)[0] + "/", timeout=1)  # /sse never ends
            return True
        except httpx.HTTPError:
            return False

    await eventually(answers, timeout=30)


async def _exercise(box: ToolBox, ledger: Path) -> None:
    names = {spec.name: spec for spec in box.specs()}
    assert set(names) == {"get_balance", "block_card", "transfer"}
    assert names["block_card"].parameters["required"] == ["card_id", "reason"]
    assert box.is_idempotent("transfer") and box.is_idempotent("get_balance")
    assert not box.is_idempotent("block_card")
    balance = await box.call("get_balance", {"account_id": "acc-1"}, context("k0"))
    assert json.loads(balance.content)["balance"] == 1288.65 and not balance.is_error
    missing = await box.call("get_balance", {"account_id": "nope"}, context("k1"))
    assert missing.is_error and "no account nope" in missing.content
    await box.call("block_card", {"card_id": "c-9", "reason": "lost"}, context("k2"))
    for _ in range(2):  # the same idempotency key twice: the server moves the money once
        await box.call(
            "transfer", {"from_account": "acc-1", "to_account": "acc-2", "amount": 5}, context("k3")
        )
    effects = [(e["effect"], e.get("key")) for e in ledger_lines(ledger)]
    assert effects == [("block_card", None), ("transfer", "k3")]


async def test_tools_from_an_mcp_server_over_stdio(ledger: Path) -> None:
    box = await open_tools(
        [f"mcp:stdio:{sys.executable} -m aiconv.testing.mcp_bank stdio --ledger {ledger}"]
    )
    try:
        await _exercise(box, ledger)
    finally:
        await box.aclose()


async def test_tools_from_an_mcp_server_over_streamable_http(
    http_server: str, ledger: Path
) -> None:
    await _ready(http_server)
    box = await open_tools([f"mcp:{http_server}"])
    try:
        await _exercise(box, ledger)
    finally:
        await box.aclose()


async def test_tools_from_an_mcp_server_over_http_and_sse(sse_server: str, ledger: Path) -> None:
    """The older HTTP+SSE transport (servers written before streamable HTTP) as mcp:sse:URL;
    the same URL as mcp:http: is refused by such a server ('Server returned an error')."""
    await _ready(sse_server)
    box = await open_tools([f"mcp:sse:{sse_server}"])
    try:
        await _exercise(box, ledger)
    finally:
        await box.aclose()


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("mcp:stdio:/no/such/server --x", "failed"),
        (f"mcp:stdio:{sys.executable} -c pass", "failed"),
        ("mcp:http://127.0.0.1:1/mcp", "failed"),
        ("mcp:ftp://host/mcp", "use mcp:stdio:COMMAND or mcp:http"),
        ("mcp:sse:ftp://host/sse", "use mcp:stdio:COMMAND or mcp:http"),
        ("mcp:sse:http://user:pw@127.0.0.1:1/sse", "carries credentials"),
        ("mcp:http://user:pw@127.0.0.1:1/mcp", "carries credentials"),
        ("mcp:stdio:", "needs a command"),
    ],
)
async def test_a_server_that_does_not_start_or_answer_is_a_one_line_error(
    reference: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        await open_tools([reference])
    assert "\n" not in str(caught.value)
    assert "pw" not in str(caught.value)


#: An MCP server whose tool names MCP allows (dots) but no vendor accepts.
DOTTED_SERVER = """
from mcp.server.mcpserver import MCPServer

server = MCPServer("dotted")


@server.tool(name="bank.balance")
def balance(account_id: str) -> str:
    return "12"


server.run("stdio")
"""


async def test_a_tool_name_the_vendors_refuse_is_refused_when_the_server_opens(
    tmp_path: Path,
) -> None:
    # MCP allows dots in tool names; Anthropic, OpenAI and Gemini share no such name, so the
    # first model call of every turn would be a 400 ending the conversation: refuse it up front.
    server = tmp_path / "dotted.py"
    server.write_text(DOTTED_SERVER)
    with pytest.raises(ConfigError, match=r"'bank\.balance'.*letters, digits") as caught:
        await open_tools([f"mcp:stdio:{sys.executable} {server}"])
    assert "\n" not in str(caught.value)


#: An MCP server that does a transfer's effect and dies before it answers.
DYING_SERVER = """
import os, sys
from pathlib import Path
from mcp.server.mcpserver import MCPServer

server = MCPServer("dying")


@server.tool()
def transfer(amount: float) -> str:
    \"\"\"Move money.\"\"\"
    with Path(sys.argv[1]).open("a") as ledger:
        ledger.write('{"effect": "transfer"}\\n')
    os._exit(3)


server.run("stdio")
"""


async def test_a_server_that_dies_mid_call_leaves_the_outcome_unknown(
    tmp_path: Path, ledger: Path
) -> None:
    """The effect may have happened before the connection closed: the call is recorded with
    outcome unknown (the model is told to check before repeating it), not as an error it
    might simply retry; a call after that never reached a server and is a plain error."""
    server = tmp_path / "dying.py"
    server.write_text(DYING_SERVER)
    box = await open_tools([f"mcp:stdio:{sys.executable} {server} {ledger}"])
    called = [
        ToolCalled(speaker="support", call_id=f"k{n}", tool="transfer", arguments={"amount": 5})
        for n in (1, 2)
    ]
    try:
        first = await run_call(box, called[0], context("k1"), timeout_s=20)
        second = await run_call(box, called[1], context("k2"), timeout_s=20)
    finally:
        await box.aclose()
    assert ledger_lines(ledger) == [{"effect": "transfer"}]
    assert first[1] == "unknown" and first[0].is_error and "unknown" in first[0].content
    assert second[1] == "error" and "not running" in second[0].content


ENV_SERVER = """
import json, os
from mcp.server.mcpserver import MCPServer

server = MCPServer("env")


@server.tool()
def settings() -> str:
    \"\"\"What the server was given.\"\"\"
    return json.dumps({name: os.environ.get(name) for name in ("BANK_TOKEN", "OPENAI_API_KEY")})


server.run("stdio")
"""


async def test_a_stdio_server_inherits_the_environment_but_not_the_vendors_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret the server needs goes in an environment variable (a command line is recorded):
    the server is given the environment, as a command run from a shell is (the SDK's default
    was PATH, HOME and a few more), without the model vendors' keys it has no use for."""
    monkeypatch.setenv("BANK_TOKEN", "bank-secret-1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-AbCdEfGhIjKlMnOpQrSt")
    server = tmp_path / "env_server.py"
    server.write_text(ENV_SERVER)
    box = await open_tools([f"mcp:stdio:{sys.executable} {server}"])
    try:
        output = await box.call("settings", {}, context("k1"))
    finally:
        await box.aclose()
    given = json.loads(json.loads(output.content)["result"])
    assert given == {"BANK_TOKEN": "bank-secret-1", "OPENAI_API_KEY": None}


NOISY_SERVER = """
import sys
from mcp.server.mcpserver import MCPServer

server = MCPServer("noisy")
sys.stderr.write("\\x1b]0;pwned\\x07\\x1b[2Jstarting, key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv\\n")
sys.stderr.flush()


@server.tool()
def shout() -> str:
    \"\"\"Write a very long line to stderr, then answer.\"\"\"
    sys.stderr.write("z" * 5000 + "\\n")
    sys.stderr.flush()
    return "done"


server.run("stdio")
"""


async def test_a_stdio_servers_stderr_reaches_the_log_as_text_never_the_terminal_raw(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A stdio server's stderr was this process's stderr: a terminal escape it printed moved
    the cursor, cleared the screen or retitled the terminal, and a key it printed was shown.
    Its lines now reach the log, prefixed with the server, their control characters written as
    codes, keys redacted and long lines cut."""
    server = tmp_path / "noisy.py"
    server.write_text(NOISY_SERVER)
    box = await open_tools([f"mcp:stdio:{sys.executable} {server}"])
    try:
        assert (await box.call("shout", {}, context("k1"))).content == '{"result": "done"}'
    finally:
        await box.aclose()
    lines = [r.getMessage() for r in caplog.records if r.name == "aiconv.mcp"]
    assert len(lines) == 2, lines
    first, long = lines
    assert first.startswith("MCP server stdio:") and f"{server.name}: " in first
    assert first.endswith("\\x1b]0;pwned\\x07\\x1b[2Jstarting, key [REDACTED]")
    assert long.endswith("z" * 2000 + "…(3000 more)")
    raw = capfd.readouterr()
    assert "\x1b" not in raw.err + raw.out and "AbCdEfGh" not in raw.err + raw.out


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


async def test_an_open_cancelled_while_the_server_starts_stops_the_server(tmp_path: Path) -> None:
    """A conversation cancelled while its stdio server started (it never answered) left the
    server running, with its task and its pipes, for the life of the process."""
    pidfile = tmp_path / "pid"
    opening = asyncio.create_task(
        McpTools.open(f"stdio:/bin/sh -c 'echo $$ > {pidfile}; exec sleep 60'")
    )
    await eventually(lambda: pidfile.exists() and pidfile.read_text().strip(), timeout=10)
    pid = int(pidfile.read_text())
    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    await eventually(lambda: not _alive(pid), timeout=10, what="the server stopping")


async def test_a_relay_cancelled_while_it_starts_closes_no_one_elses_file(tmp_path: Path) -> None:
    """The relay closed its pipe's number when cancelled as it connected, and the transport
    closed it again a moment later: by then the number was another connection's (here a file
    opened just after), which lost it."""
    opened: list[int] = []

    async def open_a_file() -> None:
        opened.append(os.open(tmp_path / "other", os.O_RDWR | os.O_CREAT))

    starting = asyncio.create_task(StderrRelay.start("stdio:x"))
    await asyncio.sleep(0)  # it waits for the pipe's transport
    starting.cancel()
    asyncio.create_task(open_a_file())  # noqa: RUF006 - awaited through its effect below
    with pytest.raises(asyncio.CancelledError):
        await starting
    for _ in range(5):
        await asyncio.sleep(0)
    try:
        os.fstat(opened[0])  # OSError (a bad file descriptor) when closed under us
    finally:
        os.close(opened[0])


async def test_a_relay_whose_pipe_a_child_still_holds_closes_its_end_all_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server's child left holding the pipe (a daemon): the relay stopped reading after its
    wait but kept its end open, and read into it, as long as that child lived."""
    monkeypatch.setattr(StderrRelay, "CLOSE_WAIT_S", 0.2)
    relay = await StderrRelay.start("stdio:x")
    pipe = os.readlink(f"/proc/self/fd/{relay.errlog.fileno()}")  # pipe:[inode], both ends
    holder = await asyncio.create_subprocess_exec("sleep", "60", stderr=relay.errlog)
    try:
        await relay.close()

        def ours() -> list[str]:
            return [
                fd for fd in os.listdir("/proc/self/fd") if _readlink(f"/proc/self/fd/{fd}") == pipe
            ]

        await eventually(lambda: not ours(), timeout=5, what="the relay closing its end")
    finally:
        holder.kill()
        await holder.wait()


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:  # closed since it was listed
        return None


async def test_a_key_across_the_cut_of_a_long_stderr_line_is_redacted_whole(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A long line was cut before keys were redacted: a key across the cut lost the length
    the redaction recognises, and its first characters were logged."""
    from aiconv.agents.tools.mcp import StderrRelay, _relay

    reader = asyncio.StreamReader()
    key = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv"
    reader.feed_data(("z" * (StderrRelay.MAX_LINE - 8) + key + "\n").encode())
    reader.feed_eof()
    await _relay(reader, "srv")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "aiconv.mcp"]
    assert "sk-ant" not in line and "[REDACTE" in line, line


async def test_a_server_flooding_stderr_is_logged_at_a_bounded_rate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each stderr line was a warning: a server printing thousands, in each of many
    conversations, flooded the log. A burst is logged, the rest counted and said as a number."""
    from aiconv.agents.tools.mcp import _Allowance, _relay

    reader = asyncio.StreamReader()
    reader.feed_data(b"".join(b"line %d\n" % n for n in range(5000)))
    reader.feed_eof()
    await _relay(reader, "srv")
    lines = [r.getMessage() for r in caplog.records if r.name == "aiconv.mcp"]
    assert len(lines) <= _Allowance.BURST + 5, len(lines)
    shown = sum(1 for line in lines if "not shown" not in line)
    dropped = sum(int(line.split(": ")[1].split()[0]) for line in lines if "not shown" in line)
    assert lines[0] == "MCP server srv: line 0" and shown + dropped == 5000
