"""Structured logs: context on every line of a turn, JSON off a terminal and console on one,
and no secret value in any captured or rendered line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest
import structlog
from structlog.testing import capture_logs

from aiconv.errors import ProviderRejected
from aiconv.observability.logs import (
    REDACTED,
    configure_logging,
    get_logger,
    processors,
    unroute_stdlib_logging,
)
from aiconv.settings import secret_values
from aiconv.testing.providers import ScriptedProvider
from tests.observability.conftest import Rig

CONFIGURED = "my-very-own-proxy-key-123456"
LEAKS = {
    "configured": CONFIGURED,
    "anthropic": "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx",
    "openai": "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345",
    "gemini": "AIzaSyAbCdEfGhIjKlMnOpQrStUvWxYz0123456",
    "xai": "xai-AbCdEfGhIjKlMnOpQrStUvWxYz",
    "perplexity": "pplx-AbCdEfGhIjKlMnOpQrStUvWxYz",
}
SECRETS = secret_values({"OPENROUTER_API_KEY": CONFIGURED, "OLLAMA_HOST": "http://h:11434"})


@pytest.fixture(autouse=True)
def reset_structlog() -> Iterator[None]:
    level = logging.getLogger().level
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    unroute_stdlib_logging()
    logging.getLogger().setLevel(level)


async def leaky_conversation(rig: Rig) -> None:
    """A provider error that quotes every key, and lines that carry keys in fields."""
    message = "upstream said: " + " ".join(LEAKS.values())
    seats = {
        "alice": ScriptedProvider(["hi"], name="anthropic"),
        "bob": ScriptedProvider([ProviderRejected(message, provider="openai")], name="openai"),
    }
    async with asyncio.timeout(10):
        await rig.converse(seats)
    log = get_logger("aiconv.test")
    log.warning("config", api_key=LEAKS["openai"], headers={"Authorization": "Bearer abc"})
    log.info("nested", detail={"keys": [LEAKS["gemini"], f"x{LEAKS['xai']}y"]})
    try:
        raise RuntimeError(f"boom with {CONFIGURED}")
    except RuntimeError:
        log.exception("failed")


async def test_captured_logs_contain_no_secret_value(rig: Rig) -> None:
    with capture_logs(processors=processors(SECRETS)) as captured:
        await leaky_conversation(rig)
    text = json.dumps(captured, default=str)
    assert any(e.get("outcome") == "rejected" for e in captured)
    assert text.count(REDACTED) >= len(LEAKS)
    for name, secret in LEAKS.items():
        assert secret not in text, name


async def test_rendered_json_lines_contain_no_secret_value(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(level="debug", fmt="json", secrets=SECRETS)
    await leaky_conversation(rig)
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines()]
    assert any("exception" in line for line in lines)
    for name, secret in LEAKS.items():
        assert secret not in err, name


async def test_every_line_of_a_turn_carries_conversation_participant_turn_and_trace(
    rig: Rig,
) -> None:
    seats = {
        "alice": ScriptedProvider(["hi", "bye"], name="anthropic"),
        "bob": ScriptedProvider(["yo", "ciao"], name="openai"),
    }
    with capture_logs(processors=processors()) as captured:
        final = await rig.converse(seats, max_turns=4)
    in_turns = [e for e in captured if e["event"] in ("provider.call", "turn.posted")]
    assert len(in_turns) == 8
    for entry in in_turns:
        assert entry["conversation_id"] == final.conversation_id
        assert entry["trace_id"] == final.conversation_id
        assert entry["participant"] in ("alice", "bob")
        assert entry["turn"] in (1, 2, 3, 4)
    assert [e["turn"] for e in in_turns if e["event"] == "turn.posted"] == [1, 2, 3, 4]


def test_standard_library_records_are_redacted_and_rendered_alike(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(level="info", fmt="json", secrets=SECRETS)
    logging.getLogger("openai._base_client").warning("retrying with %s", LEAKS["openai"])
    logging.getLogger("httpx").info("HTTP Request: GET https://x/?key=%s", LEAKS["gemini"])
    logging.getLogger("google_genai").error("key %s rejected", CONFIGURED)
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("openai._base_client", "warning"),
        ("google_genai", "error"),
    ]
    assert all(REDACTED in line["event"] for line in lines)
    for name, secret in LEAKS.items():
        assert secret not in err, name


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_off_a_terminal_and_console_on_one(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    configure_logging(level="info")
    get_logger("t").info("hello", n=1)
    assert json.loads(piped.getvalue())["event"] == "hello"

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    configure_logging(level="info")
    get_logger("t").info("hello", n=1)
    line = re.sub(r"\x1b\[[0-9;]*m", "", terminal.getvalue())
    assert "[info" in line and "hello" in line and "n=1" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


async def test_a_call_cancelled_by_ctrl_c_is_logged_as_info_not_as_a_warning(rig: Rig) -> None:
    """Ctrl+C cancels the call in flight on purpose: aic-start (which logs at warning) prints
    its summary without a ``provider.call`` warning line; a failed call still warns."""
    from aiconv.agents.messages import ChatMessage, ChatRequest
    from aiconv.testing.providers import FunctionProvider

    async def forever(request: ChatRequest) -> str:
        await asyncio.Event().wait()
        return "never"

    request = ChatRequest(model="m", system="", messages=(ChatMessage(role="user", content="hi"),))
    waiting = rig.instrument(FunctionProvider(forever))
    failing = rig.instrument(ScriptedProvider([ProviderRejected("nope")]))
    with capture_logs() as captured:
        call = asyncio.create_task(waiting.complete(request))
        await asyncio.sleep(0)  # the call is in flight
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        with pytest.raises(ProviderRejected):
            await failing.complete(request)
    levels = [(e["outcome"], e["log_level"]) for e in captured if e["event"] == "provider.call"]
    assert levels == [("cancelled", "info"), ("rejected", "warning")]


class _Writes(io.StringIO):
    """Stderr that remembers each write: what an unbuffered stream turns into a system call."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_each_record_is_one_write_so_processes_sharing_stderr_keep_whole_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With PYTHONUNBUFFERED (usual in containers) each write is a system call: a record and
    its newline written apart let another process's line in between (aic worker --processes
    2 logged two JSON objects on one line)."""
    stderr = _Writes()
    monkeypatch.setattr(sys, "stderr", stderr)
    configure_logging(level="info", fmt="json")
    get_logger("t").info("first", n=1)
    logging.getLogger("vendor").warning("second")
    assert len(stderr.writes) == 2
    assert all(w.endswith("\n") and w.count("\n") == 1 for w in stderr.writes)
    assert [json.loads(w)["event"] for w in stderr.writes] == ["first", "second"]
