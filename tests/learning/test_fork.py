"""Fork semantics on every backend (memory, SQLite, a real redis-server): the parent never
changes, the child holds the parent's first N events then continues at N + 1 with the same or
other agents, original times are kept, and a fork of a fork works the same way."""

from __future__ import annotations

import pytest

from aiconv.errors import ConfigError, ConversationNotFound
from aiconv.learning.fork import fork, fork_id_for, forks_of
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import (
    ConversationForked,
    ConversationResumed,
    MessagePosted,
    OutcomeDecided,
    ParticipantSpec,
    StopConfig,
)
from aiconv.queues.log import ConversationLog, ListQuery
from aiconv.testing.providers import ScriptedProvider

SPECS = (
    ParticipantSpec(name="customer", agent="mock"),
    ParticipantSpec(name="support", agent="mock"),
)


async def _parent(conductor: Conductor) -> ConversationState:
    state = await session.create(
        conductor, topic="lost card", participants=SPECS, stop=StopConfig(max_turns=6)
    )
    seats = {
        "customer": ScriptedProvider(["I lost my card", "It was stolen", "Thanks"]),
        "support": ScriptedProvider(["Sorry! Blocking it.", "Done, new card sent.", "Bye"]),
    }
    return await session.play_all(conductor, state.conversation_id, seats)


def _bodies(stored: list) -> list[tuple[str, bytes]]:  # type: ignore[type-arg]
    return [(s.kind, s.data) for s in stored]


async def test_the_child_holds_the_first_n_events_and_the_parent_never_changes(
    log: ConversationLog,
) -> None:
    conductor = Conductor(log)
    parent = await _parent(conductor)
    before = await log.read(parent.conversation_id)
    at = 5  # started, claim, message, claim, message
    child = await fork(
        conductor,
        parent.conversation_id,
        at=at,
        participants={"support": ParticipantSpec(name="support", agent="echo")},
        stop=StopConfig(max_turns=6),
    )
    seats = {
        "customer": ScriptedProvider(["Still waiting for the card"]),
        "support": ScriptedProvider(["A different agent answers", "And again"]),
    }
    done = await session.play_all(conductor, child.conversation_id, seats)

    assert _bodies(await log.read(parent.conversation_id)) == _bodies(before)
    copied = codec.decode_all((await log.read(done.conversation_id))[:at])
    originals = codec.decode_all(before[:at])
    assert [r.event.KIND for r in copied] == [r.event.KIND for r in originals]
    messages = [r for r in copied if isinstance(r.event, MessagePosted)]
    assert [m.event.content for m in messages] == ["I lost my card", "Sorry! Blocking it."]
    # each copy keeps the time of its original
    parent_times = [m.at for m in parent.messages[:2]]
    assert [m.at for m in done.messages[:2]] == parent_times
    marker = codec.decode((await log.read(done.conversation_id))[at])
    assert isinstance(marker.event, ConversationForked)
    assert (marker.sequence, marker.event.parent_id, marker.event.at_sequence) == (
        at + 1,
        parent.conversation_id,
        at,
    )
    assert done.messages[2].sequence > at + 1
    assert done.messages[2].content == "Still waiting for the card"
    assert done.messages[3].content == "A different agent answers"
    assert done.participant("support").agent == "echo"
    assert done.forked is not None and done.started is not None
    assert done.started.metadata["forked_from"]["conversation_id"] == parent.conversation_id
    assert done.started_at >= parent.updated_at
    assert await forks_of(log, parent.conversation_id) == [done.conversation_id]
    [entry] = await log.list_conversations(ListQuery(tag="fork"))
    assert entry.conversation_id == done.conversation_id and entry.status == "ended"


