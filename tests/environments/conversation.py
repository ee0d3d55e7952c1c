"""Run a task conversation end to end with the real conductor on an in-memory log: the task's
brief in the customer's prompt, the domain's policy in the agent's, the environment snapshot
recorded, the ``env:DOMAIN`` tools opened from the log — and the end state rebuilt from the
recorded calls, as grading rebuilds it."""

from __future__ import annotations

from dataclasses import dataclass

import pydantic

from aiconv.agents.catalog import default_registry
from aiconv.agents.task_user import SIGNALS, Brief
from aiconv.environments.domain import Call, Domain, domain_named
from aiconv.platform import referee, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import EnvironmentSnapshot, ParticipantSpec, StopConfig
from aiconv.platform.termination import StopReason, has_end_token
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.tasks import Task, expected_state, initial_state


def signal_judge(state: ConversationState, now: float) -> referee.Verdict:
    """The referee, plus the task user's end signals (what the task casting will record)."""
    last = state.messages[-1] if state.messages else None
    if last is not None:
        for signal, reason in SIGNALS.items():
            if has_end_token(last.content, signal):
                return referee.Verdict(stop=StopReason(reason=reason, detail=signal))
    return referee.judge(state, now)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ran:
    """A finished task conversation and the states to compare."""

    state: ConversationState
    reached: pydantic.BaseModel
    expected: pydantic.BaseModel
    domain: Domain

    @property
    def agent_lines(self) -> list[str]:
        return [m.content for m in self.state.messages if m.sender == "agent"]

    @property
    def customer_first(self) -> int:
        """The sequence of the customer's first message (its opening line)."""
        return next(m.sequence for m in self.state.messages if m.sender == "customer")

    @property
    def customer_lines(self) -> list[str]:
        return [m.content for m in self.state.messages if m.sender == "customer"]

    def transcript(self) -> str:
        lines = []
        for activity in self.state.tools:
            lines.append(
                f"  [{activity.sequence}] {activity.called.tool}({dict(activity.called.arguments)})"
            )
        for m in self.state.messages:
            lines.append(f"[{m.sequence}] {m.sender}: {m.content}")
        return "\n".join(sorted(lines, key=lambda x: int(x.strip()[1:].split("]")[0])))


async def run_task(
    task: Task,
    *,
    agent: str = "bank-agent",
    user: str = "task-user",
    seed: int = 7,
    max_turns: int = 40,
    conversation_id: str | None = None,
) -> Ran:
    """Play ``task`` between ``user`` (the customer) and ``agent`` to its end."""
    domain = domain_named(task.domain_name())
    start = initial_state(task, domain)
    instructions = task.instructions
    brief = Brief.of(
        reason_for_call=instructions.reason_for_call,
        known_info=instructions.known_info,
        unknown_info=instructions.unknown_info,
        task_instructions=instructions.task_instructions,
        opening=task.opening,
    )
    conductor = Conductor(InMemoryLog(), judge=signal_judge)
    participants = [
        ParticipantSpec(name="customer", agent=user, system_prompt=brief.render()),
        ParticipantSpec(
            name="agent", agent=agent, system_prompt=domain.policy, tools=(f"env:{domain.name}",)
        ),
    ]
    state = await session.create(
        conductor,
        topic=task.title or task.id,
        participants=participants,
        stop=StopConfig(max_turns=max_turns, loop_policy="off", closing="off"),
        seed=seed,
        conversation_id=conversation_id or f"task-{task.id}-{seed}",
    )
    snapshot = EnvironmentSnapshot(
        domain=domain.name, state=start.model_dump(mode="json"), task_id=task.id
    )
    state = await conductor.append(state, [snapshot])
    registry = default_registry()
    seats = {p.name: registry.build(registry.resolve(p.agent)) for p in participants}
    final = await session.play_all(conductor, state.conversation_id, seats)
    calls = [
        Call(tool=t.called.tool, arguments=t.called.arguments)
        for t in final.tools
        if t.returned is not None and t.returned.outcome == "ok" and t.called.tool in domain.tools
    ]
    return Ran(
        state=final,
        reached=domain.replay(start, calls),
        expected=expected_state(task, domain),
        domain=domain,
    )
