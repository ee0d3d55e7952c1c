"""The HTTP channel against a small local agent server: both formats, every failure mapping,
and a batch whose agent under test is the external one.
"""

from __future__ import annotations

import datetime
import email.utils
from dataclasses import replace
from pathlib import Path

import pytest

from aiconv.agents.messages import ChatMessage, ChatRequest, ToolCall, ToolResult, ToolSpec
from aiconv.agents.provider import ChatProvider
from aiconv.errors import ProviderError, ProviderRejected, ProviderTimeout, RateLimited
from aiconv.platform.conductor import Conductor
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.channel import HttpAgentProvider
from aiconv.simulation.scenario import Seat, load_scenario
from aiconv.testing.fake_llm import FakeLLM
from aiconv.testing.providers import FunctionProvider
from tests.simulation.agent_server import serve_agent
from tests.simulation.conftest import REFUNDED_BY_SUPPORT, resolved_when

REQUEST = ChatRequest(
    model="",
    system="You are support.",
    messages=(ChatMessage(role="user", content="My kettle broke", name="customer"),),
    context={"conversation_id": "c9", "speaker": "support", "turn": 2, "end_token": "<END>"},
)


async def test_webhook_gets_the_documented_body_and_maps_the_reply() -> None:
    async with serve_agent() as agent:
        provider = HttpAgentProvider(agent.url("/webhook"), headers={"x-key": "s3cret"})
        try:
            reply = await provider.complete(REQUEST)
        finally:
            await provider.aclose()
    assert agent.bodies == [
        {
            "conversation_id": "c9",
            "speaker": "support",
            "turn": 2,
            "system": "You are support.",
            "messages": [{"role": "user", "name": "customer", "content": "My kettle broke"}],
        }
    ]
    assert reply.content == "Support here (turn 2): I have refunded your order."
    assert (reply.usage.input_tokens, reply.usage.output_tokens, reply.cost_usd) == (11, 7, 0.001)
    assert reply.latency_s > 0


async def test_webhook_end_appends_the_end_token() -> None:
    bye = ChatRequest(
        model="",
        system="",
        messages=(ChatMessage(role="user", content="ok bye"),),
        context={"end_token": "<DONE>"},
    )
    async with serve_agent() as agent:
        provider = HttpAgentProvider(agent.url("/webhook"))
        try:
            reply = await provider.complete(bye)
        finally:
            await provider.aclose()
    assert reply.content == "Goodbye, glad I could help.\n<DONE>"


async def test_openai_format_posts_chat_completions() -> None:
    async with serve_agent() as agent:
        provider = HttpAgentProvider(agent.url("/v1/chat/completions"), format="openai")
        try:
            reply = await provider.complete(REQUEST)
        finally:
            await provider.aclose()
    assert agent.bodies[0]["messages"][0] == {"role": "system", "content": "You are support."}
    assert (reply.content, reply.model, reply.usage.input_tokens) == (
        "Hello from OpenAI mode",
        "house-agent-1",
        20,
    )


@pytest.mark.parametrize(
    ("path", "error", "retryable"),
    [
        ("/status/429", RateLimited, True),
        ("/status/503", ProviderError, True),
        ("/status/408", ProviderError, True),
        ("/status/404", ProviderRejected, False),
        ("/garbage", ProviderError, False),
        ("/wrong", ProviderError, False),
    ],
)
async def test_failures_map_into_the_error_tree(
    path: str, error: type[ProviderError], retryable: bool
) -> None:
    async with serve_agent() as agent:
        provider = HttpAgentProvider(agent.url(path))
        try:
            with pytest.raises(error) as caught:
                await provider.complete(REQUEST)
        finally:
            await provider.aclose()
    assert caught.value.retryable is retryable
    assert agent.url("") in str(caught.value)
    if error is RateLimited:
        assert caught.value.retry_after == 3.0


@pytest.mark.parametrize("fmt", ["webhook", "openai"])
@pytest.mark.parametrize(
    ("code", "error", "retryable"),
    [
        (409, ProviderError, True),
        (429, RateLimited, True),
        (503, ProviderError, True),
        (404, ProviderRejected, False),
    ],
)
async def test_both_formats_map_statuses_like_every_vendor_adapter(
    fmt: str, code: int, error: type[ProviderError], retryable: bool
) -> None:
    """One status mapper: the webhook and the OpenAI format agree with the vendor adapters."""
    async with serve_agent() as agent:
        path = f"/status/{code}" + ("/chat/completions" if fmt == "openai" else "")
        provider = HttpAgentProvider(agent.url(path), format=fmt)
        try:
            with pytest.raises(error) as caught:
                await provider.complete(REQUEST)
        finally:
            await provider.aclose()
    assert type(caught.value) is error
    assert (caught.value.retryable, caught.value.status) == (retryable, code)
    if retryable:
        assert caught.value.retry_after == 3.0


async def test_a_retry_after_date_is_honoured() -> None:
    when = email.utils.format_datetime(
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=120), usegmt=True
    )
    async with serve_agent() as agent:
        provider = HttpAgentProvider(agent.url(f"/status/429?retry_after={when}"))
        try:
            with pytest.raises(RateLimited) as caught:
                await provider.complete(REQUEST)
        finally:
            await provider.aclose()
    assert caught.value.retry_after is not None
    assert 100 < caught.value.retry_after <= 120


