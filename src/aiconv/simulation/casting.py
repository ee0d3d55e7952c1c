"""From a scenario cell to a conversation: participants, system prompts, turn rules, metadata.

The customer's prompt is built from its persona, intent and goal; the agent's from the
scenario's instructions; both learn the ``OUTCOME:`` convention when outcomes are distributed.
Conversation ids are derived from (run, cell, repetition), so a rerun finds its conversations.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from aiconv.platform.events import Event, ParticipantSpec, PluginRef, StopConfig
from aiconv.simulation.arbitration import arbitration_judge
from aiconv.simulation.runs import scenario_hash, suite_hash
from aiconv.simulation.scenario import Cell, Scenario, Seat
from aiconv.simulation.task_casting import cast_task
from aiconv.simulation.timing import Pace, time_stamp

_NAMESPACE = uuid.UUID("6f1c1a52-8a4e-4b61-9a55-5e8a3c1d2b7f")


def conversation_id(run_id: str, cell: Cell, repetition: int, label: str = "") -> str:
    """The id of repetition ``repetition`` of ``cell`` in run ``run_id`` (for the agent under
    test ``label`` in a matrix run); the same on every rerun."""
    key = (
        f"{run_id}/{label}/{cell.key}/{repetition}"
        if label
        else f"{run_id}/{cell.key}/{repetition}"
    )
    return uuid.uuid5(_NAMESPACE, key).hex


def trial_seed(scenario: Scenario, cell: Cell, repetition: int) -> int:
    """The seed of repetition ``repetition`` of ``cell``: the same in every run and for every
    agent under test (common random numbers), so paired trials differ only by the agent."""
    return int(uuid.uuid5(_NAMESPACE, f"{cell.key}/{repetition}").int % 2**31) ^ scenario.seed


@dataclass(frozen=True, slots=True, kw_only=True)
class Casting:
    """Everything ``session.create`` needs for one conversation, plus the scripted opening."""

    conversation_id: str
    topic: str
    participants: tuple[ParticipantSpec, ...]
    first: str
    stop: StopConfig
    seed: int
    metadata: dict[str, Any]
    judge: PluginRef | None
    stamp: PluginRef
    opening: str | None
    #: Appended with ``ConversationStarted`` (e.g. the environment's initial state).
    also: tuple[Event, ...] = ()


def proposal_instructions(scenario: Scenario) -> str:
    """How a participant proposes an outcome (empty when outcomes are not distributed)."""
    if scenario.arbitration is None:
        return ""
    return (
        "When you believe the conversation has reached one of these outcomes, write "
        "`OUTCOME: <slug> <confidence from 0 to 1>` alone on its own line:\n"
        + scenario.outcomes.describe()
    )


def customer_prompt(scenario: Scenario, cell: Cell, examples: Sequence[str] = ()) -> str:
    """The simulated customer's instructions (with real customers' messages as style examples,
    when the scenario is grounded)."""
    agent = scenario.agent.name
    parts = [
        cell.persona.describe(),
        cell.intent.describe() if cell.intent is not None else "",
        f"You are talking to {agent}, a support agent. Write only as the customer, one message "
        "at a time, in your own voice; never write the agent's part.",
        style_examples(examples),
        scenario.customer.system,
        proposal_instructions(scenario),
    ]
    return "\n".join(p for p in parts if p)


def style_examples(examples: Sequence[str]) -> str:
    """Real customer messages shown as style examples (empty when there are none)."""
    if not examples:
        return ""
    lines = "\n".join(f"- {' '.join(e.split())}" for e in examples)
    return (
        "Real customers with a request like yours wrote messages like these. Write like them "
        "(length, tone, punctuation, capitalisation, typos), but in your own words; do not "
        f"copy them:\n{lines}"
    )


def agent_prompt(scenario: Scenario, end_token: str) -> str:
    """The agent's whole system prompt: it is not told the customer's intent (no topic)."""
    agent = scenario.agent
    parts = [
        f"You are {agent.name}, a support agent in a chat with a customer.",
        agent.system,
        proposal_instructions(scenario),
        f"When the customer's request is fully handled and the chat is over, write {end_token} "
        "alone on its own last line. Do not write it otherwise.",
    ]
    return "\n".join(p for p in parts if p)


def extra_prompt(scenario: Scenario, seat: Seat) -> str:
    """The instructions of a further participant (e.g. a supervisor), built from its role."""
    parts = [
        f"You are the {seat.role} in a support chat between a customer and "
        f"{scenario.agent.name}, the support agent. Speak only as the {seat.role}.",
        seat.system,
        proposal_instructions(scenario),
    ]
    return "\n".join(p for p in parts if p)


def run_metadata(scenario: Scenario, repeat: int) -> dict[str, Any]:
    """What every conversation of one agent under test records about its run: the agent's
    label, the content hashes (``runs.py``) and how many conversations the run plans."""
    return {
        "agent_label": scenario.agent.label or scenario.agent.url or scenario.agent.agent,
        "suite_hash": suite_hash(scenario),
        "scenario_hash": scenario_hash(scenario),
        "planned": len(scenario.cells()) * repeat,
    }


def cast(
    scenario: Scenario,
    cell: Cell,
    *,
    run_id: str,
    repetition: int,
    run: dict[str, Any] | None = None,
    examples: Sequence[str] = (),
) -> Casting:
    """The conversation for repetition ``repetition`` of ``cell``; ``run`` is
    ``run_metadata(scenario, repeat)`` (computed once by a batch), by default for one repeat;
    ``examples`` are the customer's style examples (grounded customers)."""
    cid = conversation_id(run_id, cell, repetition, scenario.agent.label)
    customer, agent = scenario.customer, scenario.agent
    intent = cell.intent
    stop = _stop(scenario, cell)
    participants = (
        _spec(customer, cell.persona.name, customer_prompt(scenario, cell, examples)),
        replace(_spec(agent, None, ""), system_prompt=agent_prompt(scenario, stop.end_token)),
        *(_spec(seat, None, extra_prompt(scenario, seat)) for seat in scenario.extras),
    )
    casting = Casting(
        conversation_id=cid,
        topic=public_topic_of(scenario, cell),
        participants=participants,
        first=agent.name if intent is not None and intent.role == "agent" else customer.name,
        stop=stop,
        seed=trial_seed(scenario, cell, repetition),
        metadata={
            **_cell_metadata(scenario, cell, run_id, repetition),
            **(run if run is not None else run_metadata(scenario, 1)),
        },
        judge=_judge(scenario),
        stamp=time_stamp(paces_of(scenario), scenario.time),
        opening=intent.opening if intent is not None else None,
    )
    return cast_task(casting, scenario, cell) if cell.task is not None else casting


