"""How a finished simulated conversation gets its outcome: a task conversation is graded by its
task (criteria, verdict, and the judge's scores when one is configured), any other by the
scenario's evaluator (rules or an LLM judge). The answer is the events to append, with what the
judging cost."""

from __future__ import annotations

from collections.abc import Callable

from aiconv.agents.provider import ChatProvider
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import Event, OutcomeDecided
from aiconv.simulation.evaluators import Evaluator
from aiconv.simulation.judge import LlmJudge
from aiconv.simulation.outcomes import decided_of
from aiconv.simulation.scenario import Scenario, Seat
from aiconv.simulation.task_grader import TaskGrader
from aiconv.simulation.task_judge import TaskJudge

#: Builds the provider of a seat (the CLI uses the registry; tests pass offline providers).
ProviderFactory = Callable[[Seat], ChatProvider]


def build_evaluator(scenario: Scenario, providers: ProviderFactory) -> Evaluator | None:
    """The scenario's evaluator: its rules, or an LLM judge on the provider of its judge seat
    (None for a task suite without a judge: the grader alone decides)."""
    config = scenario.evaluator
    if config.rules is not None:
        return config.rules
    if config.judge_agent is None:
        return None
    judge = Seat(name="judge", role="judge", agent=config.judge_agent, model=config.judge_model)
    return LlmJudge(providers(judge))


class Decider:
    """Decides the outcome of the scenario's conversations."""

    def __init__(self, scenario: Scenario, providers: ProviderFactory) -> None:
        self.scenario = scenario
        self.evaluator = build_evaluator(scenario, providers)
        judge = self.evaluator.provider if isinstance(self.evaluator, LlmJudge) else None
        self.grader = TaskGrader(
            {t.id: t for t in scenario.tasks}, TaskJudge(judge) if judge is not None else None
        )

    async def events(self, state: ConversationState) -> tuple[list[Event], float]:
        """The events that decide ``state``'s outcome, and what deciding cost (USD)."""
        if self.grader.task_of(state) is not None:
            events = await self.grader.events(state)
            decided = events[-1]  # the grader's outcome, with what its judge cost
            assert isinstance(decided, OutcomeDecided)
            return events, decided.cost_usd or 0.0
        assert self.evaluator is not None, "a scenario with intents has a rules or judge evaluator"
        judgement = await self.evaluator.evaluate(state, self.scenario.outcomes)
        return [decided_of(judgement)], judgement.cost_usd

    async def aclose(self) -> None:
        """Close the judge's provider, if there is one."""
        if isinstance(self.evaluator, LlmJudge):
            await self.evaluator.provider.aclose()
