"""The clock port: wall time, monotonic time and sleeping, injectable so tests never wait."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Time as seen by the platform."""

    def now(self) -> float:
        """Wall-clock time, seconds since the epoch."""
        ...

    def monotonic(self) -> float:
        """A monotonic reading for measuring durations."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock(Clock):
    """The real clock."""

    def now(self) -> float:
        """Wall-clock time, seconds since the epoch."""
        return time.time()

    def monotonic(self) -> float:
        """``time.perf_counter()``."""
        return time.perf_counter()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
