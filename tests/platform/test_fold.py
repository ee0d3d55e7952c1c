"""ConversationState is a pure fold: invariants over arbitrary event streams."""

from __future__ import annotations

from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState, evolve, fold
from aiconv.platform.events import (
    AgentFailed,
    ConversationEnded,
    ConversationResumed,
    ConversationStarted,
    Event,
    MessagePosted,
    ModeratorNoted,
    ParticipantSpec,
    TurnClaimed,
)

NAMES = ("ann", "bob", "cy")
START = ConversationStarted(
    topic="t",
    participants=tuple(ParticipantSpec(name=n, agent="mock") for n in NAMES),
    first_speaker="ann",
)

steps = st.lists(
    st.one_of(
        st.builds(
            MessagePosted,
            sender=st.sampled_from(NAMES),
            content=st.text(max_size=20),
            input_tokens=st.integers(0, 1000),
            output_tokens=st.integers(0, 1000),
            cost_usd=st.none() | st.floats(0, 1),
        ),
        st.builds(
            TurnClaimed,
            speaker=st.sampled_from(NAMES),
            instance_id=st.just("i"),
            lease_expires_at=st.floats(0, 10),
        ),
        st.builds(ModeratorNoted, content=st.text(max_size=10)),
        st.builds(
            AgentFailed,
            speaker=st.sampled_from(NAMES),
            error_kind=st.just("x"),
            message=st.just("m"),
        ),
        st.builds(ConversationEnded, reason=st.just("r")),
        st.just(ConversationResumed()),
    ),
    max_size=40,
)


def recorded(events: list[Event]) -> list[Recorded]:
    return [
        Recorded(conversation_id="c", sequence=i, position=i, at=float(i), event=e)
        for i, e in enumerate(events, 1)
    ]


@given(steps)
def test_fold_invariants(events: list[Event]) -> None:
    state = fold("c", recorded([START, *events]))
    posted = [e for e in events if isinstance(e, MessagePosted)]
    assert state.sequence == len(events) + 1
    assert state.turns == len(posted)
    assert sum(state.turns_by.values()) == len(posted)
    assert state.input_tokens == sum(e.input_tokens for e in posted)
    assert state.cost_known == all(e.cost_usd is not None for e in posted)
    assert state.cost_usd == pytest.approx(sum(e.cost_usd or 0.0 for e in posted))
    ends = [
        i for i, e in enumerate(events) if isinstance(e, ConversationEnded | ConversationResumed)
    ]
    last_is_end = bool(ends) and isinstance(events[ends[-1]], ConversationEnded)
    assert state.is_ended == last_is_end
    assert state.last_sender == (posted[-1].sender if posted else None)


@given(steps)
def test_fold_is_the_same_one_event_at_a_time(events: list[Event]) -> None:
    items = recorded([START, *events])
    state = ConversationState(conversation_id="c")
    for item in items:
        state = evolve(state, item)
    assert state == fold("c", items)


def test_events_out_of_order_are_refused() -> None:
    state = fold("c", recorded([START]))
    with pytest.raises(ValueError, match="applied to state at 1"):
        evolve(
            state,
            Recorded(
                conversation_id="c", sequence=3, position=3, at=0, event=ConversationResumed()
            ),
        )


def test_a_claim_is_cleared_by_the_message_that_follows() -> None:
    claim = TurnClaimed(speaker="ann", instance_id="i", lease_expires_at=5.0)
    state = fold("c", recorded([START, claim]))
    assert state.claim is not None
    assert state.claim.is_live(4.9)
    assert not state.claim.is_live(5.0)
    state = fold("c", recorded([START, claim, MessagePosted(sender="ann", content="hi")]))
    assert state.claim is None


def test_a_message_carries_every_field_it_shares_with_its_event() -> None:
    """One message shape: what the fold keeps of a posted message is the event's own values."""
    posted = MessagePosted(
        sender="bob", content="hi", model="m-1", provider="p", input_tokens=3,
        output_tokens=4, cost_usd=0.5, latency_s=1.5, attempts=2, cached=True,
        saved_usd=0.25, truncated=True,
    )  # fmt: skip
    message = fold("c", recorded([START, posted])).messages[0]
    shared = {f.name for f in fields(message)} & {f.name for f in fields(posted)}
    assert shared >= {"sender", "content", "model", "cost_usd", "cached", "truncated"}
    assert {n: getattr(message, n) for n in shared} == {n: getattr(posted, n) for n in shared}
    assert (message.sequence, message.at, message.moderator) == (2, 2.0, False)
