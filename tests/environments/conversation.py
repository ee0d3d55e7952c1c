"""Run a task conversation end to end with the real conductor on an in-memory log, told as the
task casting tells it: the user's brief (``simulation.briefs.user_brief``) in the customer's
prompt, the policy in the agent's, the user's stop signals, the environment snapshot recorded
with the conversation, the task's opening posted as the customer's first line — and the end
state rebuilt from the recorded calls, as grading rebuilds it."""

from __future__ import annotations

from dataclasses import dataclass

import pydantic

from aiconv.agents.catalog import default_registry
from aiconv.environments.domain import Domain, domain_named
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import (
    EnvironmentSnapshot,
    MessagePosted,
    ParticipantSpec,
    StopConfig,
)
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.briefs import agent_brief, public_topic, user_brief, user_signals
from aiconv.simulation.grading import reached_state, target_state
from aiconv.simulation.tasks import Task, initial_state


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
    participants = [
        ParticipantSpec(name="customer", agent=user, system_prompt=user_brief(task, agent="agent")),
        ParticipantSpec(
            name="agent",
            agent=agent,
            tools=(f"env:{domain.name}",),
            system_prompt=agent_brief("", domain.policy, agent="agent"),
        ),
    ]
    conductor = Conductor(InMemoryLog())
    stop = StopConfig(max_turns=max_turns, signals=user_signals("customer"))
    state = await session.create(
        conductor,
        topic=public_topic(task, domain.name),
        participants=participants,
        stop=stop,
        seed=seed,
        conversation_id=conversation_id or f"task-{task.id}-{seed}",
    )
    start = initial_state(task, domain).model_dump(mode="json")
    events: list[EnvironmentSnapshot | MessagePosted] = [
        EnvironmentSnapshot(domain=domain.name, state=start, task_id=task.id)
    ]
    if task.opening:
        events.append(MessagePosted(sender="customer", content=task.opening, model="scenario"))
    state = await conductor.append(state, events)
    registry = default_registry()
    seats = {p.name: registry.build(registry.resolve(p.agent)) for p in participants}
    final = await session.play_all(conductor, state.conversation_id, seats)
    return Ran(
        state=final,
        reached=reached_state(final, domain),
        expected=target_state(final, task, domain),
        domain=domain,
    )