async def test_openai_format_takes_a_base_url_and_sends_the_seat_headers() -> None:
    async with serve_agent() as agent:
        provider = HttpAgentProvider(
            agent.url("/v1"), format="openai", headers={"authorization": "Bearer seat-key"}
        )
        try:
            reply = await provider.complete(REQUEST)
        finally:
            await provider.aclose()
    assert reply.content == "Hello from OpenAI mode"
    assert agent.headers[0]["authorization"] == "Bearer seat-key"
    assert agent.bodies[0]["max_tokens"] == REQUEST.max_tokens


TOOL = ToolSpec(
    name="lookup_account",
    description="Look up an account by id",
    parameters={"type": "object", "properties": {"account_id": {"type": "string"}}},
)


async def test_webhook_tool_calls_pass_through_and_results_go_back() -> None:
    ask = replace(REQUEST, tools=(TOOL,))
    async with serve_agent() as agent:
        provider = HttpAgentProvider(agent.url("/tools"))
        try:
            first = await provider.complete(ask)
            results = (ToolResult(call_id="w1", name="lookup_account", content="balance 12"),)
            second = await provider.complete(
                replace(
                    ask,
                    messages=(
                        *ask.messages,
                        ChatMessage(role="assistant", content="", tool_calls=first.tool_calls),
                        ChatMessage(role="tool", content="", tool_results=results),
                    ),
                )
            )
        finally:
            await provider.aclose()
    assert (first.content, first.finish_reason) == ("", "tool_calls")
    assert first.tool_calls[0] == ToolCall(
        id="w1", name="lookup_account", arguments={"account_id": "A-1"}
    )
    assert first.tool_calls[1].id.startswith("call_")
    assert first.tool_calls[1].error is not None  # [1, 2] is not a JSON object
    assert agent.bodies[0]["tools"][0]["name"] == "lookup_account"
    assert agent.bodies[1]["messages"][1]["tool_calls"][0]["id"] == "w1"
    assert agent.bodies[1]["messages"][2]["tool_results"][0]["content"] == "balance 12"
    assert second.content == "Done: balance 12"


@pytest.mark.parametrize("stream", [False, True])
async def test_openai_format_tool_calls_come_from_the_adapter(stream: bool) -> None:
    ask = replace(
        REQUEST,
        messages=(ChatMessage(role="user", content="Please look up account AC-12"),),
        tools=(TOOL,),
    )
    async with FakeLLM() as fake:
        provider = HttpAgentProvider(f"{fake.openai_base_url}/chat/completions", format="openai")
        try:
            chunks: list[str] = []
            reply = await provider.complete(ask, on_delta=chunks.append if stream else None)
        finally:
            await provider.aclose()
    assert [(c.name, dict(c.arguments)) for c in reply.tool_calls] == [
        ("lookup_account", {"account_id": "AC-12"})
    ]
    assert reply.content == ""
    assert fake.requests[0].body["tools"][0]["function"]["name"] == "lookup_account"


async def test_a_slow_agent_times_out() -> None:
    async with serve_agent() as agent:
        provider = HttpAgentProvider(agent.url("/slow"), timeout_s=0.2)
        try:
            with pytest.raises(ProviderTimeout, match=r"did not answer within 0\.2s"):
                await provider.complete(REQUEST)
        finally:
            await provider.aclose()


async def test_an_unreachable_agent_is_a_retryable_error() -> None:
    provider = HttpAgentProvider("http://127.0.0.1:9/agent", timeout_s=2)
    try:
        with pytest.raises(ProviderError, match="cannot be reached") as caught:
            await provider.complete(REQUEST)
    finally:
        await provider.aclose()
    assert caught.value.retryable


SCENARIO = """\
name = "hybrid"
personas = ["typical"]

[limits]
max_turns = 6
closing = "off"

[agent]
url = "{url}"

[[intents]]
name = "refund"
description = "Refund for a broken kettle"

""" + resolved_when(*REFUNDED_BY_SUPPORT, 'end_reasons = ["end_token"]')


async def test_a_batch_runs_against_the_external_agent(tmp_path: Path) -> None:
    def customer(request: ChatRequest) -> str:
        turn = sum(1 for m in request.messages if m.role == "assistant")
        return "My kettle broke, I want a refund." if turn == 0 else "Great, thanks, bye"

    async with serve_agent() as agent:
        path = tmp_path / "hybrid.toml"
        path.write_text(SCENARIO.format(url=agent.url("/webhook")), encoding="utf-8")
        scenario = load_scenario(path)

        def factory(seat: Seat) -> ChatProvider:
            if seat.url:
                return HttpAgentProvider(seat.url, format=seat.format, timeout_s=seat.timeout_s)
            return FunctionProvider(customer)

        log = InMemoryLog()
        runner = BatchRunner(log, scenario, factory, run_id="h", parallel=2, repeat=2)
        try:
            tally = await runner.run()
        finally:
            await runner.aclose()
    assert (tally.done, tally.outcomes["resolved"]) == (2, 2)
    state = await Conductor(log).load(runner.jobs()[0].conversation_id)
    assert [m.sender for m in state.messages] == ["customer", "support"] * 2
    assert state.ended is not None and state.ended.reason == "end_token"
    assert agent.bodies[0]["speaker"] == "support"
    assert "customer's request" in agent.bodies[0]["system"]
