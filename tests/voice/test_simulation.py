"""A voice scenario: calls are spoken and heard, and the report gives voice metrics by persona."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from aiconv.agents.messages import ChatRequest
from aiconv.cli.report import print_report
from aiconv.platform import codec
from aiconv.platform.events import UtteranceHeard, UtteranceSpoken
from aiconv.queues.log import ListQuery
from aiconv.queues.urls import open_log
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.render import percent
from aiconv.simulation.report import build
from aiconv.simulation.report_markdown import render_markdown
from aiconv.simulation.rows import collect
from aiconv.simulation.scenario import Seat, load_scenario
from aiconv.testing.providers import FunctionProvider
from aiconv.voice.kit import VoiceKit

SCENARIO = """
name = "voice-support"
voice = true
seed = 5
personas = ["hurried", "elderly"]
[limits]
max_turns = 3
[agent]
name = "support"
agent = "mock"
[customer]
name = "customer"
agent = "mock"
[[intents]]
name = "order"
description = "Where is my order"
opening = "Hello, I am calling about my order, it has not arrived yet."
[[outcomes]]
slug = "resolved"
description = "Handled"
success = true
[[outcomes]]
slug = "unresolved"
description = "Not handled"
[evaluator]
kind = "rules"
"""


def _seat(seat: Seat) -> FunctionProvider:
    if seat.name == "support":
        return FunctionProvider(lambda r: "I am sorry. Your parcel will arrive tomorrow morning.")

    def customer(request: ChatRequest) -> str:
        return "Thank you very much, goodbye."

    return FunctionProvider(customer)


async def test_a_voice_scenario_reports_voice_metrics_by_persona(tmp_path: Path) -> None:
    path = tmp_path / "voice.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.voice
    async with open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        async with VoiceKit.open(log, tmp_path / "audio") as kit:
            runner = BatchRunner(log, scenario, _seat, run_id="v1", turn_hook=kit.layer)
            tally = await runner.run()
        assert tally.done == 2 and tally.failed == 0
        entries = await log.list_conversations(ListQuery(run_id="v1"))
        events = [codec.decode(s) for s in await log.read(entries[0].conversation_id)]
        doc = build("v1", await collect(log, "v1"))
    spoken = [r.event for r in events if isinstance(r.event, UtteranceSpoken)]
    heard = [r.event for r in events if isinstance(r.event, UtteranceHeard)]
    assert spoken[0].speaker == "customer" and spoken[0].text.startswith("Hello, I am calling")
    assert heard[0].listener == "support"
    voice = doc["voice"]
    assert set(voice["by_persona"]) == {"hurried", "elderly"}
    assert voice["overall"]["conversations"] == 2
    assert set(voice["overall"]["wer"]) == {"support", "customer"}
    assert "## Voice" in render_markdown(doc)
    console = Console(record=True, width=200)
    print_report(console, doc)  # what `aic report` prints in the terminal
    terminal = console.export_text()
    assert "voice" in terminal
    for persona, figures in voice["by_persona"].items():
        wer = ", ".join(f"{who} {percent(rate)}" for who, rate in figures["wer"].items())
        assert any(persona in line and wer in line for line in terminal.splitlines()), persona


def test_the_shipped_voice_example_is_a_valid_voice_scenario() -> None:
    example = Path(__file__).parents[2] / "examples" / "voice.toml"
    scenario = load_scenario(example)
    assert scenario.voice and {p.name for p in scenario.personas} == {
        "typical",
        "hurried",
        "elderly",
        "frustrated",
    }
