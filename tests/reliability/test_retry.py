"""RetryPolicy: jittered backoff, retry-after honoured and capped, tenacity on a fake clock."""

from __future__ import annotations

import random

import pytest

from aiconv.errors import ProviderError, ProviderRejected, RateLimited
from aiconv.reliability.retry import (
    RetryPolicy,
    error_for_status,
    parse_retry_after,
    retry_after_from,
)
from aiconv.testing.clock import FakeClock


def test_backoff_is_jittered_below_an_exponential_ceiling_capped_at_cap() -> None:
    policy = RetryPolicy(base=1.0, cap=5.0)
    rng = random.Random(7)
    for number, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (9, 5.0)]:
        delays = [policy.backoff(number, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter spreads over the whole range


def test_delay_prefers_the_server_hint_capped_at_max_retry_after() -> None:
    policy = RetryPolicy(max_retry_after=10.0)
    rng = random.Random(1)
    assert policy.delay(1, RateLimited("slow down", retry_after=2.5), rng) == 2.5
    assert policy.delay(1, RateLimited("slow down", retry_after=500), rng) == 10.0


def test_parse_retry_after_reads_seconds_and_http_dates() -> None:
    now = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
    assert parse_retry_after("3", now=now) == 3.0
    assert parse_retry_after("0.5", now=now) == 0.5
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now=now) == pytest.approx(30.0)
    assert parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None


def test_retry_after_ms_wins_over_retry_after() -> None:
    headers = {"retry-after-ms": "1500", "retry-after": "9"}
    assert retry_after_from(headers.get, now=0.0) == 1.5
    assert retry_after_from({"retry-after": "9"}.get, now=0.0) == 9.0


@pytest.mark.parametrize(
    ("status", "retryable", "kind"),
    [
        (400, False, "rejected"),
        (401, False, "rejected"),
        (404, False, "rejected"),
        (408, True, "provider_error"),
        (409, True, "provider_error"),
        (429, True, "rate_limited"),
        (500, True, "provider_error"),
        (503, True, "provider_error"),
        (529, True, "provider_error"),
    ],
)
def test_error_for_status_retries_only_408_409_429_and_5xx(
    status: int, retryable: bool, kind: str
) -> None:
    error = error_for_status(status, "boom", provider="x", retry_after=1.0 if retryable else None)
    assert error.retryable is retryable
    assert error.kind == kind
    assert error.status == status


async def test_retrying_sleeps_on_the_fake_clock_and_honours_the_hint() -> None:
    clock = FakeClock()
    policy = RetryPolicy(attempts=3, base=1.0, cap=8.0)
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RateLimited("429", retry_after=4.0)
        if calls == 2:
            raise ProviderError("500", retryable=True, status=500)
        return "ok"

    retrying = policy.retrying(retry=lambda e: getattr(e, "retryable", False), clock=clock)
    assert await retrying(flaky) == "ok"
    assert calls == 3
    assert clock.sleeps[0] == 4.0
    assert 0.0 <= clock.sleeps[1] <= 2.0


async def test_retrying_never_retries_a_rejected_request() -> None:
    clock = FakeClock()
    calls = 0

    async def bad() -> str:
        nonlocal calls
        calls += 1
        raise ProviderRejected("400", status=400)

    retrying = RetryPolicy().retrying(retry=lambda e: getattr(e, "retryable", False), clock=clock)
    with pytest.raises(ProviderRejected):
        await retrying(bad)
    assert calls == 1
    assert clock.sleeps == []
