"""Grounded simulated customers: a discovered scenario carries its style index and measured
delays; the customer's prompt holds real messages of its intent, and simulated time draws the
customer's delays from the measured distribution."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from aiconv.agents.provider import ChatProvider
from aiconv.learning.discovery import discover
from aiconv.learning.grounding import style_source
from aiconv.learning.parse import parse_file
from aiconv.learning.redaction import Redactor
from aiconv.learning.retrieval import StyleIndex
from aiconv.learning.scenario_file import render
from aiconv.platform.conductor import Conductor
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.scenario import Scenario, Seat, load_scenario
from aiconv.testing.providers import ScriptedProvider


@pytest.fixture(scope="module")
def grounded(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    redactor = Redactor()
    transcripts = [
        replace(
            t, messages=tuple(replace(m, text=redactor.redact(m.text).text) for m in t.messages)
        )
        for t in parse_file(corpus_dir / "chats.jsonl").transcripts
    ]
    found = discover(transcripts)
    directory = tmp_path_factory.mktemp("grounded")
    StyleIndex.from_transcripts(
        transcripts,
        intents=found.intent_of(),
        personas={found.conversations[i]: p.name for p in found.personas for i in p.members},
    ).save(directory / "index" / "style.json")
    text = render(found, transcripts, name="grounded", index="index/style.json")
    (directory / "s.toml").write_text(text, encoding="utf-8")
    return load_scenario(directory / "s.toml")


def test_the_scenario_carries_its_index_and_measured_delays(grounded: Scenario) -> None:
    assert grounded.grounding is not None and grounded.grounding.index.exists()
    for persona in grounded.personas:
        assert len(persona.reply_delays_s) == 21
        assert list(persona.reply_delays_s) == sorted(persona.reply_delays_s)


def test_each_intent_gets_real_messages_of_its_own_kind(
    grounded: Scenario, truth: dict[str, Any]
) -> None:
    source = style_source(grounded)
    assert source is not None
    card = next(c for c in grounded.cells() if "card" in c.intent.name)
    examples = source(card)
    assert len(examples) == 3
    assert all("card" in e.lower() for e in examples)


async def test_a_grounded_batch_records_the_examples_and_draws_measured_delays(
    grounded: Scenario,
) -> None:
    scenario = replace(grounded, repeat=1)
    log = InMemoryLog()

    def providers(seat: Seat) -> ChatProvider:
        lines = (
            ["I lost my card", "hello?", "ok thanks"] if seat.role == "customer" else ["Sorted."]
        )
        return ScriptedProvider(lines)

    runner = BatchRunner(
        log, scenario, providers, run_id="g", parallel=4, grounding=style_source(scenario)
    )
    await runner.run()
    cid = runner.jobs()[0].conversation_id
    state = await Conductor(log).load(cid)
    customer = state.participant("customer")
    assert (
        customer.system is not None
        and "Real customers with a request like yours" in customer.system
    )
    persona = next(p for p in scenario.personas if p.name == customer.persona)
    low, high = persona.reply_delays_s[0], persona.reply_delays_s[-1]
    events = await log.read(cid)
    from aiconv.platform import codec
    from aiconv.platform.events import MessagePosted

    posted = [codec.decode(e).event for e in events]
    times = [(e.sender, e.simulated_at) for e in posted if isinstance(e, MessagePosted)]
    checked = 0
    for (before, t0), (sender, t1) in itertools.pairwise(times):
        if sender == "customer" and before != "customer" and t0 is not None and t1 is not None:
            assert low - 1e-6 <= t1 - t0 <= high + 1e-6
            checked += 1
    assert checked >= 1
