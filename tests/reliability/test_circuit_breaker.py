"""CircuitBreaker: opens after N consecutive failures, never spins, recovers through half-open."""

from __future__ import annotations

import pytest

from aiconv.errors import ProviderUnavailable
from aiconv.reliability.circuit_breaker import BreakerOpen, CircuitBreaker
from aiconv.testing.clock import FakeClock


def _breaker(clock: FakeClock, changes: list[str]) -> CircuitBreaker:
    return CircuitBreaker(
        name="p", failure_threshold=3, cooldown=10.0, clock=clock, on_change=changes.append
    )


def test_breaker_opens_after_threshold_consecutive_failures() -> None:
    clock, changes = FakeClock(), []
    breaker = _breaker(clock, changes)
    for _ in range(2):
        breaker.before_call()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == "open"
    assert changes == ["open"]


def test_a_success_resets_the_consecutive_count() -> None:
    breaker = _breaker(FakeClock(), [])
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_open_breaker_refuses_at_once_with_the_remaining_cooldown() -> None:
    clock = FakeClock()
    breaker = _breaker(clock, [])
    for _ in range(3):
        breaker.record_failure()
    clock.advance(4.0)
    with pytest.raises(BreakerOpen) as caught:
        breaker.before_call()
    assert isinstance(caught.value, ProviderUnavailable)
    assert caught.value.retry_after == pytest.approx(6.0)
    assert caught.value.breaker_state == "open"
    assert caught.value.retryable


def test_breaker_recovers_through_half_open_on_a_successful_trial() -> None:
    clock, changes = FakeClock(), []
    breaker = _breaker(clock, changes)
    for _ in range(3):
        breaker.record_failure()
    clock.advance(10.0)
    assert breaker.state == "half_open"
    breaker.before_call()  # the trial call
    with pytest.raises(BreakerOpen) as second:
        breaker.before_call()  # only one trial at a time
    assert second.value.breaker_state == "half_open"
    breaker.record_success()
    assert breaker.state == "closed"
    assert changes == ["open", "half_open", "closed"]


def test_a_failed_trial_opens_the_breaker_again_for_a_full_cooldown() -> None:
    clock = FakeClock()
    breaker = _breaker(clock, [])
    for _ in range(3):
        breaker.record_failure()
    clock.advance(10.0)
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == "open"
    assert breaker.remaining() == pytest.approx(10.0)
