"""``session.follow``: the one loop that follows a conversation live (the terminal's transcript,
the API's event callback and the web's stream all read through it)."""

from __future__ import annotations

import asyncio

from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import MessagePosted, ParticipantSpec, StopConfig
from aiconv.queues.log import StoredEvent
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.providers import ScriptedProvider

PAIR = [
    ParticipantSpec(name="alice", agent="scripted"),
    ParticipantSpec(name="bob", agent="scripted"),
]


class CountingLog(InMemoryLog):
    """The reference log, recording the ``limit`` of every read."""

    def __init__(self) -> None:
        super().__init__()
        self.limits: list[int | None] = []

    async def read(
        self, conversation_id: str, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        self.limits.append(limit)
        return await super().read(conversation_id, after, limit)


async def finished(log: InMemoryLog, turns: int) -> ConversationState:
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stop=StopConfig(max_turns=turns)
    )
    seats = {p.name: ScriptedProvider([f"{p.name} speaks"]) for p in PAIR}
    return await session.play_all(conductor, state.conversation_id, seats)


async def test_an_ended_conversation_yields_each_later_event_with_its_state_then_stops() -> None:
    log = InMemoryLog()
    final = await finished(log, turns=2)
    steps = [step async for step in session.follow(log, final.conversation_id, after=2)]
    assert [r.sequence for r, _ in steps] == list(range(3, final.sequence + 1))
    assert all(state.sequence == r.sequence for r, state in steps)
    assert steps[-1][1].is_ended


async def test_a_batch_bounds_every_read_and_loses_nothing() -> None:
    log = CountingLog()
    final = await finished(log, turns=4)
    log.limits.clear()
    steps = [step async for step in session.follow(log, final.conversation_id, batch=3)]
    assert [r.sequence for r, _ in steps] == list(range(1, final.sequence + 1))
    assert log.limits and set(log.limits) == {3}
    assert len(log.limits) == final.sequence // 3 + 1


async def test_pings_mark_idle_spells_and_the_next_event_still_arrives() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(conductor, topic="t", participants=PAIR)
    steps = session.follow(log, state.conversation_id, idle_s=0.05, pings=True)
    async with asyncio.timeout(10):
        first = await anext(steps)
        assert first is not None and first[0].sequence == 1
        assert await anext(steps) is None  # nothing new for idle_s
        await conductor.append(state, [MessagePosted(sender="alice", content="hi")])
        while (step := await anext(steps)) is None:
            pass
    assert step[0].sequence == 2
    assert step[1].turns == 1
    await steps.aclose()


async def test_without_pings_idle_spells_are_silent() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(conductor, topic="t", participants=PAIR)
    steps = session.follow(log, state.conversation_id, idle_s=0.01)
    async with asyncio.timeout(10):
        assert (await anext(steps))[0].sequence == 1
        pending = asyncio.ensure_future(anext(steps))
        await log.wait(state.conversation_id, 1, 0.2)  # several idle spells pass, none yielded
        assert not pending.done()
        await conductor.append(state, [MessagePosted(sender="alice", content="hi")])
        recorded, _ = await pending
    assert recorded.sequence == 2
    await steps.aclose()
