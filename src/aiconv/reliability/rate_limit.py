"""Client-side rate limits: requests per minute and tokens per minute, as leaky buckets.

The buckets are ``aiolimiter.AsyncLimiter``s (its level bookkeeping, ``has_capacity`` and
weighted amounts), with two changes so time is injectable: the bucket drains by the injected
``Clock`` instead of the event loop's clock, and a waiter sleeps through ``Clock.sleep`` for
exactly the time the bucket needs (waiters queue in order behind a lock, so nobody spins and
nobody starves). Pacing is therefore tested with a ``FakeClock``: ``clock.sleeps`` holds every
wait. One limiter per provider is shared by every conversation in the process.
"""

from __future__ import annotations

import asyncio

from aiolimiter import AsyncLimiter

from aiconv.reliability.clock import SYSTEM_CLOCK, Clock

_MINUTE = 60.0


class ClockedBucket(AsyncLimiter):
    """An ``AsyncLimiter`` that drains by ``clock.monotonic()`` and waits with ``clock.sleep``."""

    __slots__ = ("_clock", "_queue", "_queue_loop")

    def __init__(self, max_rate: float, time_period: float = _MINUTE, *, clock: Clock) -> None:
        super().__init__(max_rate, time_period)
        self._clock = clock
        self._last_check = clock.monotonic()
        self._queue = asyncio.Lock()
        self._queue_loop: asyncio.AbstractEventLoop | None = None

    def _leak(self) -> None:
        """Drip out capacity for the time elapsed on the injected clock."""
        now = self._clock.monotonic()
        if self._level:
            elapsed = now - self._last_check
            self._level = max(self._level - elapsed * self._rate_per_sec, 0.0)
        self._last_check = now

    def wait_time(self, amount: float) -> float:
        """Seconds until ``amount`` fits in the bucket (0 when it fits now)."""
        self._leak()
        needed = self._level + amount - self.max_rate
        return max(0.0, needed / self._rate_per_sec)

    async def acquire(self, amount: float = 1) -> None:
        """Take ``amount`` (capped at the bucket size), sleeping until it fits."""
        amount = min(float(amount), self.max_rate)
        async with self._lock():
            while not self.has_capacity(amount):
                await self._clock.sleep(self.wait_time(amount))
            self._level += amount

    def _lock(self) -> asyncio.Lock:
        """The waiters' queue of the running loop (a process may run several loops in turn)."""
        loop = asyncio.get_running_loop()
        if self._queue_loop is not loop:
            self._queue, self._queue_loop = asyncio.Lock(), loop
        return self._queue

    def consume(self, amount: float) -> None:
        """Account for ``amount`` already used (e.g. output tokens), without waiting."""
        self._leak()
        self._level = min(self.max_rate, self._level + max(0.0, amount))


class RateLimiter:
    """Requests per minute and tokens per minute for one provider (``None`` = unlimited)."""

    def __init__(
        self,
        *,
        rpm: float | None = None,
        tpm: float | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.clock = clock
        self.rpm = rpm
        self.tpm = tpm
        self._requests = ClockedBucket(rpm, clock=clock) if rpm else None
        self._tokens = ClockedBucket(tpm, clock=clock) if tpm else None

    @property
    def is_limited(self) -> bool:
        """Whether any limit is configured."""
        return self._requests is not None or self._tokens is not None

    async def acquire(self, tokens: int = 0) -> float:
        """Wait for one request and ``tokens`` tokens; returns the seconds waited."""
        started = self.clock.monotonic()
        if self._requests is not None:
            await self._requests.acquire(1)
        if self._tokens is not None and tokens > 0:
            await self._tokens.acquire(tokens)
        return self.clock.monotonic() - started

    def record(self, tokens: int) -> None:
        """Count tokens spent beyond what ``acquire`` reserved (e.g. the reply's output)."""
        if self._tokens is not None and tokens > 0:
            self._tokens.consume(tokens)
