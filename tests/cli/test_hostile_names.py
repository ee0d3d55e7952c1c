"""Names and content with terminal escape sequences, in a log written before names were
checked (or by another program), reach the terminal neutralised through ``aic show``,
``aic ls`` and the summary that ``aic resume`` prints."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

import aiconv
from aiconv.cli.main import aic
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ConversationStarted, MessagePosted, ParticipantSpec
from aiconv.platform.termination import StopReason

EVIL = "evil\x1b]0;pwned\x07\x1b[2J"
OTHER = "b\x1b[31m\x9b1m"


async def write_hostile_log(path: Path) -> None:
    seats = (ParticipantSpec(name=EVIL, agent="mock"), ParticipantSpec(name=OTHER, agent="mock"))
    started = ConversationStarted(topic="t\x1b[5m", participants=seats, first_speaker=EVIL)
    async with aiconv.open_log(f"sqlite:///{path}") as log:
        conductor = Conductor(log)
        state = await conductor.start("c1", started)
        state = await conductor.append(state, [MessagePosted(sender=EVIL, content="hi\x1b[2J")])
        await conductor.end(state, StopReason(reason="interrupted", detail="a signal"), by=OTHER)


@pytest.mark.parametrize(
    "args", [["show", "c1"], ["show", "c1", "--events"], ["ls"], ["resume", "c1", "--quiet"]]
)
def test_no_escape_sequence_reaches_the_terminal(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "log.db"
    asyncio.run(write_hostile_log(db))
    result = CliRunner(env={"COLUMNS": "200"}).invoke(aic, [*args, "--db", str(db)])
    output = result.stdout + result.stderr
    assert "evil" in output, output
    for byte in ("\x1b", "\x07", "\x9b"):
        assert byte not in output
