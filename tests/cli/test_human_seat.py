"""``aic-start --agent1 human``: a person takes a seat in a real terminal (a pseudo-terminal
driving a real ``aic-start`` process), or gets a one-line error without one."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest

from aiconv.agents.catalog import default_registry
from aiconv.agents.guarded import Guards
from aiconv.agents.human import LEFT_SEAT, HumanProvider
from aiconv.agents.provider import ChatProvider
from aiconv.cli.seat import TerminalSeat, seat_people
from aiconv.errors import ConfigError
from aiconv.platform.session import load_recorded
from aiconv.queues.sqlite import SqliteLog
from aiconv.testing.processes import aic_command, cli_env

pytestmark = pytest.mark.slow


class Terminal:
    """A process on a pseudo-terminal: what it has printed, and keys to type."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            list(args), stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
        )
        os.close(slave)
        self.screen = ""

    def expect(self, text: str, *, after: int = 0, timeout: float = 30) -> int:
        """Wait until ``text`` shows up past offset ``after``; where it ends."""
        deadline = time.monotonic() + timeout
        while (found := self.screen.find(text, after)) < 0:
            left = deadline - time.monotonic()
            if left <= 0 or not self._more(left):
                raise AssertionError(f"{text!r} never showed up; the screen:\n{self.screen}")
        return found + len(text)

    def _more(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # the process has exited and closed the terminal
            return False
        self.screen += chunk.decode(errors="replace")
        return bool(chunk)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self, timeout: float = 30) -> int:
        try:
            while self._more(0.2):
                pass
            return self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)
            os.close(self.master)


def run_without_terminal(*args: str) -> subprocess.CompletedProcess[str]:
    """``aic ARGS`` with stdin that is no terminal (as under CI, a pipe or cron)."""
    return subprocess.run(
        aic_command(*args),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
        check=False,
    )


async def _ended(db: Path) -> tuple[str, str, list[tuple[str, str]]]:
    log = await SqliteLog.open(db)
    try:
        [entry] = await log.list_conversations()
        state, _ = await load_recorded(log, entry.conversation_id)
    finally:
        await log.close()
    assert state.ended is not None
    return state.ended.reason, state.ended.by, [(m.sender, m.content) for m in state.messages]


def test_a_person_talks_in_the_terminal_and_ctrl_d_leaves_the_seat(tmp_path: Path) -> None:
    db = tmp_path / "talk.db"
    argv = aic_command("start", "--agent1", "human", "--agent2", "echo", "--max-turns", "9")
    terminal = Terminal(*argv, "--db", str(db), "--topic", "Refunds", env=cli_env())
    try:
        at = terminal.expect("human> ")
        terminal.type("Hello there\n")
        at = terminal.expect("Hello there", after=terminal.expect("echo", after=at))
        at = terminal.expect("human> ", after=at)
        terminal.type("\n")  # an empty line asks again
        at = terminal.expect("human> ", after=at)
        terminal.type("\x04")  # Ctrl+D
        terminal.expect(LEFT_SEAT, after=at)
        code = terminal.close()
    except BaseException:
        terminal.close()
        raise
    assert code == 0, terminal.screen
    reason, by, messages = asyncio.run(_ended(db))
    assert (reason, by) == (LEFT_SEAT, "human")
    assert messages == [("human", "Hello there"), ("echo", "Hello there")]


def test_a_pasted_message_of_several_lines_is_one_message(tmp_path: Path) -> None:
    """Lines that reach the terminal together (a paste) are one message, not one turn each
    answered before the person has read the answer to the one before."""
    db = tmp_path / "paste.db"
    argv = aic_command("start", "--agent1", "human", "--agent2", "echo", "--max-turns", "9")
    terminal = Terminal(*argv, "--db", str(db), "--topic", "Lost card", env=cli_env())
    pasted = "Hello there\nI lost my card\nCan you help?"
    try:
        at = terminal.expect("human> ")
        terminal.type(pasted + "\n")
        at = terminal.expect("human> ", after=terminal.expect("echo", after=at))
        terminal.type("\x04")  # Ctrl+D
        terminal.expect(LEFT_SEAT, after=at)
        code = terminal.close()
    except BaseException:
        terminal.close()
        raise
    assert code == 0, terminal.screen
    _, _, messages = asyncio.run(_ended(db))
    assert messages == [("human", pasted), ("echo", pasted)]


