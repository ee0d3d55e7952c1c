"""Client-side rate limits: requests per minute and tokens per minute, as leaky buckets.

The buckets are ``aiolimiter.AsyncLimiter``\\s used through their public API only (``acquire``
with a weight, ``max_rate``): they pace by the event loop's clock, so pacing is tested with
short periods (``period``) rather than a fake clock. Output tokens are known only after a reply;
``record`` notes them and the next ``acquire`` takes them from the bucket along with its own
input, so a burst of long replies slows what follows. One limiter per provider is shared by
every conversation in the process; a bucket belongs to the event loop it was first used on, and
a limiter used from a new loop (``asyncio.run`` again) starts fresh buckets there.
"""

from __future__ import annotations

import asyncio

from aiolimiter import AsyncLimiter

_MINUTE = 60.0


class RateLimiter:
    """Requests and tokens per ``period`` seconds (a minute) for one provider; ``None`` is
    unlimited."""

    def __init__(
        self, *, rpm: float | None = None, tpm: float | None = None, period: float = _MINUTE
    ) -> None:
        self.rpm = rpm
        self.tpm = tpm
        self.period = period
        self._owed = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._requests: AsyncLimiter | None = None
        self._tokens: AsyncLimiter | None = None

    @property
    def is_limited(self) -> bool:
        """Whether any limit is configured."""
        return bool(self.rpm or self.tpm)

    async def acquire(self, tokens: int = 0) -> float:
        """Wait for one request and ``tokens`` tokens (plus those recorded since the last call);
        returns the seconds waited (0 when the buckets had room)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        requests, token_bucket = self._buckets(loop)
        owed, self._owed = self._owed, 0
        takes = [(requests, 1.0)]
        if tokens + owed > 0 and token_bucket is not None:
            # A request larger than the whole bucket waits for an empty bucket, not forever.
            takes.append((token_bucket, min(float(tokens + owed), token_bucket.max_rate)))
        held = False
        for bucket, amount in takes:
            if bucket is not None:
                held = held or not bucket.has_capacity(amount)
                await bucket.acquire(amount)
        return loop.time() - started if held else 0.0

    def record(self, tokens: int) -> None:
        """Count tokens spent beyond what ``acquire`` took (the reply's output)."""
        if self.tpm and tokens > 0:
            self._owed += tokens

    def _buckets(
        self, loop: asyncio.AbstractEventLoop
    ) -> tuple[AsyncLimiter | None, AsyncLimiter | None]:
        if self._loop is not loop:
            self._loop = loop
            self._requests = AsyncLimiter(self.rpm, self.period) if self.rpm else None
            self._tokens = AsyncLimiter(self.tpm, self.period) if self.tpm else None
        return self._requests, self._tokens
