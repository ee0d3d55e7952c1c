"""Cancelling tasks so that they stop: a cancellation requested ends the work, or is asserted again.

A library can lose a cancellation: redis-py swallows one that cuts a read short by a reconnect
(a worker given SIGTERM on a Redis Cluster never exited), and a timeout racing it takes it back
(``Task.uncancel``: ``Task.cancelling()`` is 0 again). Cancelling again at once and often cuts a
provider's or tool's close short (a one-second ``aclose`` never finished), so a task is cancelled
again only when its cancellation was lost: taken back, or the task still running ``UNWIND_S``
after it. This module decides how to cancel, never when: that is its callers' business.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any

#: How often a cancelled task is looked at, to cancel it again if its cancellation was lost.
RECANCEL_AFTER_S = 0.5
#: How long a cancelled task may take to clean up (a provider's pool, a tool server) before it
#: is cancelled again all the same.
UNWIND_S = 5.0


async def cancel_and_wait(tasks: Collection[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` and wait until every one has ended, clean-up included; a task whose
    cancellation was lost (taken back, or still running after ``UNWIND_S``) is cancelled again.
    A task cancelled already is not cancelled a second time while it unwinds. Cancelled itself
    meanwhile (asked again to stop), it cancels the tasks still running again at once, waits on
    and then lets its own cancellation go on. The tasks' outcomes are retrieved, not raised."""
    loop = asyncio.get_running_loop()
    pending = {task for task in tasks if not task.done()}
    for task in pending:
        if task.cancelling() == 0:
            task.cancel()
    overdue_at = loop.time() + UNWIND_S
    cancelled: asyncio.CancelledError | None = None
    while pending:
        try:
            _, pending = await asyncio.wait(pending, timeout=RECANCEL_AFTER_S)
        except asyncio.CancelledError as exc:
            cancelled, overdue_at = exc, loop.time()
        overdue = loop.time() >= overdue_at
        for task in pending:
            if overdue or task.cancelling() == 0:
                task.cancel()
        if overdue:
            overdue_at = loop.time() + UNWIND_S
    await asyncio.gather(*tasks, return_exceptions=True)
    if cancelled is not None:
        raise cancelled


async def wait_all(tasks: Collection[asyncio.Task[Any]]) -> None:
    """Wait until every one of ``tasks`` has ended; cancelled meanwhile, stop them all with
    ``cancel_and_wait`` before the cancellation goes on.

    In the body of an ``asyncio.TaskGroup``, this makes the group's cancellation stick: the
    group cancels its tasks once (when it is cancelled, or one of them fails), and cancelling it
    again never reaches them, so a task that lost its cancellation kept the group, and whatever
    awaits it, waiting for ever."""
    if not tasks:
        return
    try:
        await asyncio.wait(tasks)
    except asyncio.CancelledError:
        await cancel_and_wait(tasks)
        raise