def test_a_conversation_that_times_out_at_the_prompt_lets_the_command_end(tmp_path: Path) -> None:
    """--timeout ends the conversation while the person has the turn: the prompt is given up
    and aic-start exits. It printed the end and then waited at the prompt for ever (the
    person's turn has no timeout of its own), until Ctrl+C made it 'interrupted'."""
    db = tmp_path / "late.db"
    argv = aic_command("start", "--agent1", "human", "--agent2", "echo", "--timeout", "3")
    terminal = Terminal(*argv, "--db", str(db), "--topic", "Lost card", env=cli_env())
    try:
        terminal.expect("human> ")
        code = terminal.close(timeout=30)
    except BaseException:
        terminal.close()
        raise
    assert code == 0, terminal.screen
    reason, _, messages = asyncio.run(_ended(db))
    assert (reason, messages) == ("timeout", [])


def test_keys_that_send_escape_sequences_leave_nothing_in_the_message(tmp_path: Path) -> None:
    """Cursor keys, a function key, a bell and bytes that are not UTF-8 typed at the prompt: the
    message is the text. The sequences went into the message and on to the agent (ESC [ D for
    the left arrow, as a terminal without line editing sends it)."""
    db = tmp_path / "keys.db"
    argv = aic_command("start", "--agent1", "human", "--agent2", "echo", "--max-turns", "2")
    terminal = Terminal(*argv, "--db", str(db), "--topic", "Lost card", env=cli_env())
    try:
        terminal.expect("human> ")
        os.write(terminal.master, b"Hello\x1b[D\x1b[C\x1bOP the\x07re caf\xe9\r\n")
        code = terminal.close()
    except BaseException:
        terminal.close()
        raise
    assert code == 0, terminal.screen
    _, _, messages = asyncio.run(_ended(db))
    assert messages[0] == ("human", "Hello there caf\ufffd")


def test_a_human_seat_without_a_terminal_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    result = run_without_terminal("start", "--agent1", "human", "--agent2", "echo", "--db", str(db))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "stdin is not a terminal" in lines[0]
    assert "AIC_API_TOKEN" in lines[0]
    assert not db.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_human_seat_cannot_be_detached(tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    result = run_without_terminal("start", "--agent1", "human", "--detach", "--db", str(db))
    assert result.returncode == 2, result.stderr
    assert "cannot be detached" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_terminal_takes_the_person_seat_without_its_guards() -> None:
    registry = default_registry()
    guarded = Guards().wrap(registry.build(registry.resolve("human")))
    echo = registry.build(registry.resolve("echo"))
    providers: dict[str, ChatProvider] = {"me": guarded, "echo": echo}
    [seat] = seat_people(providers, interactive=True, make=lambda name: TerminalSeat(name, fd=0))
    assert seat.person == "me"
    assert isinstance(providers["me"], HumanProvider)
    assert providers["me"].source is seat
    assert providers["echo"] is echo


@pytest.mark.parametrize(
    ("agents", "interactive", "detached", "message"),
    [
        (("human", "echo"), False, False, "stdin is not a terminal"),
        (("human", "echo"), True, True, "cannot be detached"),
        (("human", "person"), True, False, "one terminal seats one person, not 2"),
    ],
)
def test_a_seat_nobody_can_take_is_a_config_error(
    agents: tuple[str, str], interactive: bool, detached: bool, message: str
) -> None:
    registry = default_registry()
    providers = {f"p{i}": registry.build(registry.resolve(a)) for i, a in enumerate(agents)}
    with pytest.raises(ConfigError, match=message):
        seat_people(providers, interactive=interactive, detached=detached)


def test_no_human_seat_needs_no_terminal() -> None:
    registry = default_registry()
    providers = {"a": registry.build(registry.resolve("echo"))}
    assert seat_people(providers, interactive=False, detached=True) == []