async def test_a_fork_of_a_fork_points_at_its_own_parent(log: ConversationLog) -> None:
    conductor = Conductor(log)
    parent = await _parent(conductor)
    child = await fork(conductor, parent.conversation_id, at=3)
    child = await session.play_all(
        conductor,
        child.conversation_id,
        {"customer": ScriptedProvider(["x"]), "support": ScriptedProvider(["child says"])},
    )
    grandchild = await fork(
        conductor, child.conversation_id, at=len(await log.read(child.conversation_id)) - 1
    )
    assert grandchild.forked is not None
    assert grandchild.forked.parent_id == child.conversation_id
    assert [m.content for m in grandchild.messages] == [m.content for m in child.messages]
    assert not grandchild.is_ended  # the fork point was before the child's end
    assert await forks_of(log, child.conversation_id) == [grandchild.conversation_id]
    assert await forks_of(log, parent.conversation_id) == [child.conversation_id]


@pytest.mark.parametrize("verdict", [False, True], ids=["ended", "ended-and-judged"])
async def test_a_fork_at_the_end_copies_all_but_the_ending_and_goes_on(
    log: ConversationLog, verdict: bool
) -> None:
    """``--at`` its last event (the ``ConversationEnded``, or an outcome recorded after it): the
    child holds everything before the ending, which (with the verdict) stays the parent's, so
    its history does not end, nor get judged, half-way through."""
    conductor = Conductor(log)
    parent = await _parent(conductor)
    ending = parent.sequence
    if verdict:
        parent = await conductor.append(parent, [OutcomeDecided(outcome="resolved", by="rules")])
    child = await fork(
        conductor, parent.conversation_id, at=parent.sequence, stop=StopConfig(max_turns=8)
    )
    kinds = [r.event.KIND for r in codec.decode_all(await log.read(child.conversation_id))]
    assert kinds[-1] == "ConversationForked" and len(kinds) == ending
    assert "ConversationEnded" not in kinds and "OutcomeDecided" not in kinds
    assert child.forked is not None and child.forked.at_sequence == ending - 1
    assert not child.is_ended and child.claim is None and child.last_claim is None
    done = await session.play_all(
        conductor,
        child.conversation_id,
        {"customer": ScriptedProvider(["one more thing"]), "support": ScriptedProvider(["sure"])},
    )
    assert [m.content for m in done.messages[-2:]] == ["one more thing", "sure"]
    assert [m.content for m in done.messages[:-2]] == [m.content for m in parent.messages]


async def test_a_fork_at_an_end_that_was_resumed_copies_the_ending(log: ConversationLog) -> None:
    """An ending the parent was resumed from is its history, copied like any other event (at a
    point after the resumption the parent had not ended)."""
    conductor = Conductor(log)
    parent = await _parent(conductor)
    parent = await conductor.append(parent, [ConversationResumed(by="test")])
    child = await fork(conductor, parent.conversation_id, at=parent.sequence)
    kinds = [r.event.KIND for r in codec.decode_all(await log.read(child.conversation_id))]
    assert kinds[-3:] == ["ConversationEnded", "ConversationResumed", "ConversationForked"]
    assert child.forked is not None and child.forked.at_sequence == parent.sequence


async def test_deterministic_fork_ids_make_a_second_fork_a_conflict(log: ConversationLog) -> None:
    from aiconv.errors import SequenceConflict

    conductor = Conductor(log)
    parent = await _parent(conductor)
    cid = fork_id_for("replay-1", parent.conversation_id, 3)
    await fork(conductor, parent.conversation_id, at=3, conversation_id=cid)
    with pytest.raises(SequenceConflict):
        await fork(conductor, parent.conversation_id, at=3, conversation_id=cid)


@pytest.mark.parametrize("at", [0, 99])
async def test_a_point_outside_the_parent_is_refused(log: ConversationLog, at: int) -> None:
    conductor = Conductor(log)
    parent = await _parent(conductor)
    with pytest.raises(ConfigError, match=f"--at {at} is outside"):
        await fork(conductor, parent.conversation_id, at=at)
    assert await log.count_conversations() == 1


async def test_unknown_parent_or_participant_is_refused(log: ConversationLog) -> None:
    conductor = Conductor(log)
    with pytest.raises(ConversationNotFound):
        await fork(conductor, "nope", at=1)
    parent = await _parent(conductor)
    with pytest.raises(ConfigError, match="ghost is not a participant"):
        await fork(
            conductor,
            parent.conversation_id,
            at=2,
            participants={"ghost": ParticipantSpec(name="ghost", agent="mock")},
        )
