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


class Delivered:
    """The newest sequence delivered of each conversation waited on here (by a backend's
    watcher of other processes' appends, or by this process's own appends), so that a wait for
    what is not delivered yet parks without asking the log first (half the log reads of a turn
    between two seats of one process; on Redis, round trips).

    Sound because: a conversation is *watched* (``-1``: unknown) before the first wait's check
    reads the log, and from then on every append the watcher delivers is recorded (``saw``), so
    an append delivered before the watch was already in the log when that check read it; the
    watcher delivers a conversation's appends in order, so every append beyond a recorded head
    is still to be delivered, and will wake the wait; whatever may make the watcher skip appends
    (a Redis reader's outage and resync; a SQLite watcher moved past appends it did not read)
    forgets everything. A head beyond ``after`` is still checked against the log (a failover
    may have lost it). At most ``capacity`` conversations, least recently waited on forgotten
    first (their next wait checks the log again).
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._heads: collections.OrderedDict[str, int] = collections.OrderedDict()

    def watch(self, conversation_id: str) -> int:
        """Watch ``conversation_id``; the head delivered since, ``-1`` if not known yet."""
        heads = self._heads
        known = heads.get(conversation_id)
        if known is None:
            heads[conversation_id] = known = -1
            if len(heads) > self.capacity:
                heads.popitem(last=False)
        else:
            heads.move_to_end(conversation_id)
        return known

    def saw(self, conversation_id: str, sequence: int) -> None:
        """The watcher delivered ``sequence`` of ``conversation_id``, or the log said (read after
        the conversation was watched) that its stream reaches it."""
        known = self._heads.get(conversation_id)
        if known is not None and sequence > known:
            self._heads[conversation_id] = sequence

    def forget(self) -> None:
        """Forget every head (when the watcher may have skipped appends)."""
        self._heads.clear()


async def nothing_newer(after: int) -> int:
    """A wait's check that finds nothing beyond ``after`` (the watcher will wake it)."""
    return after


def _expire(future: asyncio.Future[bool]) -> None:
    if not future.done():
        future.set_result(False)