def _judge(scenario: Scenario) -> PluginRef | None:
    """The arbitration judge of the scenario's outcomes, when it names one."""
    if not scenario.arbitration:
        return None
    return arbitration_judge(scenario.outcomes.slugs, scenario.arbitration)


def public_topic_of(scenario: Scenario, cell: Cell) -> str:
    """What every participant may see as the topic. An intent the *customer* holds is its own
    secret (the agent must find out); one the agent holds (an outbound call) is the agent's."""
    intent = cell.intent
    if intent is not None and intent.role == "agent":
        return intent.description
    return f"A customer contacts {scenario.agent.name}"


def _stop(scenario: Scenario, cell: Cell) -> StopConfig:
    intent = cell.intent
    goal_turns = intent.goal.max_turns if intent is not None and intent.goal else None
    limits = scenario.limits
    return StopConfig(
        max_turns=goal_turns or limits.max_turns,
        max_tokens=limits.max_tokens,
        max_cost_usd=limits.max_cost_usd,
        timeout_s=limits.timeout_s,
        loop_policy=limits.loop_policy,
        closing=limits.closing,
        max_tool_rounds=limits.max_tool_rounds,
        tool_timeout_s=limits.tool_timeout_s,
    )


def _spec(seat: Seat, persona: str | None, system: str) -> ParticipantSpec:
    return seat.participant(persona=persona, system=system or None)


def _cell_metadata(scenario: Scenario, cell: Cell, run_id: str, repetition: int) -> dict[str, Any]:
    customer, agent = scenario.customer, scenario.agent
    voice = {"voice": voice_metadata(scenario, cell)} if scenario.voice else {}
    return {
        **voice,
        "run_id": run_id,
        "scenario": scenario.name,
        "cell": cell.key,
        "persona": cell.persona.name,
        "intent": cell.intent.name if cell.intent is not None else None,
        "repetition": repetition,
        "time": scenario.time,
        "outcomes": list(scenario.outcomes.slugs),
        "successes": sorted(scenario.outcomes.successes),
        "turns": {
            customer.name: {
                "again": cell.persona.interrupts,
                "max_streak": customer.max_streak or 3,
            },
            agent.name: {"again": agent.again, "max_streak": agent.max_streak or 1},
            **{
                s.name: {"again": s.again, "max_streak": s.max_streak or 1} for s in scenario.extras
            },
        },
    }


def voice_metadata(scenario: Scenario, cell: Cell) -> dict[str, Any]:
    """The voices of a voice scenario's call (the persona sets the caller's pace and barge-in)."""
    from aiconv.voice.config import configure  # the voice extra, only for voice scenarios

    seats = [(scenario.customer.name, cell.persona), (scenario.agent.name, None)]
    seats += [(seat.name, None) for seat in scenario.extras]
    return configure(seats, scenario.time).as_metadata()


def paces_of(scenario: Scenario) -> dict[str, Pace]:
    """Each persona's pace, by persona name."""
    return {
        p.name: Pace(
            thinking_s=p.thinking_s,
            typing_cps=p.typing_cps,
            delays=p.reply_delays_s,
            follow_ups=p.follow_up_delays_s,
        )
        for p in scenario.personas
    }
