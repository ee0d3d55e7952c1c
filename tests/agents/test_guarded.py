"""GuardedProvider around each real adapter, over real HTTP: retries, timeout, breaker, limits."""

from __future__ import annotations

import time

import pytest

from aiconv.agents.guarded import GuardConfig, GuardedProvider, Guards, NullGuardObserver
from aiconv.agents.provider import ChatProvider
from aiconv.errors import ProviderRejected, ProviderTimeout, ProviderUnavailable
from aiconv.reliability.retry import RetryPolicy
from aiconv.testing.clock import FakeClock
from aiconv.testing.fake_llm import FakeLLM, Fault
from tests.agents.conftest import chat_request


class Recorder(NullGuardObserver):
    """Keeps every hook call."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self.retries: list[tuple[str, float]] = []
        self.breaker: list[str] = []
        self.limited: list[float] = []

    def on_attempt(self, provider: str, outcome: str, seconds: float) -> None:
        self.attempts.append(outcome)

    def on_retry(self, provider: str, reason: str, delay: float) -> None:
        self.retries.append((reason, delay))

    def on_breaker_change(self, provider: str, state: str) -> None:
        self.breaker.append(state)

    def on_rate_limited(self, provider: str, waited: float) -> None:
        self.limited.append(waited)


def _guard(
    provider: ChatProvider, clock: FakeClock, recorder: Recorder, **config: object
) -> GuardedProvider:
    settings: dict[str, object] = {"retry": RetryPolicy(attempts=3, base=1.0, cap=4.0)}
    settings.update(config)
    guards = Guards(GuardConfig(**settings), clock=clock, observer=recorder)  # type: ignore[arg-type]
    return guards.wrap(provider)


async def test_429_retry_after_is_honoured_then_the_call_succeeds(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    clock, recorder = FakeClock(), Recorder()
    guarded = _guard(adapter, clock, recorder)
    fake.faults.push(Fault(status=429, retry_after="2"))
    reply = await guarded.complete(chat_request(adapter.model))
    assert reply.attempts == 2
    assert clock.sleeps == [2.0]
    assert recorder.retries == [("rate_limited", 2.0)]
    assert recorder.attempts == ["rate_limited", "ok"]
    assert len(fake.requests) == 2


async def test_a_500_is_retried_after_a_jittered_backoff(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    clock, recorder = FakeClock(), Recorder()
    guarded = _guard(adapter, clock, recorder)
    fake.faults.push(Fault(status=500), Fault(status=503))
    reply = await guarded.complete(chat_request(adapter.model))
    assert reply.attempts == 3
    assert len(clock.sleeps) == 2
    assert 0.0 <= clock.sleeps[0] <= 1.0
    assert 0.0 <= clock.sleeps[1] <= 2.0
    assert reply.content


async def test_a_400_is_not_retried(adapter: ChatProvider, fake: FakeLLM) -> None:
    clock, recorder = FakeClock(), Recorder()
    guarded = _guard(adapter, clock, recorder)
    fake.faults.push(Fault(status=400))
    with pytest.raises(ProviderRejected) as caught:
        await guarded.complete(chat_request(adapter.model))
    assert len(fake.requests) == 1
    assert clock.sleeps == []
    assert caught.value.attempts == 1
    assert caught.value.breaker_state == "closed"


async def test_a_timeout_is_retried_and_exhaustion_becomes_unavailable(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    clock, recorder = FakeClock(), Recorder()
    guarded = _guard(adapter, clock, recorder, timeout=0.2, retry=RetryPolicy(attempts=2))
    fake.faults.push(Fault(delay=5.0), Fault(delay=5.0))
    with pytest.raises(ProviderUnavailable) as caught:
        await guarded.complete(chat_request(adapter.model))
    assert isinstance(caught.value.__cause__, ProviderTimeout)
    assert caught.value.attempts == 2
    assert recorder.attempts == ["timeout", "timeout"]


async def test_breaker_opens_after_n_failures_and_recovers_through_half_open(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    clock, recorder = FakeClock(), Recorder()
    guarded = _guard(
        adapter, clock, recorder, failure_threshold=3, cooldown=10.0, unavailable_after=0.0
    )
    fake.faults.push(*[Fault(status=500)] * 3)
    with pytest.raises(ProviderUnavailable) as exhausted:
        await guarded.complete(chat_request(adapter.model))
    assert getattr(exhausted.value, "breaker_state", None) == "open"

    with pytest.raises(ProviderUnavailable) as refused:
        await guarded.complete(chat_request(adapter.model))
    assert getattr(refused.value, "breaker_state", None) == "open"
    assert refused.value.retry_after == pytest.approx(10.0, abs=3.0)
    assert len(fake.requests) == 3  # the open breaker sent nothing

    clock.advance(10.0)
    assert guarded.breaker.state == "half_open"
    reply = await guarded.complete(chat_request(adapter.model))
    assert reply.content
    assert guarded.breaker.state == "closed"
    assert recorder.breaker == ["open", "half_open", "closed"]


async def test_an_open_breaker_is_waited_out_when_it_closes_before_the_deadline(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    clock, recorder = FakeClock(), Recorder()
    guarded = _guard(
        adapter, clock, recorder, failure_threshold=1, cooldown=10.0, unavailable_after=60.0
    )
    guarded.breaker.record_failure()
    reply = await guarded.complete(chat_request(adapter.model))
    assert clock.sleeps == [10.0]  # slept the cool-down once: no spinning
    assert reply.attempts == 1
    assert guarded.breaker.state == "closed"


async def test_a_breaker_open_past_the_deadline_fails_with_its_state(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    clock, recorder = FakeClock(), Recorder()
    guarded = _guard(
        adapter, clock, recorder, failure_threshold=1, cooldown=300.0, unavailable_after=60.0
    )
    guarded.breaker.record_failure()
    with pytest.raises(ProviderUnavailable) as caught:
        await guarded.complete(chat_request(adapter.model))
    assert caught.value.breaker_state == "open"
    assert clock.sleeps == []
    assert fake.requests == []


async def test_rate_limits_pace_calls_and_are_shared_by_every_wrapper(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    recorder = Recorder()
    guards = Guards(GuardConfig(rpm=2, rate_period=2.0), clock=FakeClock(), observer=recorder)
    first, second = guards.wrap(adapter), guards.wrap(adapter)
    assert first.limiter is second.limiter
    began = time.monotonic()
    await first.complete(chat_request(adapter.model))
    await second.complete(chat_request(adapter.model))
    assert recorder.limited == []
    before_third = time.monotonic()
    await first.complete(chat_request(adapter.model))
    assert len(recorder.limited) == 1
    # The bucket drains one request a second: the third call waits out what is left of it.
    assert recorder.limited[0] >= 1.0 - (before_third - began) - 0.01


async def test_tokens_per_minute_count_input_and_recorded_output(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    recorder = Recorder()
    config = GuardConfig(rate_period=0.5)
    guards = Guards(
        config, clock=FakeClock(), observer=recorder, limits={adapter.name: (None, 60.0)}
    )
    guarded = guards.wrap(adapter)
    await guarded.complete(chat_request(adapter.model))
    await guarded.complete(chat_request(adapter.model))
    assert len(recorder.limited) == 1
    assert recorder.limited[0] > 0.1  # 60 tokens a half second, and input + output exceed it
