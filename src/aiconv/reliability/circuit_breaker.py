"""A small circuit breaker: closed -> open after N consecutive failures -> half-open after a
cool-down -> closed on a successful trial call (or open again on a failed one).

It never spins: a call while open is refused at once with ``ProviderUnavailable`` whose
``retry_after`` is the remaining cool-down, so the caller sleeps exactly that long. Time comes
from the injected ``Clock``. Our own state machine, because the asyncio breaker libraries are
stale; it knows nothing about agents or logs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from aiconv.errors import ProviderUnavailable
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock

BreakerState = Literal["closed", "open", "half_open"]


class BreakerOpen(ProviderUnavailable):
    """The breaker refused the call; ``retry_after`` is when it will let a trial call through."""

    kind = "unavailable"

    def __init__(self, message: str, *, provider: str, retry_after: float, state: str) -> None:
        super().__init__(
            message,
            provider=provider,
            retryable=True,
            retry_after=retry_after,
            breaker_state=state,
        )


class CircuitBreaker:
    """Per-provider breaker; ``on_change(state)`` is called on every transition."""

    def __init__(
        self,
        *,
        name: str = "",
        failure_threshold: int = 5,
        cooldown: float = 30.0,
        half_open_wait: float = 1.0,
        clock: Clock = SYSTEM_CLOCK,
        on_change: Callable[[BreakerState], None] | None = None,
    ) -> None:
        if failure_threshold < 1 or cooldown < 0:
            raise ValueError("failure_threshold must be >= 1 and cooldown >= 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self.half_open_wait = half_open_wait
        self.clock = clock
        self.on_change = on_change
        self.failures = 0
        self._state: BreakerState = "closed"
        self._opened_at = 0.0
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        """``closed``, ``open`` or ``half_open`` (an open breaker turns half-open by itself)."""
        if self._state == "open" and self.remaining() <= 0:
            self._move("half_open")
        return self._state

    def remaining(self) -> float:
        """Seconds of cool-down left while open, else 0."""
        if self._state != "open":
            return 0.0
        return max(0.0, self._opened_at + self.cooldown - self.clock.monotonic())

    def before_call(self) -> None:
        """Admit a call, or raise ``BreakerOpen`` with the time to wait.

        Half-open admits one trial call at a time; the others wait ``half_open_wait``.
        """
        state = self.state
        if state == "open":
            self._refuse(self.remaining(), state)
        if state == "half_open":
            if self._trial_in_flight:
                self._refuse(self.half_open_wait, state)
            self._trial_in_flight = True

    def record_success(self) -> None:
        """The provider answered: reset the count and close."""
        self.failures = 0
        self._trial_in_flight = False
        if self._state != "closed":
            self._move("closed")

    def record_failure(self) -> None:
        """The provider failed: open after the threshold, or at once after a failed trial."""
        self.failures += 1
        trial = self._trial_in_flight
        self._trial_in_flight = False
        if trial or self._state == "half_open" or self.failures >= self.failure_threshold:
            self._opened_at = self.clock.monotonic()
            self._move("open")

    def release(self) -> None:
        """A call ended without a verdict (e.g. cancelled): free the half-open trial slot."""
        self._trial_in_flight = False

    def _refuse(self, wait: float, state: BreakerState) -> None:
        raise BreakerOpen(
            f"{self.name or 'provider'}: circuit breaker is {state.replace('_', '-')} "
            f"after {self.failures} consecutive failures; next trial in {wait:.1f}s",
            provider=self.name,
            retry_after=wait,
            state=state,
        )

    def _move(self, state: BreakerState) -> None:
        changed = state != self._state
        self._state = state
        if changed and self.on_change is not None:
            self.on_change(state)
