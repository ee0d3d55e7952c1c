"""Metric values after scripted conversations, read from a fresh registry."""

from __future__ import annotations

import asyncio

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from aiconv.agents.guarded import GuardConfig, Guards
from aiconv.agents.messages import ChatReply, ChatRequest, Usage
from aiconv.errors import RateLimited
from aiconv.observability.metrics import GuardMetrics, Metrics
from aiconv.observability.observer import TelemetryObserver
from aiconv.observability.tracing_sdk import new_tracer_provider
from aiconv.reliability.retry import RetryPolicy
from aiconv.testing.clock import FakeClock
from aiconv.testing.providers import FunctionProvider, ScriptedProvider
from tests.observability.conftest import Rig


def reply(text: str, *, model: str, cost: float) -> ChatReply:
    return ChatReply(
        content=text, model=model, usage=Usage(input_tokens=100, output_tokens=20), cost_usd=cost
    )


async def test_a_scripted_conversation_counts_turns_tokens_cost_and_its_end(rig: Rig) -> None:
    active_during: list[float] = []

    def bob_says(request: ChatRequest) -> ChatReply:
        active_during.append(rig.sample("aiconv_conversations_active"))
        return reply("b", model="gpt-x", cost=0.5)

    seats = {
        "alice": ScriptedProvider(
            [reply("a1", model="claude-x", cost=0.25), reply("a2", model="claude-x", cost=0.25)],
            name="anthropic",
            model="claude-x",
        ),
        "bob": FunctionProvider(bob_says, name="openai", model="gpt-x"),
    }
    async with asyncio.timeout(10):
        final = await rig.converse(seats, max_turns=4)

    assert final.ended is not None and final.ended.reason == "max_turns"
    assert rig.sample("aiconv_conversations_started_total") == 1
    assert rig.sample("aiconv_conversations_ended_total", reason="max_turns") == 1
    assert active_during == [1.0, 1.0]
    assert rig.sample("aiconv_conversations_active") == 0
    assert rig.sample("aiconv_turns_total", participant="alice", provider="anthropic") == 2
    assert rig.sample("aiconv_turns_total", participant="bob", provider="openai") == 2
    assert rig.sample("aiconv_turn_duration_seconds_count", provider="openai") == 2
    assert rig.sample("aiconv_turn_handoff_seconds_count") == 4
    ok = {"provider": "anthropic", "model": "claude-x", "outcome": "ok"}
    assert rig.sample("aiconv_provider_requests_total", **ok) == 2
    assert (
        rig.sample(
            "aiconv_provider_request_duration_seconds_count", provider="openai", model="gpt-x"
        )
        == 2
    )
    tokens = {"provider": "openai", "model": "gpt-x"}
    assert rig.sample("aiconv_provider_tokens_total", direction="input", **tokens) == 200
    assert rig.sample("aiconv_provider_tokens_total", direction="output", **tokens) == 40
    assert rig.sample("aiconv_provider_cost_usd_total", **tokens) == 1.0
    assert (
        rig.sample("aiconv_provider_cost_usd_total", provider="anthropic", model="claude-x") == 0.5
    )
    # ConversationStarted, then (claim, message) per turn, the last with ConversationEnded.
    assert rig.sample("aiconv_log_events_appended_total", backend="memory") == 10
    # The creation, the first claim, then a message a turn: from the second turn on, the next
    # turn's claim rides along with the message (both seats play in this process); the first
    # message is posted before bob's seat has started playing, so bob claims his first turn.
    assert rig.sample("aiconv_log_append_duration_seconds_count", backend="memory") == 7
    assert rig.sample("aiconv_log_conflicts_total", backend="memory") == 0


async def test_a_free_model_counts_zero_dollars_and_an_unpriced_one_nothing(rig: Rig) -> None:
    """A reply priced at $0 (the offline mock, a local model) is a known cost: its series exists
    at 0, so the cost panels and the burn-rate alert read $0 for a free fleet, not "no data"; a
    reply of unknown price (None) adds no series. Free replies made no series at all."""
    free = ChatReply(
        content="f", model="mock-chat", usage=Usage(input_tokens=10, output_tokens=2), cost_usd=0.0
    )
    unpriced = ChatReply(
        content="u", model="mystery", usage=Usage(input_tokens=10, output_tokens=2), cost_usd=None
    )
    seats = {
        "alice": ScriptedProvider([free, free], name="mock", model="mock-chat"),
        "bob": ScriptedProvider([unpriced, unpriced], name="compat", model="mystery"),
    }
    async with asyncio.timeout(10):
        await rig.converse(seats, max_turns=4)
    cost = rig.registry.get_sample_value  # None when the series does not exist
    assert cost("aiconv_provider_cost_usd_total", {"provider": "mock", "model": "mock-chat"}) == 0
    assert (
        cost("aiconv_provider_cost_usd_total", {"provider": "compat", "model": "mystery"}) is None
    )


