"""The LLM judge: JSON validated against the schema; invalid JSON and unknown outcomes handled.

Most cases run against the wire-compatible fake LLM server through the real OpenAI adapter;
one uses a FunctionProvider to show the port is all the judge needs.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from aiconv.agents.catalog import default_registry
from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.errors import ProviderError
from aiconv.simulation.judge import InvalidAnswer, LlmJudge, parse_answer
from aiconv.simulation.outcomes import UNDECIDED, Outcome, OutcomeSchema
from aiconv.testing.fake_llm import FakeLLM, Fault
from aiconv.testing.fake_llm.wire import Turn
from aiconv.testing.providers import FunctionProvider
from tests.simulation.conftest import state_of

SCHEMA = OutcomeSchema(outcomes=(Outcome(slug="resolved", success=True), Outcome(slug="escalated")))
STATE = state_of(("customer", "My card is lost"), ("support", "Blocked, new one sent."))


class ScriptedLLM(FakeLLM):
    """The fake server answering the judge with prepared texts, in order."""

    def __init__(self, answers: list[str]) -> None:
        super().__init__()
        self.answers = answers

    def reply_text(self, turn: Turn) -> str:
        return self.answers.pop(0)


@pytest.fixture
async def judge_on() -> AsyncIterator[object]:
    servers: list[ScriptedLLM] = []
    providers: list[ChatProvider] = []

    async def start(*answers: str) -> tuple[LlmJudge, ScriptedLLM]:
        server = ScriptedLLM(list(answers))
        await server.__aenter__()
        servers.append(server)
        registry = default_registry()
        spec = registry.resolve("gpt:gpt-4o-mini", base_url=server.openai_base_url)
        provider = registry.build(spec, {"OPENAI_API_KEY": "test-key"})
        providers.append(provider)
        return LlmJudge(provider), server

    yield start
    for provider in providers:
        await provider.aclose()
    for server in servers:
        await server.__aexit__(None, None, None)


async def test_valid_json_becomes_a_judgement(judge_on) -> None:  # type: ignore[no-untyped-def]
    answer = {"outcome": "resolved", "confidence": 0.85, "rationale": "Card blocked and sent."}
    judge, server = await judge_on(json.dumps(answer))
    judgement = await judge.evaluate(STATE, SCHEMA)
    assert (judgement.outcome, judgement.confidence, judgement.by) == ("resolved", 0.85, "judge")
    assert judgement.rationale == "Card blocked and sent."
    body = server.requests[0].body
    assert "resolved" in body["messages"][0]["content"]  # the schema is in the system prompt
    assert "support: Blocked, new one sent." in body["messages"][1]["content"]


async def test_fenced_json_is_accepted(judge_on) -> None:  # type: ignore[no-untyped-def]
    fenced = '```json\n{"outcome": "escalated", "confidence": 1, "rationale": "x"}\n```'
    judge, _ = await judge_on(fenced)
    assert (await judge.evaluate(STATE, SCHEMA)).outcome == "escalated"


async def test_invalid_json_is_sent_back_once_then_accepted(judge_on) -> None:  # type: ignore[no-untyped-def]
    good = '{"outcome": "resolved", "confidence": 0.6, "rationale": "ok"}'
    judge, server = await judge_on("I think it was resolved.", good)
    judgement = await judge.evaluate(STATE, SCHEMA)
    assert judgement.outcome == "resolved"
    retry = server.requests[1].body["messages"]
    assert retry[-2] == {"role": "assistant", "content": "I think it was resolved."}
    assert "Invalid answer" in retry[-1]["content"]


async def test_invalid_json_twice_is_undecided(judge_on) -> None:  # type: ignore[no-untyped-def]
    judge, server = await judge_on("nope", '{"outcome": "resolved"')
    judgement = await judge.evaluate(STATE, SCHEMA)
    assert (judgement.outcome, judgement.confidence) == (UNDECIDED, 0.0)
    assert judgement.rationale.startswith("invalid answer:")
    assert len(server.requests) == 2


async def test_an_outcome_outside_the_schema_is_rejected(judge_on) -> None:  # type: ignore[no-untyped-def]
    outside = '{"outcome": "refunded", "confidence": 0.9, "rationale": "r"}'
    judge, server = await judge_on(outside, outside)
    judgement = await judge.evaluate(STATE, SCHEMA)
    assert judgement.outcome == UNDECIDED
    assert "'refunded' is not one of: resolved, escalated" in judgement.rationale
    assert "is not one of" in server.requests[1].body["messages"][-1]["content"]


async def test_a_provider_failure_propagates(judge_on) -> None:  # type: ignore[no-untyped-def]
    judge, server = await judge_on()
    server.faults.push(Fault(status=400, message="bad request"))
    with pytest.raises(ProviderError):
        await judge.evaluate(STATE, SCHEMA)


async def test_the_judge_needs_only_the_provider_port_and_adds_up_its_cost() -> None:
    answers = iter(["no json", '{"outcome": "escalated", "confidence": 0.5, "rationale": "x"}'])

    def answer(request: ChatRequest) -> ChatReply:
        assert request.temperature == 0.0
        return ChatReply(content=next(answers), model="m", cost_usd=0.25)

    judgement = await LlmJudge(FunctionProvider(answer)).evaluate(STATE, SCHEMA)
    assert (judgement.outcome, judgement.cost_usd) == ("escalated", 0.5)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ('{"outcome": "resolved", "confidence": 2, "rationale": "x"}', "confidence: Input should"),
        ('{"outcome": "resolved", "confidence": 1}', "rationale: Field required"),
        ("[1, 2]", "answer: Input should be an object"),
    ],
)
def test_parse_answer_names_the_problem(content: str, error: str) -> None:
    with pytest.raises(InvalidAnswer, match=error):
        parse_answer(content, SCHEMA)
