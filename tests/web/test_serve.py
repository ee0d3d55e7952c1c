"""``aic serve`` as a real subprocess: it binds loopback by default and serves the log."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from click.testing import CliRunner

from aiconv.cli.serve import allowed_hosts, serve
from aiconv.queues.sqlite import SqliteLog
from aiconv.testing.processes import cli_env, reap, run_aic, spawn_aic
from tests.web.conftest import converse
from tests.web.served import served


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_when_up(url: str, process: subprocess.Popen[str], timeout: float = 20) -> Any:
    """The JSON at ``url`` once the server answers (fails if it exits or the deadline passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"aic serve exited: {process.communicate()[1]}")
        try:
            return httpx.get(url, timeout=2).json()
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@pytest.mark.slow
def test_aic_serve_shows_the_log_on_loopback_only(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    asyncio.run(_seed(db))
    port = free_port()
    server = spawn_aic("serve", "--db", str(db), "--port", str(port))
    try:
        body = get_when_up(f"http://127.0.0.1:{port}/api/conversations", server)
        foreign = httpx.get(
            f"http://127.0.0.1:{port}/api/health", headers={"Host": "evil.example"}, timeout=5
        )
        listening = {c.laddr for c in _listening(server.pid)}
    finally:
        server.terminate()
        try:
            _, stderr = server.communicate(timeout=15)
        finally:
            reap(server)
    assert [item["topic"] for item in body["items"]] == ["Served"]
    assert foreign.status_code == 400
    assert listening == {("127.0.0.1", port)}
    assert f"on http://127.0.0.1:{port}/ (read-only)" in stderr


async def _seed(db: Path) -> None:
    log = await SqliteLog.open(db)
    try:
        await converse(log, topic="Served", max_turns=2)
    finally:
        await log.close()


def _listening(pid: int) -> list[Any]:
    return [c for c in psutil.Process(pid).net_connections("tcp") if c.status == "LISTEN"]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_aic_serve_stopped_by_a_signal_exits_130(tmp_path: Path, stop: signal.Signals) -> None:
    """The README's exit code for SIGINT and SIGTERM alike; SIGTERM gave 143."""
    db = tmp_path / "runs.db"
    assert run_aic("start", "--max-turns", "1", "--quiet", "--db", str(db)).returncode == 0
    server = spawn_aic("serve", "--db", str(db), "--port", "0", "--json")
    try:
        assert server.stdout is not None
        assert json.loads(server.stdout.readline())["url"].startswith("http://127.0.0.1:")
        server.send_signal(stop)
        assert server.wait(timeout=30) == 130
    finally:
        reap(server)


def test_aic_serve_rejects_a_bad_port_with_exit_code_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(serve, ["--db", str(tmp_path / "x.db"), "--port", "70000"])
    assert result.exit_code == 2
    assert "'--port': must be between 0 and 65535" in result.output


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("::", False)],
)
def test_only_loopback_serving_restricts_host_headers(host: str, expected: bool) -> None:
    assert (allowed_hosts(host) is not None) is expected


def test_serve_with_an_unreachable_log_is_one_line_and_exits() -> None:
    """The log is opened before the server starts: a Redis that is down is a clear error."""
    from aiconv.testing.processes import run_aic

    result = run_aic("serve", "--log-url", "redis://127.0.0.1:1/0?deadline=1", "--port", "0")
    assert result.returncode == 1
    assert "did not answer" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_token_in_dotenv_turns_on_the_write_api_of_aic_serve(tmp_path: Path) -> None:
    """AIC_API_TOKEN is read through the settings (here from .env); the person talks to echo."""
    token = "dotenv-token-0123456789abcdef"
    (tmp_path / ".env").write_text(f"AIC_API_TOKEN={token}\n")
    auth = {"Authorization": f"Bearer {token}"}
    with served(tmp_path / "talk.db", cwd=tmp_path) as server:
        base = server.url
        opened = httpx.post(
            f"{base}/api/conversations", json={"agent": "echo", "topic": "hi"}, headers=auth
        )
        said = httpx.post(
            f"{base}{opened.json()['messages_url']}", json={"content": "ping"}, headers=auth
        )
        wrong = httpx.post(
            f"{base}/api/conversations", json={"agent": "echo", "topic": "hi"}, headers={}
        )
    assert opened.status_code == 201, opened.text
    assert said.status_code == 201, said.text
    assert wrong.status_code == 401
    assert "(write API on, bearer token required)" in server.stderr


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_the_write_api_refuses_an_agent_whose_local_server_is_not_running(
    tmp_path: Path,
) -> None:
    """``ollama`` with nothing listening where OLLAMA_HOST points: 502 saying so, as ``aic
    start`` refuses it (exit 1), and nothing written; it was 201 and a conversation that could
    never get a reply."""
    token = "ollama-token-0123456789abcdef"
    port = free_port()
    env = cli_env({"AIC_API_TOKEN": token, "OLLAMA_HOST": f"http://127.0.0.1:{port}"})
    auth = {"Authorization": f"Bearer {token}"}
    with served(tmp_path / "talk.db", env=env, cwd=tmp_path) as server:
        base = server.url
        opened = httpx.post(
            f"{base}/api/conversations", json={"agent": "ollama"}, headers=auth, timeout=20
        )
        listed = httpx.get(f"{base}/api/conversations", timeout=10)
        echo = httpx.post(f"{base}/api/conversations", json={"agent": "echo"}, headers=auth)
    assert opened.status_code == 502, opened.text
    error = opened.json()["error"]
    assert f"ollama: nothing answers at http://127.0.0.1:{port}" in error
    assert "is it running? (or set OLLAMA_BASE_URL or OLLAMA_HOST to where it is)" in error
    assert listed.status_code == 200 and listed.json()["total"] == 0, listed.text
    assert echo.status_code == 201, echo.text  # an agent that needs no server still opens
    cli = run_aic(
        "start", "--db", str(tmp_path / "cli.db"), "--agent1", "ollama", "--agent2", "mock",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert cli.returncode == 1
    assert error in cli.stderr


@pytest.mark.parametrize("token", ["short", " padded-token-0123456789 "])
def test_aic_serve_refuses_a_weak_token_with_exit_code_2(tmp_path: Path, token: str) -> None:
    result = CliRunner().invoke(
        serve, ["--db", str(tmp_path / "x.db"), "--port", "0"], env={"AIC_API_TOKEN": token}
    )
    assert result.exit_code == 2
    assert "AIC_API_TOKEN must be at least 16 printable characters" in result.output
    assert list(tmp_path.iterdir()) == []
