"""The LLM judge of a task conversation: it sees the task — goal, criteria, policy — and the
whole trajectory (messages, tool calls and results), judges the task's natural-language
assertions, and scores the agent on four dimensions from 1 to 5 with a rationale each:
``goal_completion``, ``policy_adherence``, ``helpfulness`` and ``faithfulness`` (to what the
tools returned). The answer is JSON validated by pydantic; an invalid answer is sent back once
with the error, and if it is still invalid every judged criterion is recorded as not judged,
with the error as its evidence (never guessed).
"""

from __future__ import annotations

import json

import pydantic

from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import CriterionEvaluated
from aiconv.simulation.judge import json_answer
from aiconv.simulation.outcomes import JudgingCost
from aiconv.simulation.tasks import Task

DIMENSIONS = ("goal_completion", "policy_adherence", "helpfulness", "faithfulness")


class _Score(pydantic.BaseModel):
    score: int = pydantic.Field(ge=1, le=5)
    rationale: str


class _Assertion(pydantic.BaseModel):
    index: int = pydantic.Field(ge=0)
    holds: bool
    rationale: str


class _Answer(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="ignore")
    assertions: list[_Assertion] = []
    scores: dict[str, _Score]


def trajectory_text(state: ConversationState, limit: int = 30_000) -> str:
    """Messages and tool calls in order, as the judge reads them (the end kept when long)."""
    items: list[tuple[int, str]] = [
        (m.sequence, f"{m.sender}: {m.content}") for m in state.messages if not m.moderator
    ]
    for t in state.tools:
        result = f" -> {t.returned.outcome}: {t.returned.content}" if t.returned else ""
        call = json.dumps(dict(t.called.arguments))
        items.append((t.sequence, f"[{t.called.speaker} called {t.called.tool}({call}){result}]"))
    lines = [text for _, text in sorted(items, key=lambda item: item[0])]
    if state.ended is not None:
        lines.append(f"[conversation ended: {state.ended.reason}]")
    text = "\n\n".join(lines)
    return text if len(text) <= limit else "…" + text[-limit:]


def judge_prompt(task: Task, policy: str) -> str:
    """The judge's system prompt: the task, its criteria and the policy."""
    info = task.instructions
    assertions = task.evaluation_criteria.nl_assertions or []
    listed = "\n".join(f"{i}. {text}" for i, text in enumerate(assertions)) or "(none)"
    facts = "\n".join(f"- {f}" for f in task.evaluation_criteria.communicate_info or []) or "(none)"
    return "\n\n".join(
        [
            "You grade a finished customer-support conversation against its task.",
            f"The customer's goal: {info.reason_for_call}\nTheir instructions: "
            f"{info.task_instructions or '(none)'}",
            f"Facts the agent had to tell the customer:\n{facts}",
            f"Assertions to judge (true or false, by index):\n{listed}",
            f"The policy the agent had to follow:\n{policy}",
            "Score the agent from 1 (poor) to 5 (excellent) on goal_completion, "
            "policy_adherence, helpfulness and faithfulness (its words agree with what its tools "
            "returned). Answer with one JSON object only: "
            '{"assertions": [{"index": 0, "holds": true, "rationale": "…"}], '
            '"scores": {"goal_completion": {"score": 4, "rationale": "…"}, …}}',
        ]
    )


class TaskJudge:
    """Judges task conversations with any ``ChatProvider``."""

    def __init__(self, provider: ChatProvider, *, attempts: int = 2, max_tokens: int = 900) -> None:
        self.provider = provider
        self.attempts = max(1, attempts)
        self.max_tokens = max_tokens
        self.cost_usd = 0.0

    async def judge(
        self, state: ConversationState, task: Task, policy: str
    ) -> list[CriterionEvaluated]:
        """The judged criteria (NL assertions and rubric scores) of ``state``."""
        criteria, _ = await self.assess(state, task, policy)
        return criteria

    async def assess(
        self, state: ConversationState, task: Task, policy: str
    ) -> tuple[list[CriterionEvaluated], JudgingCost]:
        """The judged criteria of ``state`` and what judging it cost (every call, a retry
        after an invalid answer included)."""
        messages = [ChatMessage(role="user", content=trajectory_text(state))]
        error, cost = "", JudgingCost()
        for _ in range(self.attempts):
            reply = await self.provider.complete(
                ChatRequest(
                    model=self.provider.model,
                    system=judge_prompt(task, policy),
                    messages=tuple(messages),
                    max_tokens=self.max_tokens,
                    temperature=0.0,
                    context={"speaker": "judge", "conversation_id": state.conversation_id},
                )
            )
            self.cost_usd += reply.cost_usd or 0.0
            cost = cost.plus(reply)
            try:
                return _criteria(task, _parse(reply.content, task)), cost
            except ValueError as exc:
                error = str(exc)
            messages += [
                ChatMessage(role="assistant", content=reply.content or "(empty)"),
                ChatMessage(
                    role="user",
                    content=f"Invalid answer ({error}). Answer again with the JSON object only.",
                ),
            ]
        return _unjudged(task, f"the judge's answer was invalid: {error}"), cost


def _parse(content: str, task: Task) -> _Answer:
    answer = json_answer(content, _Answer)  # InvalidAnswer is a ValueError
    missing = [d for d in DIMENSIONS if d not in answer.scores]
    if missing:
        raise ValueError(f"scores lack {', '.join(missing)}")
    count = len(task.evaluation_criteria.nl_assertions or [])
    if sorted(a.index for a in answer.assertions) != list(range(count)):
        raise ValueError(f"give exactly one answer for each assertion index 0..{count - 1}")
    return answer


def _criteria(task: Task, answer: _Answer) -> list[CriterionEvaluated]:
    assertions = task.evaluation_criteria.nl_assertions or []
    found = [
        CriterionEvaluated(
            task_id=task.id,
            criterion=f"nl:{assertions[a.index]}",
            kind="nl_assertion",
            passed=a.holds,
            evidence=a.rationale[:500],
            by="judge",
        )
        for a in answer.assertions
    ]
    found += [
        CriterionEvaluated(
            task_id=task.id,
            criterion=f"rubric:{d}",
            kind="rubric",
            passed=None,
            score=float(answer.scores[d].score),
            evidence=answer.scores[d].rationale[:500],
            by="judge",
        )
        for d in DIMENSIONS
    ]
    return found


def _unjudged(task: Task, why: str) -> list[CriterionEvaluated]:
    found = [
        CriterionEvaluated(
            task_id=task.id, criterion=f"nl:{text}", kind="nl_assertion", evidence=why, by="judge"
        )
        for text in task.evaluation_criteria.nl_assertions or []
    ]
    found += [
        CriterionEvaluated(
            task_id=task.id, criterion=f"rubric:{d}", kind="rubric", evidence=why, by="judge"
        )
        for d in DIMENSIONS
    ]
    return found
