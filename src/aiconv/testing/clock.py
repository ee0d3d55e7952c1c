"""A fake clock: time moves only when a test (or a sleeper) advances it."""

from __future__ import annotations

import asyncio

from aiconv.reliability.clock import Clock


class FakeClock(Clock):
    """Starts at ``start``; ``sleep`` advances time at once instead of waiting.

    ``sleeps`` records every requested sleep so tests can assert back-off and pacing.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._mono = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        """The fake wall-clock time."""
        return self._now

    def monotonic(self) -> float:
        """The fake monotonic time."""
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self._now += seconds
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        """Record the sleep, advance time, and yield to the loop once."""
        self.sleeps.append(seconds)
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)
