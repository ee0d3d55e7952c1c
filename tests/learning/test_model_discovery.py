"""Discovery with a model, against the wire-compatible fake LLM server through the real OpenAI
adapter: the schema is proposed once, conversations are labelled in batches, invalid answers are
sent back once, valid answers are cached (a second run sends nothing), and the result is a
scenario file that loads."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from aiconv.agents.catalog import default_registry
from aiconv.agents.provider import ChatProvider
from aiconv.learning.cache import AnswerCache
from aiconv.learning.clustering import purity
from aiconv.learning.discovery import Named, discover_labelled
from aiconv.learning.labelling import ModelLabeller
from aiconv.learning.parse import parse_file
from aiconv.learning.scenario_file import render
from aiconv.learning.transcripts import Transcript
from aiconv.simulation.scenario import load_scenario
from aiconv.testing.fake_llm import FakeLLM
from aiconv.testing.fake_llm.wire import Turn

SCHEMA = {
    "intents": [
        {"slug": "cancel", "description": "Cancel a subscription"},
        {"slug": "lost-card", "description": "Block and replace a lost card"},
        {"slug": "refund", "description": "A refund for a returned item"},
        {"slug": "delivery", "description": "A late or missing parcel"},
        {"slug": "password", "description": "Cannot log in; reset the password"},
        {"slug": "address", "description": "Change the address on the account"},
    ],
    "outcomes": [
        {"slug": "resolved", "description": "Sorted and confirmed", "success": True},
        {"slug": "escalated", "description": "Handed to a specialist"},
        {"slug": "follow_up", "description": "A ticket; an e-mail will follow"},
        {"slug": "abandoned", "description": "The customer gave up"},
    ],
}
INTENT_WORDS = [
    ("card", "lost-card"),
    ("refund", "refund"),
    ("password", "password"),
    ("address", "address"),
    ("cancel", "cancel"),
    ("parcel", "delivery"),
    ("order", "delivery"),
    ("deliver", "delivery"),
]
OUTCOME_WORDS = [
    ("forget it", "abandoned"),
    ("ticket", "follow_up"),
    ("transfer", "escalated"),
    ("sorted", "resolved"),
]


class LabellingLLM(FakeLLM):
    """The fake server playing a labelling model: it reads the chats it is sent and answers by
    their words (a stand-in for a real model's reading), optionally wrong once first."""

    def __init__(self, *, wrong_first: bool = False) -> None:
        super().__init__()
        self.wrong_first = wrong_first

    def structured_text(self, turn: Turn) -> str:
        if turn.system.startswith("You analyse"):
            return "Here is the schema:\n```json\n" + json.dumps(SCHEMA) + "\n```"
        chats = re.split(r"^### (c\d+)\n", turn.messages[0][1], flags=re.M)[1:]
        labels = [
            {
                "id": cid,
                "intent": _first(text, INTENT_WORDS),
                "outcome": _first(text, OUTCOME_WORDS),
            }
            for cid, text in zip(chats[::2], chats[1::2], strict=True)
        ]
        if self.wrong_first and len(turn.messages) == 1:
            labels[0]["intent"] = "teleportation"
        return json.dumps({"labels": labels})


def _first(text: str, words: list[tuple[str, str]]) -> str:
    lowered = text.lower()
    # the request is in the first line; the outcome in the agent's last words
    part = lowered[lowered.rfind("agent:") :] if words is OUTCOME_WORDS else lowered.split("\n")[0]
    return next((slug for word, slug in words if word in part), words[-1][1])


@pytest.fixture
async def model_on() -> AsyncIterator[Any]:
    started: list[tuple[LabellingLLM, ChatProvider]] = []

    async def start(**kw: Any) -> tuple[ChatProvider, LabellingLLM]:
        server = LabellingLLM(**kw)
        await server.__aenter__()
        registry = default_registry()
        spec = registry.resolve("gpt:gpt-4o-mini", base_url=server.openai_base_url)
        provider = registry.build(spec, {"OPENAI_API_KEY": "test-key"})
        started.append((server, provider))
        return provider, server

    yield start
    for server, provider in started:
        await provider.aclose()
        await server.__aexit__(None, None, None)


@pytest.fixture(scope="module")
def transcripts(corpus_dir: Path) -> list[Transcript]:
    return list(parse_file(corpus_dir / "chats.jsonl").transcripts)[:100]


async def test_schema_once_then_batches_then_a_scenario(
    model_on: Any, transcripts: list[Transcript], truth: dict[str, Any], tmp_path: Path
) -> None:
    provider, server = await model_on()
    labeller = ModelLabeller(provider, cache=AnswerCache(tmp_path / "answers.jsonl"), batch=25)
    schema = await labeller.propose(transcripts, sample=30)
    labels = await labeller.label(transcripts, schema)
    assert len(server.requests) == 1 + 4  # one proposal, 100 chats in batches of 25
    assert len(labels) == len(transcripts)
    planted = truth["conversations"]
    ids = sorted(labels)
    assert purity([labels[i][0] for i in ids], [planted[i]["intent"] for i in ids]) >= 0.95
    sent = server.requests[1].body["messages"]
    assert "lost-card: Block and replace a lost card" in sent[0]["content"]
    assert sent[1]["content"].count("### c") == 25

    found = discover_labelled(
        transcripts,
        labels,
        intents=[Named(slug=i.slug, description=i.description) for i in schema.intents],
        outcomes=[
            Named(slug=o.slug, description=o.description, success=o.success)
            for o in schema.outcomes
        ],
        method="model openai:gpt-4o-mini",
    )
    assert {o.slug: o.success for o in found.outcomes}["resolved"] is True
    path = tmp_path / "s.toml"
    path.write_text(render(found, transcripts), encoding="utf-8")
    scenario = load_scenario(path)
    assert {i.name for i in scenario.intents} <= {i["slug"] for i in SCHEMA["intents"]}
    assert "(model openai:gpt-4o-mini)" in path.read_text(encoding="utf-8")


async def test_answers_are_cached_across_runs(
    model_on: Any, transcripts: list[Transcript], tmp_path: Path
) -> None:
    provider, server = await model_on()
    first = ModelLabeller(provider, cache=AnswerCache(tmp_path / "a.jsonl"), batch=50)
    schema = await first.propose(transcripts)
    labels = await first.label(transcripts, schema)
    sent = len(server.requests)
    again = ModelLabeller(provider, cache=AnswerCache(tmp_path / "a.jsonl"), batch=50)
    assert await again.label(transcripts, await again.propose(transcripts)) == labels
    assert len(server.requests) == sent and again.requests == 0


async def test_an_invalid_answer_is_sent_back_once_with_the_error(
    model_on: Any, transcripts: list[Transcript]
) -> None:
    provider, server = await model_on(wrong_first=True)
    labeller = ModelLabeller(provider, batch=len(transcripts[:10]))
    schema = await labeller.propose(transcripts[:10])
    labels = await labeller.label(transcripts[:10], schema)
    assert len(labels) == 10
    retry = server.requests[-1].body["messages"][-1]["content"]
    assert "c1: intent 'teleportation' is not one of the listed slugs" in retry
