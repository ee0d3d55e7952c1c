"""Seats of one process waiting for a sibling's append in flight: woken when it settles, and a
waiter cancelled meanwhile disturbs neither the append nor the other waiters."""

from __future__ import annotations

import asyncio

from aiconv.platform.seat_states import SeatStates


async def test_waiting_seats_wake_when_the_append_settles_and_a_cancelled_one_alone_ends() -> None:
    states = SeatStates()
    with states.playing("c1", "alice"), states.playing("c1", "bob"):
        append = states.appending("c1")
        assert not states.is_appending("c1")
        with append:
            assert states.is_appending("c1")
            first = asyncio.create_task(states.settled("c1"))
            second = asyncio.create_task(states.settled("c1"))
            third = asyncio.create_task(states.settled("c1"))
            for _ in range(5):
                await asyncio.sleep(0)
            assert not (first.done() or second.done() or third.done())
            second.cancel()
            for _ in range(5):
                await asyncio.sleep(0)
            assert second.cancelled() and not (first.done() or third.done())
        async with asyncio.timeout(5):
            await asyncio.gather(first, third)
        await states.settled("c1")  # nothing in flight any more: returns at once
        assert not states.is_appending("c1")


async def test_a_lone_seat_notes_no_append() -> None:
    states = SeatStates()
    with states.playing("c1", "alice"), states.appending("c1"):
        assert not states.is_appending("c1")
        async with asyncio.timeout(5):
            await states.settled("c1")
