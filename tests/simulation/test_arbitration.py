"""Distributed outcomes: proposals in messages, every arbitration rule, and the outcome stop."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict

import pytest

from aiconv.errors import ConfigError, ScenarioError
from aiconv.platform import session
from aiconv.platform.codec import decode_all
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import OutcomeDecided, OutcomeProposed, ParticipantSpec, PluginRef
from aiconv.queues.log import NewEvent
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.arbitration import (
    Arbitration,
    OutcomeReferee,
    arbitrate,
    arbitration_judge,
    parse_proposal,
    votes_of,
)
from aiconv.testing.providers import ScriptedProvider
from tests.simulation.conftest import state_of

SLUGS = ("resolved", "escalated", "abandoned")
THREE = {"customer": "customer", "support": "agent", "supervisor": "supervisor"}


def test_proposals_are_marker_lines_with_an_optional_confidence() -> None:
    assert parse_proposal("All done.\nOUTCOME: resolved 0.9") == ("resolved", 0.9)
    assert parse_proposal("outcome: Escalated (0.4)") == ("escalated", 0.4)
    assert parse_proposal("OUTCOME: resolved") == ("resolved", 1.0)
    assert parse_proposal("The outcome: resolved, I think") is None


def test_latest_vote_per_participant_counts_and_unknown_slugs_are_ignored() -> None:
    state = state_of(
        ("customer", "OUTCOME: abandoned 0.5"),
        ("support", "OUTCOME: sold"),
        ("customer", "OUTCOME: resolved 0.7"),
    )
    votes = votes_of(state, SLUGS)
    assert [(v.by, v.outcome, v.confidence) for v in votes] == [("customer", "resolved", 0.7)]


def test_majority_needs_more_than_half_of_all_participants() -> None:
    config = Arbitration(rule="majority")
    one = state_of(("customer", "OUTCOME: resolved"), ("support", "hm"))
    assert arbitrate(one, SLUGS, config) is None
    both = state_of(("customer", "OUTCOME: resolved 0.6"), ("support", "OUTCOME: resolved 0.8"))
    decided = arbitrate(both, SLUGS, config)
    assert decided is not None
    assert (decided.outcome, decided.by, decided.confidence) == ("resolved", "majority", 0.7)
    two_of_three = state_of(
        ("customer", "OUTCOME: escalated"),
        ("support", "x"),
        ("supervisor", "OUTCOME: escalated"),
        roles=THREE,
    )
    assert arbitrate(two_of_three, SLUGS, config).outcome == "escalated"  # type: ignore[union-attr]


def test_agent_weighted_lets_the_agent_outvote_a_single_customer() -> None:
    config = Arbitration(rule="agent_weighted")
    agent_alone = state_of(("customer", "OUTCOME: abandoned"), ("support", "OUTCOME: resolved"))
    decided = arbitrate(agent_alone, SLUGS, config)
    assert decided is not None and decided.outcome == "resolved" and decided.by == "agent_weighted"
    customer_alone = state_of(("customer", "OUTCOME: abandoned"), ("support", "ok"))
    assert arbitrate(customer_alone, SLUGS, config) is None
    reweighted = Arbitration(rule="agent_weighted", weights={"customer": 5.0})
    assert arbitrate(customer_alone, SLUGS, reweighted).outcome == "abandoned"  # type: ignore[union-attr]


def test_highest_confidence_waits_for_the_threshold() -> None:
    config = Arbitration(rule="highest_confidence", min_confidence=0.8)
    unsure = state_of(("customer", "OUTCOME: abandoned 0.6"), ("support", "OUTCOME: resolved 0.7"))
    assert arbitrate(unsure, SLUGS, config) is None
    sure = state_of(("customer", "OUTCOME: abandoned 0.6"), ("support", "OUTCOME: resolved 0.95"))
    decided = arbitrate(sure, SLUGS, config)
    assert decided is not None
    assert (decided.outcome, decided.confidence) == ("resolved", 0.95)
    assert "support proposed resolved" in decided.rationale


def test_unknown_rule_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match="unknown arbitration rule 'vote'"):
        Arbitration(rule="vote")


async def test_a_decided_outcome_is_recorded_with_the_message_and_ends_the_conversation() -> None:
    log = InMemoryLog()
    referee = OutcomeReferee(slugs=SLUGS, config=Arbitration(rule="majority"))
    conductor = Conductor(log, judge=referee)
    participants = [
        ParticipantSpec(name="customer", agent="x", role="customer"),
        ParticipantSpec(name="support", agent="x", role="agent"),
    ]
    state = await session.create(conductor, topic="refund", participants=participants)
    customer = ScriptedProvider(["I want a refund", "Great, thanks!\nOUTCOME: resolved 0.9", "?"])
    support = ScriptedProvider(["Done, refunded.\nOUTCOME: resolved 0.8", "Bye"])
    final = await session.play_all(
        conductor, state.conversation_id, {"customer": customer, "support": support}
    )
    assert final.ended is not None and final.ended.reason == "outcome"
    assert final.outcome is not None and final.outcome.outcome == "resolved"
    assert final.turns == 3
    kinds = [r.event for r in decode_all(await log.read(state.conversation_id))]
    proposed = [e for e in kinds if isinstance(e, OutcomeProposed)]
    assert [(p.by, p.outcome) for p in proposed] == [
        ("support", "resolved"),
        ("customer", "resolved"),
    ]
    assert sum(isinstance(e, OutcomeDecided) for e in kinds) == 1


async def test_any_process_arbitrates_a_conversation_that_records_its_judge() -> None:
    """Two conductors without a judge of their own (e.g. two workers) share the recorded one."""
    log = InMemoryLog()
    first, second = Conductor(log), Conductor(log)
    participants = [
        ParticipantSpec(name="customer", agent="x", role="customer"),
        ParticipantSpec(name="support", agent="x", role="agent"),
    ]
    state = await session.create(
        first,
        topic="refund",
        participants=participants,
        judge=arbitration_judge(SLUGS, Arbitration(rule="majority")),
    )
    cid = state.conversation_id
    customer = ScriptedProvider(["I want a refund", "Great, thanks!\nOUTCOME: resolved 0.9", "?"])
    support = ScriptedProvider(["Done, refunded.\nOUTCOME: resolved 0.8", "Bye"])
    await asyncio.gather(
        first.play(cid, "customer", customer), second.play(cid, "support", support)
    )
    final = await first.load(cid)
    assert final.ended is not None
    assert final.ended.reason == "outcome"
    assert final.outcome is not None
    assert final.outcome.outcome == "resolved"


async def test_a_judge_this_process_does_not_know_is_a_clear_error() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    participants = [ParticipantSpec(name="a", agent="x"), ParticipantSpec(name="b", agent="x")]
    state = await session.create(
        conductor, topic="t", participants=participants, judge=PluginRef(name="nobody-knows")
    )
    with pytest.raises(ConfigError, match="judge 'nobody-knows', which is not installed"):
        await session.play_all(
            conductor,
            state.conversation_id,
            {"a": ScriptedProvider(["x"]), "b": ScriptedProvider(["y"])},
        )


async def test_a_version_1_stream_naming_its_judge_in_metadata_is_still_arbitrated() -> None:
    """Streams written before judges were typed fields are upcast and judged as before."""
    log = InMemoryLog()
    settings = {**asdict(Arbitration(rule="majority")), "weights": {}}
    body = {
        "topic": "refund",
        "participants": [
            {"name": "customer", "agent": "x", "role": "customer"},
            {"name": "support", "agent": "x", "role": "agent"},
        ],
        "first_speaker": "customer",
        "metadata": {"judge": "outcomes", "outcomes": list(SLUGS), "arbitration": settings},
    }
    old = NewEvent(kind="ConversationStarted", version=1, data=json.dumps(body).encode())
    await log.append("old", 0, [old])
    conductor = Conductor(log)
    started = (await conductor.load("old")).started
    assert started is not None and started.judge is not None
    assert started.judge.name == "outcomes"
    assert "judge" not in started.metadata
    customer = ScriptedProvider(["I want a refund", "Great, thanks!\nOUTCOME: resolved 0.9"])
    support = ScriptedProvider(["Done, refunded.\nOUTCOME: resolved 0.8", "Bye"])
    final = await session.play_all(conductor, "old", {"customer": customer, "support": support})
    assert final.outcome is not None and final.outcome.outcome == "resolved"
