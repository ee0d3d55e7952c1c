"""RateLimiter: aiolimiter leaky buckets paced by an injected clock (requests and tokens)."""

from __future__ import annotations

import asyncio

import pytest

from aiconv.reliability.rate_limit import ClockedBucket, RateLimiter
from aiconv.testing.clock import FakeClock


async def test_requests_per_minute_allow_a_burst_then_pace_evenly() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rpm=60, clock=clock)
    for _ in range(60):
        assert await limiter.acquire() == 0.0
    assert clock.sleeps == []
    waited = [await limiter.acquire() for _ in range(3)]
    assert waited == [pytest.approx(1.0)] * 3  # 60/min drains one request a second
    assert sum(clock.sleeps) == pytest.approx(3.0)


async def test_tokens_per_minute_use_weighted_acquire() -> None:
    clock = FakeClock()
    limiter = RateLimiter(tpm=1000, clock=clock)
    await limiter.acquire(tokens=800)
    waited = await limiter.acquire(tokens=500)
    assert waited == pytest.approx(18.0)  # 300 tokens over the bucket at 1000/60 per second


async def test_recorded_output_tokens_delay_the_next_call() -> None:
    clock = FakeClock()
    limiter = RateLimiter(tpm=600, clock=clock)
    await limiter.acquire(tokens=100)
    limiter.record(500)
    waited = await limiter.acquire(tokens=100)
    assert waited == pytest.approx(10.0)


async def test_waiters_queue_in_order_and_each_waits_its_share() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rpm=6, clock=clock)  # one request every ten seconds after the burst
    for _ in range(6):
        await limiter.acquire()
    order: list[int] = []

    async def caller(number: int) -> None:
        await limiter.acquire()
        order.append(number)

    await asyncio.wait_for(asyncio.gather(*(caller(n) for n in range(3))), timeout=5)
    assert order == [0, 1, 2]
    assert sum(clock.sleeps) == pytest.approx(30.0)


def test_an_unlimited_limiter_reports_no_limit() -> None:
    assert not RateLimiter().is_limited
    assert RateLimiter(rpm=10).is_limited


async def test_an_amount_larger_than_the_bucket_is_capped_not_refused() -> None:
    clock = FakeClock()
    bucket = ClockedBucket(100, clock=clock)
    await bucket.acquire(250)
    assert bucket.wait_time(1) == pytest.approx(0.6)


def test_a_limiter_survives_being_used_from_one_event_loop_after_another() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rpm=1, clock=clock)
    asyncio.run(limiter.acquire())
    assert asyncio.run(limiter.acquire()) == pytest.approx(60.0)
