"""Simulated time is recorded with the conversation, so any process stamps messages alike."""

from __future__ import annotations

import pytest

from aiconv.errors import ConfigError
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ParticipantSpec, PluginRef
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.timing import Pace, time_stamp
from aiconv.testing.providers import ScriptedProvider, varied_text

PAIR = [
    ParticipantSpec(name="customer", agent="x", persona="hurried"),
    ParticipantSpec(name="support", agent="x"),
]


async def test_a_conductor_without_a_stamp_of_its_own_sets_simulated_time() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)  # as a worker or `aic join` would run it
    paces = {"hurried": Pace(thinking_s=2.0, typing_cps=10.0, jitter=0.0)}
    state = await session.create(
        conductor, topic="t", participants=PAIR, stamp=time_stamp(paces, "fast"), seed=1
    )
    seats = {
        "customer": ScriptedProvider([varied_text(1), varied_text(3)]),
        "support": ScriptedProvider([varied_text(2), varied_text(4)]),
    }
    await session.play_all(conductor, state.conversation_id, seats)
    final = await conductor.load(state.conversation_id)
    stamps = [e.simulated_at for e in await _posted(log, state.conversation_id)]
    assert all(s is not None for s in stamps)
    assert stamps == sorted(stamps)
    # The customer thinks 2 s and types 10 characters a second before its first message.
    first = final.messages[0]
    assert stamps[0] == pytest.approx(final.started_at + 2.0 + len(first.content) / 10.0, abs=0.01)


async def test_an_unknown_recorded_stamp_is_a_clear_error() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stamp=PluginRef(name="sundial")
    )
    seats = {"customer": ScriptedProvider(["a"]), "support": ScriptedProvider(["b"])}
    with pytest.raises(ConfigError, match="'sundial'"):
        await session.play_all(conductor, state.conversation_id, seats)


async def _posted(log: InMemoryLog, cid: str) -> list:  # type: ignore[type-arg]
    from aiconv.platform import codec
    from aiconv.platform.events import MessagePosted

    return [
        r.event for r in codec.decode_all(await log.read(cid)) if isinstance(r.event, MessagePosted)
    ]
