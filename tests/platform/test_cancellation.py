"""Cancelling tasks so that they stop: once, again when the cancellation is lost, and never
leaving a task behind when the one stopping them is cancelled itself."""

from __future__ import annotations

import asyncio

from aiconv.platform.cancellation import cancel_and_wait


async def test_stopping_cancelled_itself_still_waits_for_the_tasks_and_then_goes_on() -> None:
    """Asked again to stop (its caller cancelled once more), ``cancel_and_wait`` cancels the
    tasks still running again at once, waits for them to end and only then lets its own
    cancellation go on: it must not leave a task running behind it."""
    started = asyncio.Event()
    lost = asyncio.Event()
    lives: list[str] = []

    async def stubborn() -> None:
        started.set()
        for _ in range(2):  # swallows one cancellation, as a reconnecting client can
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                lives.append("cancelled")
                lost.set()
        lives.append("ended")

    task = asyncio.create_task(stubborn())
    async with asyncio.timeout(5):
        await started.wait()
    stopping = asyncio.create_task(cancel_and_wait([task]))
    async with asyncio.timeout(5):
        await lost.wait()  # the first cancellation landed, and was swallowed
    stopping.cancel()  # asked again: no waiting 5 s for the unwind deadline
    done, _ = await asyncio.wait({stopping}, timeout=3)
    assert done and stopping.cancelled()
    assert task.done() and lives == ["cancelled", "cancelled", "ended"]
