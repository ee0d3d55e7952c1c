"""``StreamWaiters``: tasks waiting for conversations to grow, woken by the append that grows them.

The wake-up primitive every in-tree backend builds on (memory, SQLite, Redis) and the contract
suite observes. One event loop, no I/O, no threads, no polling: a wait is one future and one
timer, resolved by ``notify``. How a backend learns that another process grew a stream (a
``PRAGMA data_version`` watcher, a blocking ``XREAD``) is the backend's business; it calls
``notify`` when it does.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable


class StreamWaiters:
    """Tasks waiting for conversations to grow past a sequence, woken by ``notify``."""

    def __init__(self) -> None:
        self._waiting: dict[str, dict[asyncio.Future[bool], int]] = {}
        self._parked: collections.Counter[str] = collections.Counter()

    def __bool__(self) -> bool:
        return bool(self._waiting)

    def parked(self, conversation_id: str) -> int:
        """How many waits on ``conversation_id`` are past their check, waiting for a wake-up
        (tests use it to know the wake-up path, not the already-beyond path, is exercised)."""
        return self._parked[conversation_id]

    def notify(self, conversation_id: str, last_sequence: int) -> None:
        """The stream of ``conversation_id`` now reaches ``last_sequence``: wake who waited less."""
        for future, after in self._waiting.get(conversation_id, {}).items():
            if last_sequence > after and not future.done():
                future.set_result(True)

    async def wait(
        self,
        conversation_id: str,
        after: int,
        timeout: float,
        last_sequence: Callable[[], Awaitable[int]],
        on_register: Callable[[], None] | None = None,
    ) -> bool:
        """True once the stream holds a sequence beyond ``after``; False when ``timeout`` passed.

        The future is registered *before* ``last_sequence`` is checked, so an append that lands
        between the check and the await still wakes this waiter. One future and one timer per
        wait (no ``asyncio.wait``): this runs twice a turn for every waiting participant.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        futures = self._waiting.setdefault(conversation_id, {})
        futures[future] = after
        timer: asyncio.TimerHandle | None = None
        try:
            if on_register is not None:
                on_register()
            if await last_sequence() > after:
                return True
            timer = loop.call_later(max(timeout, 0.0), _expire, future)
            self._parked[conversation_id] += 1
            try:
                return await future
            finally:
                self._parked[conversation_id] -= 1
        finally:
            if timer is not None:
                timer.cancel()
            future.cancel()
            del futures[future]
            if not futures:
                self._waiting.pop(conversation_id, None)


def _expire(future: asyncio.Future[bool]) -> None:
    if not future.done():
        future.set_result(False)