async def test_exhausted_retries_count_reasons_attempts_failure_and_an_open_breaker(
    rig: Rig,
) -> None:
    guards = Guards(
        GuardConfig(retry=RetryPolicy(attempts=2, base=0.0), failure_threshold=2),
        clock=FakeClock(),
        observer=GuardMetrics(rig.metrics),
    )
    failing = ScriptedProvider(
        [], name="openai", model="gpt-x", then=RateLimited("slow down", provider="openai")
    )
    seats = {
        "alice": ScriptedProvider(["hello"], name="anthropic", model="claude-x"),
        "bob": guards.wrap(failing),
    }
    async with asyncio.timeout(10):
        final = await rig.converse(seats, max_turns=4)

    assert final.ended is not None and final.ended.reason == "provider_unavailable"
    assert rig.sample("aiconv_conversations_ended_total", reason="provider_unavailable") == 1
    assert (
        rig.sample("aiconv_provider_retries_total", provider="openai", reason="rate_limited") == 1
    )
    assert (
        rig.sample("aiconv_provider_attempts_total", provider="openai", outcome="rate_limited") == 2
    )
    failed = {"provider": "openai", "model": "gpt-x", "outcome": "unavailable"}
    assert rig.sample("aiconv_provider_requests_total", **failed) == 1
    assert rig.sample("aiconv_provider_breaker_state", provider="openai", state="open") == 1
    assert rig.sample("aiconv_provider_breaker_state", provider="openai", state="closed") == 0


def test_a_provider_shows_a_closed_breaker_from_its_first_attempt(rig: Rig) -> None:
    hooks = GuardMetrics(rig.metrics)
    hooks.on_attempt("anthropic", "ok", 0.1)
    assert rig.sample("aiconv_provider_breaker_state", provider="anthropic", state="closed") == 1
    hooks.on_breaker_change("anthropic", "open")
    hooks.on_attempt("anthropic", "timeout", 0.1)
    assert rig.sample("aiconv_provider_breaker_state", provider="anthropic", state="open") == 1
    assert rig.sample("aiconv_provider_breaker_state", provider="anthropic", state="closed") == 0


async def test_idle_time_grows_while_a_played_conversation_makes_no_progress(rig: Rig) -> None:
    now = [100.0]
    observer = type(rig.observer)(rig.metrics, clock=lambda: now[0])
    with observer.playing("c1"), observer.playing("c1"):
        now[0] = 160.0
        assert rig.sample("aiconv_conversation_idle_max_seconds") == 60.0
        assert rig.sample("aiconv_conversations_active") == 1
    assert rig.sample("aiconv_conversation_idle_max_seconds") == 0.0
    assert rig.sample("aiconv_conversations_active") == 0


async def test_turns_are_labelled_by_the_provider_on_the_posted_message(rig: Rig) -> None:
    """The agent ids are aliases (``claude``, ``gpt``); the label is the vendor that answered."""
    seats = {
        "alice": ScriptedProvider(["a1", "a2"], name="anthropic", model="claude-x"),
        "bob": ScriptedProvider(["b1", "b2"], name="openai", model="gpt-x"),
    }
    async with asyncio.timeout(10):
        final = await rig.converse(seats, agents={"alice": "claude", "bob": "gpt"})
    assert [m.provider for m in final.messages] == ["anthropic", "openai"] * 2
    assert rig.sample("aiconv_turns_total", participant="alice", provider="anthropic") == 2
    assert rig.sample("aiconv_turns_total", participant="bob", provider="openai") == 2


async def test_participant_names_beyond_the_bound_count_as_other() -> None:
    """Names come from users (the write API takes any): past the bound a new name is ``other``,
    so a client naming a fresh participant per conversation cannot grow a series per name."""
    registry = CollectorRegistry()
    metrics = Metrics(registry, names_per_label=3)
    exporter = InMemorySpanExporter()
    tracing = new_tracer_provider(processors=(SimpleSpanProcessor(exporter),))
    observer = TelemetryObserver(metrics, tracer=tracing.get_tracer("t"))
    rig = Rig(registry, metrics, tracing, exporter, observer)
    async with asyncio.timeout(30):
        for n in range(4):
            seats = {
                f"caller-{n}": ScriptedProvider(["hi", "bye"], name="mock", model="m"),
                "desk": ScriptedProvider(["hello", "ok"], name="mock", model="m"),
            }
            await rig.converse(seats, max_turns=2)
    names = {
        sample.labels["participant"]
        for family in registry.collect()
        if family.name == "aiconv_turns"
        for sample in family.samples
    }
    assert names == {"caller-0", "desk", "caller-1", "other"}
    assert rig.sample("aiconv_turns_total", participant="other", provider="mock") == 2
    assert rig.sample("aiconv_turns_total", participant="desk", provider="mock") == 4
    tracing.shutdown()
