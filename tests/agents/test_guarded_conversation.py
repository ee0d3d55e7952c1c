"""A whole conversation through guarded real adapters against the fake server: retries are
recorded as attempts, and a breaker that stays open ends it with ``provider_unavailable``."""

from __future__ import annotations

import asyncio

from aiconv.agents.guarded import GuardConfig, Guards
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import AgentFailed, MessagePosted, ParticipantSpec, StopConfig
from aiconv.queues.memory import InMemoryLog
from aiconv.reliability.retry import RetryPolicy
from aiconv.testing.clock import FakeClock
from aiconv.testing.fake_llm import FakeLLM, Fault
from tests.agents.conftest import build

SEATS = [
    ParticipantSpec(name="claude", agent="claude", model="claude-sonnet-5-5"),
    ParticipantSpec(name="gpt", agent="gpt", model="gpt-6.2-sol"),
]


async def _converse(fake: FakeLLM, guards: Guards) -> list[object]:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor,
        topic="Is a hot dog a sandwich?",
        participants=SEATS,
        stop=StopConfig(max_turns=8),
    )
    seats = {
        "claude": guards.wrap(build("anthropic", fake)),
        "gpt": guards.wrap(build("openai", fake)),
    }
    try:
        async with asyncio.timeout(60):
            await session.play_all(conductor, state.conversation_id, seats)
    finally:
        for provider in seats.values():
            await provider.aclose()
    return [r.event for r in codec.decode_all(await log.read(state.conversation_id))]


async def test_retried_turns_record_their_attempts_and_the_conversation_ends(
    fake: FakeLLM,
) -> None:
    guards = Guards(GuardConfig(retry=RetryPolicy(attempts=3)), clock=FakeClock())
    fake.faults.push(Fault(status=429, retry_after="1", api="openai"))
    events = await _converse(fake, guards)
    messages = [e for e in events if isinstance(e, MessagePosted)]
    assert [m.sender for m in messages[:2]] == ["claude", "gpt"]
    assert [m.provider for m in messages[:2]] == ["anthropic", "openai"]  # not the aliases
    assert messages[1].attempts == 2
    assert messages[0].attempts == 1
    assert messages[0].cost_usd is not None
    assert type(events[-1]).__name__ == "ConversationEnded"


async def test_a_breaker_open_past_the_deadline_ends_with_provider_unavailable(
    fake: FakeLLM,
) -> None:
    config = GuardConfig(
        retry=RetryPolicy(attempts=2),
        failure_threshold=2,
        cooldown=600.0,
        unavailable_after=120.0,
    )
    guards = Guards(config, clock=FakeClock())
    fake.faults.push(*[Fault(status=503, api="openai")] * 2)
    events = await _converse(fake, guards)
    failed = [e for e in events if isinstance(e, AgentFailed)]
    assert len(failed) == 1
    assert failed[0].speaker == "gpt"
    assert failed[0].breaker_state == "open"
    assert failed[0].attempts == 2
    assert failed[0].request_id is not None and failed[0].request_id.startswith("req_")
    ended = events[-1]
    assert getattr(ended, "reason", None) == "provider_unavailable"
