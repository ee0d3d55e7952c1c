"""A scripted fleet for the Prometheus tests: conversations that exercise every metric the
dashboards and alerts read (successes, failures with retries and an open breaker, rate-limiter
waits, a lost append race, cost) through the real instrumented code paths."""

from __future__ import annotations

import asyncio

from aiconv.agents.guarded import GuardConfig, Guards
from aiconv.agents.instrumented import InstrumentedProvider
from aiconv.agents.messages import ChatReply, Usage
from aiconv.agents.provider import ChatProvider
from aiconv.errors import RateLimited, SequenceConflict
from aiconv.observability.metrics import GuardMetrics, Metrics
from aiconv.observability.observer import TelemetryObserver
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ModeratorNoted, ParticipantSpec, StopConfig
from aiconv.queues.instrumented import InstrumentedLog
from aiconv.queues.memory import InMemoryLog
from aiconv.reliability.retry import RetryPolicy
from aiconv.testing.clock import FakeClock
from aiconv.testing.providers import FunctionProvider, ScriptedProvider


def priced(cost: float, model: str) -> FunctionProvider:
    """Always answers, at ``cost`` USD a call."""
    reply = ChatReply(
        content="fine", model=model, usage=Usage(input_tokens=50, output_tokens=10), cost_usd=cost
    )
    return FunctionProvider(lambda _: reply, name=model.split("-")[0], model=model)


async def play_fleet(metrics: Metrics, observer: TelemetryObserver, *, cost: float) -> None:
    """Two conversations (one healthy and paced, one whose provider fails) and a lost race."""
    log = InstrumentedLog(InMemoryLog(), metrics=metrics)
    conductor = Conductor(log, observer=observer)
    hooks = GuardMetrics(metrics)
    paced = Guards(GuardConfig(rpm=1, rate_period=0.2), clock=FakeClock(), observer=hooks)
    failing = Guards(
        GuardConfig(retry=RetryPolicy(attempts=2, base=0.0), failure_threshold=2),
        clock=FakeClock(),
        observer=hooks,
    )
    rate_limited = RateLimited("slow down", provider="openai")
    pairs: list[dict[str, ChatProvider]] = [
        {"alice": paced.wrap(priced(cost, "anthropic-x")), "bob": priced(cost, "openai-y")},
        {
            "carol": priced(cost, "anthropic-x"),
            "dave": failing.wrap(
                ScriptedProvider([], name="openai", model="openai-y", then=rate_limited)
            ),
        },
    ]
    async with asyncio.timeout(20):
        for seats in pairs:
            specs = [ParticipantSpec(name=n, agent=p.name, model=p.model) for n, p in seats.items()]
            state = await session.create(
                conductor, topic="t", participants=specs, stop=StopConfig(max_turns=4)
            )
            instrumented = {n: InstrumentedProvider(p, metrics=metrics) for n, p in seats.items()}
            await session.play_all(conductor, state.conversation_id, instrumented)
        try:
            stale = codec.encode(ModeratorNoted(content="late"))
            await log.append(state.conversation_id, 1, [stale])
        except SequenceConflict:
            observer.conflict(state)
