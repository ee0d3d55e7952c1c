"""The evaluator of task conversations: grades every criterion of the conversation's task,
asks the task judge (when one is configured) for its assertions and scores, and decides the
outcome ``passed`` or ``failed`` with the failing criteria as the rationale. Everything is
appended as events in one atomic append, so the verdict and its evidence are in the log, and
what the judge cost is on the outcome."""

from __future__ import annotations

from collections.abc import Mapping

from aiconv.environments.domain import domain_named
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import CriterionEvaluated, Event
from aiconv.simulation.grading import gating_kinds, grade
from aiconv.simulation.outcomes import Judgement, JudgingCost, decided_of
from aiconv.simulation.task_judge import TaskJudge
from aiconv.simulation.tasks import Task


class TaskGrader:
    """Grades conversations of the tasks it knows (by id)."""

    def __init__(self, tasks: Mapping[str, Task], judge: TaskJudge | None = None) -> None:
        self.tasks = dict(tasks)
        self.judge = judge

    def task_of(self, state: ConversationState) -> Task | None:
        """The task a conversation was started for, if it is one of ours."""
        assert state.started is not None
        return self.tasks.get(str(state.started.metadata.get("task", "")))

    async def events(self, state: ConversationState) -> list[Event]:
        """The criteria, the verdict and the outcome of a finished task conversation."""
        task = self.task_of(state)
        assert task is not None and state.started is not None
        domain = domain_named(task.domain_name(state.started.metadata.get("domain")))
        agent = next((p.name for p in state.participants if p.role == "agent"), "")
        judged: list[CriterionEvaluated] = []
        cost = JudgingCost()
        if self.judge is not None:
            judged, cost = await self.judge.assess(state, task, domain.policy)
        graded = grade(state, task, domain, agent=agent, judged=judged)
        failing = [
            c
            for c in graded.criteria
            if c.kind in gating_kinds(graded.verdict.basis) and c.passed is not True
        ]
        rationale = (
            "every criterion passed"
            if graded.verdict.passed
            else "; ".join(f"{c.criterion}: {c.evidence}" for c in failing)[:1000]
        )
        decided = decided_of(
            Judgement(
                outcome="passed" if graded.verdict.passed else "failed",
                by="grader",
                confidence=1.0,
                rationale=rationale,
            ),
            cost,
        )
        return [*graded.criteria, graded.verdict, decided]
