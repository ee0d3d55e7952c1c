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
        state = await conductor.append(
            state, [MessagePosted(sender=EVIL, content="hi\x1b[2J\u202etxt.exe")]
        )
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
    for byte in ("\x1b", "\x07", "\x9b", "\u202e"):  # and a right-to-left override
        assert byte not in output


def test_a_scenario_name_from_the_log_reaches_the_report_neutralised(tmp_path: Path) -> None:
    """``aic report`` prints the scenario name a run recorded; one written before names were
    checked (or by another program) must not drive the terminal."""
    import io
    import json

    from rich.console import Console

    from aiconv.cli.report import print_report
    from tests.simulation.conftest import MINIMAL

    (tmp_path / "s.toml").write_text(MINIMAL)
    db = str(tmp_path / "log.db")
    ran = CliRunner().invoke(aic, ["simulate", str(tmp_path / "s.toml"), "--db", db, "--quiet"])
    assert ran.exit_code == 0, ran.stderr
    run_id = ran.stdout.split(":")[0]
    out_dir = str(tmp_path / "reports")  # not the working directory: the repository's own
    shown = CliRunner().invoke(aic, ["report", run_id, "--db", db, "--json", "--out-dir", out_dir])
    doc = json.loads(shown.stdout)
    doc["scenario"] = EVIL
    out = io.StringIO()
    print_report(Console(file=out, width=200, force_terminal=True, color_system=None), doc)
    assert "evil" in out.getvalue()
    for byte in ("\x07", "\x9b", "]0;", "[2J"):
        assert byte not in out.getvalue()


@pytest.mark.parametrize(
    "env",
    [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}],
)
def test_a_terminal_that_cannot_show_a_character_gets_an_escape_not_a_traceback(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """``aic show`` in an ASCII locale: what the encoding lacks ('›', '·', a name's letters)
    is written as a backslash escape (it was a UnicodeEncodeError traceback, exit 1)."""
    from aiconv.testing.processes import cli_env, run_aic

    db = tmp_path / "log.db"
    asyncio.run(write_hostile_log(db))
    shown = run_aic("show", "c1", "--db", str(db), env=cli_env(env, home=tmp_path))
    assert (shown.returncode, shown.stderr) == (0, "")
    assert "\\u203a" in shown.stdout or "\\xb7" in shown.stdout
