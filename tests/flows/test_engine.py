"""The stage machine, pure: thresholds, clarifying questions, flexible input, strict transitions."""

from __future__ import annotations

from dataclasses import replace

from aiconv.flows import engine
from aiconv.flows.engine import Guess
from aiconv.flows.model import Flow
from aiconv.platform.flow_fold import FlowProgress


def at(flow: Flow, stage: str, **values: object) -> FlowProgress:
    """A participant at ``stage`` holding ``values``."""
    return FlowProgress(participant="designer", flow=flow.name, stage=stage, values=values)


def step(
    flow: Flow, progress: FlowProgress, *guesses: Guess
) -> tuple[FlowProgress, str, list[str]]:
    """One turn of the machine: judge the guesses, follow transitions, draft the reply."""
    stage = flow.stage(progress.stage or flow.first.name)
    judged = engine.judge(stage, flow, guesses)
    progress = engine.replay(progress, [engine.extracted("designer", stage, judged, "x", None)])
    moved = engine.moves(flow, progress)
    progress = engine.replay(progress, moved)
    return progress, engine.draft(flow, progress, moved), [m.stage for m in moved]


def test_a_value_below_the_threshold_is_rejected_and_asked_about(designer: Flow) -> None:
    progress, said, moved = step(
        designer,
        at(designer, "COLLECTING_BASICS"),
        Guess(name="tone", value="formal", confidence=0.55),
    )
    assert "tone" not in progress.values
    assert progress.latest[0].accepted is False
    assert progress.latest[0].note == "confidence 0.55 below 0.60"
    assert said == "Just to be sure, is this right: the tone is formal?"
    assert moved == []


def test_a_value_at_the_threshold_is_kept(designer: Flow) -> None:
    progress, said, _ = step(
        designer,
        at(designer, "COLLECTING_BASICS"),
        Guess(name="tone", value="formal", confidence=0.6),
    )
    assert progress.values["tone"] == "formal"
    assert said.startswith("What type of agent")  # the next missing field of the stage


def test_several_fields_in_one_message_move_through_several_stages(designer: Flow) -> None:
    progress, said, moved = step(
        designer,
        at(designer, "COLLECTING_BASICS"),
        Guess(name="agent_type", value="sales", confidence=0.9),
        Guess(name="goals", value=["book demos"], confidence=0.8),
        Guess(name="tone", value="concise", confidence=0.9),
        Guess(name="tools_needed", value=False, confidence=0.9),
    )
    assert moved == ["EXPLORING_TOOLS", "REVIEWING_WORKFLOW"]  # no tools: configuring is skipped
    assert progress.stage == "REVIEWING_WORKFLOW"
    assert said.startswith("Got it: a concise sales agent. Here is the design:")
    assert said.endswith("Does this workflow look right to you?")


def test_strict_requirements_hold_the_stage_until_all_are_met(designer: Flow) -> None:
    progress, said, moved = step(
        designer,
        at(designer, "COLLECTING_BASICS"),
        Guess(name="agent_type", value="sales", confidence=0.9),
        Guess(name="goals", value=["book demos"], confidence=0.8),
    )
    assert moved == []
    assert progress.stage == "COLLECTING_BASICS"
    assert said.startswith("What tone should it have")


def test_a_value_outside_the_schema_is_rejected_as_invalid(designer: Flow) -> None:
    progress, said, _ = step(
        designer,
        at(designer, "COLLECTING_BASICS"),
        Guess(name="tone", value="quirky", confidence=0.95),
    )
    assert progress.latest[0].note.startswith("invalid: tone: 'quirky' is not one of")
    assert "tone" not in progress.values
    assert said.startswith("What type of agent")  # an invalid value is not worth confirming


def test_a_stage_threshold_overrides_the_flows(designer: Flow) -> None:
    strict = replace(designer.stage("COLLECTING_BASICS"), threshold=0.95)
    judged = engine.judge(strict, designer, [Guess(name="tone", value="formal", confidence=0.9)])
    assert judged[0].accepted is False
    assert judged[0].note == "confidence 0.90 below 0.95"


