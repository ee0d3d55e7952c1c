"""Replay: fork real conversations where the human agent answered, let the agent under test
continue, and compare its outcomes with the human's.

For each parent (typically imported) conversation, the fork point is the event right before the
human agent's ``agent_turn``-th message: the child holds everything the customer had said by
then, and the agent under test answers instead. A simulated customer (the scenario's customer
agent) carries on, prompted with the original customer's request and their own messages as
style examples. The scenario's evaluator decides both outcomes: the fork's is recorded in the
fork (``OutcomeDecided``); the parent's is computed, never written, since a parent never
changes. Fork ids derive from (run, parent, point): rerunning a replay resumes it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiconv.errors import ConversationNotFound, ProviderError, ScenarioError, SequenceConflict
from aiconv.learning.fork import fork, fork_id_for
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ParticipantSpec, StopConfig
from aiconv.queues.log import ListQuery
from aiconv.simulation.casting import agent_prompt, style_examples
from aiconv.simulation.deciding import ProviderFactory, build_evaluator
from aiconv.simulation.evaluators import Evaluator
from aiconv.simulation.outcomes import decided_of
from aiconv.simulation.runs import check_same_scenario, scenario_hash, suite_hash
from aiconv.simulation.scenario import Scenario, Seat


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One replayed conversation: where it was forked and both outcomes."""

    parent_id: str
    fork_id: str | None
    at: int | None
    human: str | None
    agent: str | None
    human_success: bool = False
    agent_success: bool = False
    note: str = ""


