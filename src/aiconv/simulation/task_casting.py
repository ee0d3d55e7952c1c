"""From a task cell to a conversation: who is told what, the environment it starts from, and
how it ends.

The simulated user's system prompt is its brief (persona, then the task's hidden information);
the agent under test's is its own instructions and the domain's policy, and it is given the
domain's tools (``env:DOMAIN``) besides its own. The public topic is the task's title. The
conversation is created together with an ``EnvironmentSnapshot`` of the task's initial state,
so every process rebuilds the same environment. The user's ``###STOP###``/``###TRANSFER###``/
``###OUT-OF-SCOPE###`` end it with reason ``satisfied``/``transferred``/``out_of_scope``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aiconv.environments.domain import domain_named
from aiconv.platform.events import EnvironmentSnapshot, ParticipantSpec, StopConfig
from aiconv.simulation.briefs import agent_brief, public_topic, user_brief, user_signals
from aiconv.simulation.scenario import Cell, Scenario
from aiconv.simulation.tasks import Task, initial_state

if TYPE_CHECKING:
    from aiconv.simulation.casting import Casting


def task_participants(
    scenario: Scenario, cell: Cell, task: Task, policy: str, domain: str
) -> tuple[ParticipantSpec, ...]:
    """The user (with its brief), the agent under test (policy and the domain's tools), extras."""
    customer, agent = scenario.customer, scenario.agent
    brief = user_brief(task, agent=agent.name, persona=cell.persona.describe())
    user = customer.participant(persona=cell.persona.name, system_prompt=brief)
    env = f"env:{domain}"
    tested = replace(
        agent.participant(system_prompt=agent_brief(agent.system, policy, agent=agent.name)),
        tools=(*agent.tools, *(() if env in agent.tools else (env,))),
    )
    extras = tuple(s.participant(system=s.system or None) for s in scenario.extras)
    return (user, tested, *extras)


def cast_task(base: Casting, scenario: Scenario, cell: Cell) -> Casting:
    """``base`` (the generic casting of the cell) turned into the task's conversation."""
    task: Task = cell.task
    name = task.domain_name(scenario.domain)
    domain = domain_named(name)
    snapshot = EnvironmentSnapshot(
        domain=name,
        state=initial_state(task, domain).model_dump(mode="json"),
        task_id=task.id,
    )
    stop: StopConfig = replace(base.stop, signals=user_signals(scenario.customer.name))
    metadata: dict[str, Any] = {**base.metadata, "task": task.id, "domain": name}
    metadata.pop("intent", None)
    if task.difficulty:
        metadata["difficulty"] = task.difficulty
    return replace(
        base,
        topic=public_topic(task, name),
        participants=task_participants(scenario, cell, task, domain.policy, name),
        first=scenario.customer.name,
        stop=stop,
        metadata=metadata,
        opening=task.opening,
        also=(snapshot,),
    )
