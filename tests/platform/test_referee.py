"""The referee inside real conversations: loops end or nudge, goodbyes end only when mutual."""

from __future__ import annotations

from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import LoopDetected, ModeratorNoted, ParticipantSpec, StopConfig
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.providers import ScriptedProvider, varied_text

PAIR = (
    ParticipantSpec(name="ann", agent="scripted"),
    ParticipantSpec(name="bob", agent="scripted"),
)
STUCK = "I still think we should restart the router before anything else, honestly."


async def run(ann: list[str], bob: list[str], **stop: object) -> tuple[InMemoryLog, str]:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor,
        topic="t",
        participants=PAIR,
        stop=StopConfig(**{"max_turns": 20, **stop}),  # type: ignore[arg-type]
    )
    seats = {"ann": ScriptedProvider(ann), "bob": ScriptedProvider(bob)}
    await session.play_all(conductor, state.conversation_id, seats)
    return log, state.conversation_id


async def events_of(log: InMemoryLog, cid: str) -> list[object]:
    return [r.event for r in codec.decode_all(await log.read(cid))]


async def test_a_repeating_participant_ends_the_conversation_with_reason_loop() -> None:
    log, cid = await run([STUCK], [varied_text(i) for i in range(10)])
    events = await events_of(log, cid)
    loops = [e for e in events if isinstance(e, LoopDetected)]
    assert [loop.loop_kind for loop in loops] == ["repetition"]
    assert [loop.kind for loop in loops] == ["repetition"]  # issue 6: "LoopDetected (kind, …)"
    assert loops[0].score > 0 and loops[0].sequences
    state = await Conductor(log).load(cid)
    assert state.ended is not None
    assert state.ended.reason == "loop"
    assert state.turns == 3


async def test_nudge_policy_asks_to_move_on_first_and_ends_on_the_second_loop() -> None:
    log, cid = await run([STUCK], [varied_text(i) for i in range(20)], loop_policy="nudge")
    events = await events_of(log, cid)
    kinds = [type(e).__name__ for e in events if isinstance(e, LoopDetected | ModeratorNoted)]
    assert kinds == ["LoopDetected", "ModeratorNoted", "LoopDetected"]
    state = await Conductor(log).load(cid)
    assert state.ended is not None
    assert state.ended.reason == "loop"
    assert any(m.moderator for m in state.messages)


async def test_loop_policy_off_lets_it_run_to_the_limit() -> None:
    log, cid = await run([STUCK], [varied_text(i) for i in range(20)], loop_policy="off")
    state = await Conductor(log).load(cid)
    assert state.ended is not None
    assert state.ended.reason == "max_turns"


async def test_mutual_goodbye_ends_with_reason_closing() -> None:
    log, cid = await run(
        [varied_text(1), "Thanks for all the help today, goodbye!"],
        [varied_text(2), "You too, take care!", varied_text(3)],
    )
    state = await Conductor(log).load(cid)
    assert state.ended is not None
    assert state.ended.reason == "closing"
    assert state.turns == 4


async def test_a_negated_or_one_sided_goodbye_does_not_end_it() -> None:
    log, cid = await run(
        ["I'm not saying goodbye yet, one more question.", "Okay, goodbye then."],
        [varied_text(5), varied_text(6), varied_text(7)],
        max_turns=5,
    )
    state = await Conductor(log).load(cid)
    assert state.ended is not None
    assert state.ended.reason == "max_turns"


async def test_single_closing_policy_ends_on_the_first_goodbye() -> None:
    log, cid = await run([varied_text(1), "Goodbye!"], [varied_text(2)], closing="single")
    state = await Conductor(log).load(cid)
    assert state.ended is not None
    assert state.ended.reason == "closing"
    assert state.turns == 3