@dataclass(slots=True, kw_only=True)
class ReplayReport:
    """The comparison of the agent under test with the humans, over every case."""

    run_id: str
    cases: list[Case] = field(default_factory=list)

    @property
    def compared(self) -> list[Case]:
        """Cases with both outcomes."""
        return [c for c in self.cases if c.human is not None and c.agent is not None]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        done = self.compared
        pairs = Counter(f"{c.human} -> {c.agent}" for c in done)
        return {
            "run_id": self.run_id,
            "cases": len(self.cases),
            "compared": len(done),
            "agreement": _share(sum(c.human == c.agent for c in done), len(done)),
            "human_success_rate": _share(sum(c.human_success for c in done), len(done)),
            "agent_success_rate": _share(sum(c.agent_success for c in done), len(done)),
            "regressions": [c.fork_id for c in done if c.human_success and not c.agent_success],
            "improvements": [c.fork_id for c in done if c.agent_success and not c.human_success],
            "transitions": dict(pairs.most_common()),
            "skipped": [{"parent": c.parent_id, "why": c.note} for c in self.cases if c.at is None],
            "failed": [c.fork_id for c in self.cases if c.at is not None and c.agent is None],
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def fork_point(state: ConversationState, agent: str, agent_turn: int = 1) -> int | None:
    """The sequence right before ``agent``'s ``agent_turn``-th message (None if it has fewer)."""
    spoken = [m for m in state.messages if m.sender == agent and not m.moderator]
    if len(spoken) < agent_turn:
        return None
    return spoken[agent_turn - 1].sequence - 1


def customer_prompt(state: ConversationState, customer: str, examples: Sequence[str]) -> str:
    """The simulated customer who carries on a real customer's conversation."""
    mine = [m.content for m in state.messages if m.sender == customer]
    request = " ".join(mine[:2]) or (state.started.topic if state.started else "")
    parts = [
        "You are the customer in this support chat, which you started. Carry it on in your own "
        "voice, one message at a time; never write the agent's part.",
        f"What you came for: {request}",
        "Stay consistent with what you already said. When your request is handled, or you "
        "give up, say so and say goodbye.",
        style_examples([*mine, *examples][:6]),
    ]
    return "\n".join(p for p in parts if p)


class Replay:
    """Forks, runs and judges the replay of ``parents`` under ``run_id``."""

    def __init__(
        self,
        conductor: Conductor,
        scenario: Scenario,
        providers: ProviderFactory,
        *,
        run_id: str,
        agent_turn: int = 1,
        extra_turns: int = 12,
        parallel: int = 4,
        evaluator: Evaluator | None = None,
    ) -> None:
        self.conductor = conductor
        self.scenario = scenario
        self.run_id = run_id
        self.agent_turn = agent_turn
        self.extra_turns = extra_turns
        self.parallel = max(1, parallel)
        self.seats = {
            "customer": providers(scenario.customer),
            "support": providers(scenario.agent),
        }
        chosen = evaluator or build_evaluator(scenario, providers)
        if chosen is None:
            raise ScenarioError("replaying forks needs [evaluator] rules or a judge agent")
        self.evaluator: Evaluator = chosen

    async def run(self, parents: Sequence[str]) -> ReplayReport:
        """Replay every parent (concurrently, ``parallel`` at a time)."""
        await self.check()
        report = ReplayReport(run_id=self.run_id)
        limit = asyncio.Semaphore(self.parallel)

        async def one(parent: str) -> None:
            async with limit:
                report.cases.append(await self.case(parent))

        async with asyncio.TaskGroup() as group:
            for parent in parents:
                group.create_task(one(parent))
        report.cases.sort(key=lambda c: parents.index(c.parent_id))
        return report

    async def check(self) -> None:
        """ScenarioError, before anything is written, when the run id holds forks of another
        version of the scenario or another agent's: resuming would report their outcomes as this
        agent's."""
        existing = await self.conductor.log.list_conversations(
            ListQuery(run_id=self.run_id, limit=1)
        )
        if not existing:
            return
        first = await self.conductor.load(existing[0].conversation_id)
        if first.started is not None and "scenario_hash" in first.started.metadata:
            check_same_scenario(first, self.scenario, self.run_id)

    async def case(self, parent_id: str) -> Case:
        """Fork one parent (or find its fork), run it to the end, judge both sides."""
        parent = await self.conductor.load(parent_id)
        at = fork_point(parent, "support", self.agent_turn)
        if at is None:
            note = f"support never wrote message {self.agent_turn}"
            return Case(
                parent_id=parent_id, fork_id=None, at=None, human=None, agent=None, note=note
            )
        human = await self._human_outcome(parent)
        child = await self._child(parent, at)
        try:
            child = await self._finish(child)
        except ProviderError as exc:
            return self._case(parent, child, at, human, None, note=str(exc)[:200])
        agent = child.outcome.outcome if child.outcome else None
        return self._case(parent, child, at, human, agent)

    def _case(
        self,
        parent: ConversationState,
        child: ConversationState,
        at: int,
        human: str | None,
        agent: str | None,
        note: str = "",
    ) -> Case:
        schema = self.scenario.outcomes
        return Case(
            parent_id=parent.conversation_id,
            fork_id=child.conversation_id,
            at=at,
            human=human,
            agent=agent,
            human_success=schema.is_success(human),
            agent_success=schema.is_success(agent),
            note=note,
        )

    async def _human_outcome(self, parent: ConversationState) -> str:
        given = parent.outcome.outcome if parent.outcome else None
        if given in self.scenario.outcomes.slugs:
            return str(given)
        return (await self.evaluator.evaluate(parent, self.scenario.outcomes)).outcome

    async def _child(self, parent: ConversationState, at: int) -> ConversationState:
        cid = fork_id_for(self.run_id, parent.conversation_id, at)
        agent = self.scenario.agent
        try:
            return await self.conductor.load(cid)
        except ConversationNotFound:
            pass
        try:
            return await fork(
                self.conductor,
                parent.conversation_id,
                at=at,
                participants=self._participants(parent),
                stop=self._stop(parent, at),
                turn_policy="round_robin",
                metadata={
                    "run_id": self.run_id,
                    "replay": {"scenario": self.scenario.name},
                    "scenario": self.scenario.name,
                    "agent_label": agent.label or agent.url or agent.agent,
                    "suite_hash": suite_hash(self.scenario),
                    "scenario_hash": scenario_hash(self.scenario),
                },
                conversation_id=cid,
                by="replay",
            )
        except SequenceConflict:
            return await self.conductor.load(cid)

    def _participants(self, parent: ConversationState) -> dict[str, ParticipantSpec]:
        customer, agent = self.scenario.customer, self.scenario.agent
        end = self._stop(parent, 0).end_token
        return {
            "customer": _spec(customer, "customer", system=customer_prompt(parent, "customer", ())),
            "support": _spec(agent, "agent", system_prompt=agent_prompt(self.scenario, end)),
        }

    def _stop(self, parent: ConversationState, at: int) -> StopConfig:
        copied = sum(1 for m in parent.messages if m.sequence <= at and not m.moderator)
        limits = self.scenario.limits
        return StopConfig(
            max_turns=copied + self.extra_turns,
            max_tokens=limits.max_tokens,
            max_cost_usd=limits.max_cost_usd,
            timeout_s=limits.timeout_s,
            closing=limits.closing,
            loop_policy=limits.loop_policy,
        )

    async def _finish(self, child: ConversationState) -> ConversationState:
        if not child.is_ended:
            child = await session.play_all(self.conductor, child.conversation_id, self.seats)
        if child.outcome is None:
            judgement = await self.evaluator.evaluate(child, self.scenario.outcomes)
            decided = decided_of(judgement)
            while child.outcome is None:
                try:
                    child = await self.conductor.append(child, [decided])
                except SequenceConflict:
                    child = await self.conductor.catch_up(child)
        return child

    async def aclose(self) -> None:
        """Close the providers (the judge's too)."""
        for provider in self.seats.values():
            await provider.aclose()
        judge = getattr(self.evaluator, "provider", None)
        if judge is not None:
            await judge.aclose()


def _spec(seat: Seat, role: str, *, system: str = "", system_prompt: str = "") -> ParticipantSpec:
    return ParticipantSpec(
        name="",  # the fork keeps the participant's own name
        agent=seat.url or seat.agent,
        model=seat.model or "",
        role=role,
        system=system or None,
        system_prompt=system_prompt,
        base_url=seat.url,
    )
