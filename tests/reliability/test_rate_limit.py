"""RateLimiter: aiolimiter leaky buckets through their public API (requests and tokens).

Buckets pace by the event loop's clock, so these tests use periods of a fraction of a second and
assert lower bounds (a leaky bucket never lets a call through early) and order, never timings
from above.
"""

from __future__ import annotations

import asyncio

import pytest

from aiconv.reliability.rate_limit import RateLimiter

PERIOD = 0.4


async def test_requests_allow_a_burst_then_pace_evenly() -> None:
    limiter = RateLimiter(rpm=4, period=PERIOD)  # four at once, then one every 0.1 s
    for _ in range(4):
        assert await limiter.acquire() == pytest.approx(0.0, abs=0.02)
    waited = [await limiter.acquire() for _ in range(2)]
    assert all(w >= 0.09 for w in waited)


async def test_tokens_use_weighted_acquire() -> None:
    limiter = RateLimiter(tpm=1000, period=PERIOD)
    await limiter.acquire(tokens=800)
    waited = await limiter.acquire(tokens=500)
    assert waited >= 300 / 1000 * PERIOD * 0.95  # 300 tokens over the bucket


async def test_recorded_output_tokens_are_taken_by_the_next_call() -> None:
    limiter = RateLimiter(tpm=600, period=PERIOD)
    await limiter.acquire(tokens=100)
    limiter.record(500)
    waited = await limiter.acquire(tokens=100)
    assert waited >= 100 / 600 * PERIOD * 0.95  # 700 taken of a 600 bucket


async def test_waiters_queue_in_order() -> None:
    limiter = RateLimiter(rpm=2, period=PERIOD)
    for _ in range(2):
        await limiter.acquire()
    order: list[int] = []

    async def caller(number: int) -> None:
        await limiter.acquire()
        order.append(number)

    await asyncio.wait_for(asyncio.gather(*(caller(n) for n in range(3))), timeout=10)
    assert order == [0, 1, 2]


def test_an_unlimited_limiter_reports_no_limit() -> None:
    assert not RateLimiter().is_limited
    assert RateLimiter(rpm=10).is_limited


async def test_an_amount_larger_than_the_bucket_waits_for_an_empty_bucket() -> None:
    limiter = RateLimiter(tpm=100, period=PERIOD)
    assert await limiter.acquire(tokens=250) == pytest.approx(0.0, abs=0.02)
    assert await limiter.acquire(tokens=100) >= PERIOD * 0.95


def test_a_limiter_used_from_one_event_loop_after_another_starts_fresh_without_warnings() -> None:
    limiter = RateLimiter(rpm=1, period=60.0)
    assert asyncio.run(limiter.acquire()) < 1.0
    assert asyncio.run(limiter.acquire()) < 1.0
