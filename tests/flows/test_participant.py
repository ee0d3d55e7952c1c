"""A flow as a participant, end to end on the in-memory log: its stages and extractions are
recorded right before its message, its state is their fold, any instance continues it, and its
stages route to the agents they name."""

from __future__ import annotations

from pathlib import Path

from aiconv.agents.catalog import default_registry
from aiconv.agents.messages import ChatReply, Record
from aiconv.agents.provider import ChatProvider
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import (
    FieldsExtracted,
    MessagePosted,
    ParticipantSpec,
    StageEntered,
    StopConfig,
)
from aiconv.platform.flow_fold import flow_progress
from aiconv.platform.prompts import build_request
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.providers import ScriptedProvider
from tests.flows.conftest import EXAMPLE

PAIR = (
    ParticipantSpec(name="user", agent="scripted"),
    ParticipantSpec(name="designer", agent=f"flow:{EXAMPLE}"),
)
USER = [
    "I'd like a scheduling agent. My goals is book meetings. Casual tone, maybe.",
    "Yes.",
    "No, it doesn't need anything else.",
]


def flow(path: Path = EXAMPLE) -> ChatProvider:
    registry = default_registry()
    spec = registry.resolve(f"flow:{path}")
    registry.preflight(spec)
    return registry.build(spec, {})


async def run(log: InMemoryLog, turns: int, designer: ChatProvider) -> ConversationState:
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="Design an agent", participants=PAIR, stop=StopConfig(max_turns=turns)
    )
    seats = {"user": ScriptedProvider(USER), "designer": designer}
    return await session.play_all(conductor, state.conversation_id, seats)


async def test_flow_events_are_recorded_with_each_message_and_folded() -> None:
    log = InMemoryLog()
    final = await run(log, 6, flow())
    events = [r.event for r in codec.decode_all(await log.read(final.conversation_id))]
    kinds = [e.KIND for e in events]
    posted = [i for i, e in enumerate(events) if isinstance(e, MessagePosted)]
    for index in posted[1::2]:  # the flow's: its claim, its records, then its message
        start = index - 1
        while kinds[start] in ("StageEntered", "FieldsExtracted"):
            start -= 1
        assert kinds[start] == "TurnClaimed" and start < index - 1
    progress = flow_progress(final.flow_events, "designer")
    assert progress.stages == (
        "INITIAL",
        "COLLECTING_BASICS",
        "EXPLORING_TOOLS",
        "REVIEWING_WORKFLOW",
    )
    assert progress.values == {
        "agent_type": "scheduling",
        "goals": ["book meetings"],
        "tone": "casual",
        "tools_needed": False,
    }
    first = final.flow_events[1]
    assert isinstance(first, FieldsExtracted)
    tone = next(e for e in first.extractions if e.name == "tone")
    assert (tone.accepted, tone.note) == (False, "confidence 0.55 below 0.60")
    said = [m.content for m in final.messages if m.sender == "designer"]
    assert said[0].endswith("Just to be sure, is this right: the tone is casual?")
    assert said[1].startswith("Got it: a casual scheduling agent.")


async def test_any_instance_continues_the_flow_from_the_log() -> None:
    log = InMemoryLog()
    state = await run(log, 3, flow())  # ends on the user's "Yes.": the flow's turn is next
    request = build_request(state, "designer")
    assert request.records and all(isinstance(r, Record) for r in request.records)
    assert "participant" in request.records[0].data
    again = await flow().complete(request)  # a fresh instance: no memory but the log
    assert again.content.startswith("Got it: a casual scheduling agent.")
    assert [r.kind for r in again.records] == ["FieldsExtracted", "StageEntered"]


async def test_a_record_of_another_kind_fails_the_turn_and_is_recorded() -> None:
    log = InMemoryLog()
    rogue = ScriptedProvider(
        [ChatReply(content="hi", model="x", records=(Record(kind="ConversationEnded"),))]
    )
    final = await run(log, 4, rogue)
    assert final.ended is not None and final.ended.reason == "provider_error"
    assert "cannot record 'ConversationEnded' events" in final.ended.detail
    assert not final.flow_events


async def test_a_stage_routes_its_words_to_the_agent_it_names(tmp_path: Path) -> None:
    path = tmp_path / "routed.toml"
    text = EXAMPLE.read_text().replace(
        'name = "COLLECTING_BASICS"', 'name = "COLLECTING_BASICS"\nagent = "echo"', 1
    )
    path.write_text(text)
    log = InMemoryLog()
    final = await run(log, 2, flow(path))
    posted = [r.event for r in codec.decode_all(await log.read(final.conversation_id))]
    message = next(e for e in posted if isinstance(e, MessagePosted) and e.sender == "designer")
    assert message.model == "echo"  # the talking agent of COLLECTING_BASICS spoke
    assert message.content == USER[0]  # echo repeats the last message it was sent
    assert isinstance(final.flow_events[-1], StageEntered)


async def test_a_finished_flow_ends_the_conversation() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="Design an agent", participants=PAIR, stop=StopConfig(max_turns=30)
    )
    user = ScriptedProvider(
        [
            "A sales agent. My goals is close deals. Formal tone.",
            "No tools needed.",
            "Yes.",
            "My agent name is Sal.",
            "Thanks!",
        ]
    )
    final = await session.play_all(
        conductor, state.conversation_id, {"user": user, "designer": flow()}
    )
    assert final.ended is not None and final.ended.reason == "flow_completed"
    progress = flow_progress(final.flow_events, "designer")
    assert progress.final and progress.output["name"] == "Sal"
    assert progress.output["system_prompt"].startswith("You are Sal, a formal sales agent.")


async def test_a_question_left_unanswered_is_asked_again_in_other_words() -> None:
    """A person whose answer the flow cannot read is asked again, but not in the very same
    words (which the loop detector ends as a repetition): "Sorry, I couldn't make that out."
    comes first."""
    import aiconv

    user = ScriptedProvider(
        ["I need an IT helpdesk agent", "It resets passwords", "hmm, let me think", "formal"]
    )
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("user", provider=user),
                aiconv.Participant("designer", f"flow:{EXAMPLE}"),
            ],
            topic="Design an agent",
            max_turns=8,
            env={},
        )
    said = [m.content for m in result.state.messages if m.sender == "designer"]
    tone = "What tone should it have: friendly, formal, casual, empathetic, concise or playful?"
    assert said[1:3] == [tone, f"Sorry, I couldn't make that out. {tone}"], said
    assert said[3].startswith("Got it: a formal it helpdesk agent."), said
    assert result.ended is not None and result.ended.reason == "max_turns"
