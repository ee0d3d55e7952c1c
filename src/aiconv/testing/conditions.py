"""Wait on a condition with a deadline: the test-side answer to sleep-and-hope.

``eventually`` re-checks a (sync or async) predicate at a short interval and fails with a
message that says what never became true. It must not be used by production code, which
waits on real wake-ups (``ConversationLog.wait``).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

Check = Callable[[], bool | Awaitable[bool]]


async def eventually(
    check: Check, *, timeout: float, interval: float = 0.02, what: str = "the condition"
) -> None:
    """Return once ``check()`` is true; ``AssertionError`` naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    for _ in iter(int, 1):  # until the deadline; a `for` so each round is one bounded sleep
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g}s")
        await asyncio.sleep(interval)