def test_unknown_fields_and_nulls_are_dropped(designer: Flow) -> None:
    stage = designer.stage("COLLECTING_BASICS")
    judged = engine.judge(
        stage,
        designer,
        [
            Guess(name="colour", value="red", confidence=1.0),
            Guess(name="tone", value=None, confidence=1.0),
        ],
    )
    assert judged == ()


def test_the_final_stage_carries_the_rendered_output(designer: Flow) -> None:
    progress = at(
        designer,
        "FINALIZING",
        agent_type="it_helpdesk",
        goals=["reset passwords"],
        tone="concise",
        tools=["ticketing"],
        tool_settings={"ticketing": "open tickets"},
    )
    progress, said, moved = step(
        designer, progress, Guess(name="agent_name", value="Hal", confidence=0.8)
    )
    assert moved == ["COMPLETED"]
    assert progress.final
    assert progress.output["system_prompt"] == (
        "You are Hal, a concise it helpdesk agent. Your goals: reset passwords. Tools: ticketing. "
        "Tool settings: ticketing: open tickets. Stay concise in every reply."
    )
    assert said.startswith("Hal is ready")


def test_a_cycle_of_open_transitions_cannot_spin(designer: Flow) -> None:
    stages = list(designer.stages)
    loop = replace(stages[1], transitions=(replace(stages[0].transitions[0], to="INITIAL"),))
    looping = replace(designer, stages=(stages[0], loop, *stages[2:]))
    assert len(engine.moves(looping, at(looping, "INITIAL"))) == len(looping.stages)


def test_a_no_at_review_corrects_the_design_and_asks_again(designer: Flow) -> None:
    progress = at(
        designer,
        "REVIEWING_WORKFLOW",
        agent_type="sales",
        goals=["book demos"],
        tone="casual",
        tools_needed=False,
    )
    assert designer.stage("REVIEWING_WORKFLOW").revise  # every field is read again here
    progress, said, moved = step(
        designer,
        progress,
        Guess(name="confirmed", value=False, confidence=0.9),
        Guess(name="tone", value="formal", confidence=0.9),
    )
    assert moved == ["REVIEWING_WORKFLOW"]  # back to itself, the confirmation cleared
    assert "confirmed" not in progress.values and progress.values["tone"] == "formal"
    assert said.startswith("Here is the design: a formal sales agent")
    assert said.endswith("Does this workflow look right to you?")


def test_a_design_without_tools_reads_naturally(designer: Flow) -> None:
    """No tools: the designed agent's prompt says so once, not ``none (none)``."""
    progress = at(
        designer,
        "FINALIZING",
        agent_type="it_helpdesk",
        goals=["reset passwords"],
        tone="concise",
        tools_needed=False,
    )
    progress, _, _ = step(designer, progress, Guess(name="agent_name", value="Hal", confidence=0.8))
    prompt = progress.output["system_prompt"]
    assert "none (none)" not in prompt and "Tools: none." in prompt, prompt


def test_a_stage_whose_own_fields_are_in_asks_for_what_its_transitions_need(
    designer: Flow,
) -> None:
    """A stage that collects agent_type but moves on only with tone as well asks for the tone:
    with nothing of its own left to ask (and no prompt) the flow said an empty message, turn
    after turn, and could never get the field that lets it move on."""
    basics = designer.stage("COLLECTING_BASICS")
    narrow = replace(basics, prompt="", collect=("agent_type",))
    flow = replace(designer, stages=tuple(narrow if s is basics else s for s in designer.stages))
    _, said, moved = step(
        flow, at(flow, "COLLECTING_BASICS"), Guess(name="agent_type", value="sales", confidence=0.9)
    )
    assert moved == []
    assert said == designer.fields["goals"].question  # the first the transition requires
