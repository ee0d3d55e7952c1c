"""Ctrl+C and SIGTERM stop a command's work: the cancellation is asserted again when a library
loses it, and the work's clean-up (a provider's close) still runs to its end."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable

import pytest

from aiconv.cli.wiring import run_interruptibly
from tests.cancelling import wait_taking_back_cancellation


async def stopped_within(
    seconds: float, work: Callable[[], Awaitable[str]]
) -> tuple[str | None, bool]:
    """``run_interruptibly(work)``'s answer, which must come within ``seconds`` (waited on
    without cancelling it: a cancellation from outside would stop the work on its own)."""
    running = asyncio.create_task(run_interruptibly(work))
    done, _ = await asyncio.wait({running}, timeout=seconds)
    if not done:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        pytest.fail(f"the work did not stop within {seconds} s of the signal")
    return running.result()


def interrupt_when(
    started: asyncio.Event, sig: signal.Signals = signal.SIGINT
) -> asyncio.Task[None]:
    """Send ``sig`` to this process once ``started`` is set (the handler runs on the loop)."""

    async def send() -> None:
        await started.wait()
        os.kill(os.getpid(), sig)

    return asyncio.create_task(send())


@pytest.mark.timeout(30)
async def test_a_cancellation_taken_back_is_asserted_again() -> None:
    """A timeout racing Ctrl+C takes the cancellation back (``uncancel``); the work then ran on
    to its natural end (here: for ever) instead of stopping."""
    started = asyncio.Event()
    taken_back: list[bool] = []

    async def work() -> str:
        started.set()
        await wait_taking_back_cancellation(taken_back)

    sender = interrupt_when(started, signal.SIGTERM)
    assert await stopped_within(10, work) == (None, True)
    await sender
    assert taken_back == [True]


@pytest.mark.timeout(30)
async def test_a_cancellation_swallowed_is_asserted_again_after_the_unwind_deadline() -> None:
    """redis-py can swallow the cancellation of a read cut short by a reconnect: the read
    returns, and the work went on to its natural end; it is cancelled again once it has not
    ended within the unwind deadline."""
    started = asyncio.Event()
    swallowed: list[bool] = []

    async def work() -> str:
        started.set()
        while True:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed.append(True)  # the read returns as if nothing happened

    sender = interrupt_when(started)
    assert await stopped_within(15, work) == (None, True)
    await sender
    assert swallowed == [True]


@pytest.mark.timeout(30)
async def test_an_interrupted_work_finishes_its_clean_up() -> None:
    """The work is cancelled once: its clean-up (a one-second close, as a provider's pool may
    take) is not cut short by cancelling it again while it unwinds, nor by a second Ctrl+C."""
    started = asyncio.Event()
    closing = asyncio.Event()
    closed: list[str] = []

    async def work() -> str:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            closing.set()
            await asyncio.sleep(1.0)
            closed.append("closed")
        return "unreachable"

    sender = interrupt_when(started)
    second = interrupt_when(closing)
    assert await stopped_within(10, work) == (None, True)
    await asyncio.gather(sender, second)
    assert closed == ["closed"]


@pytest.mark.timeout(30)
async def test_a_cancellation_from_outside_is_not_taken_for_a_signal() -> None:
    """Cancelled by its caller (a timeout, a task group), with no signal, the command's work is
    not interrupted by the user: the cancellation propagates (it was swallowed and reported as
    an interruption)."""
    started = asyncio.Event()

    async def work() -> str:
        started.set()
        await asyncio.Event().wait()
        return "unreachable"

    running = asyncio.create_task(run_interruptibly(work))
    async with asyncio.timeout(10):
        await started.wait()
    running.cancel()
    done, _ = await asyncio.wait({running}, timeout=10)
    assert done and running.cancelled()
