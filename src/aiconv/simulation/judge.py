"""``LlmJudge``: a model reads the transcript and answers in JSON validated against the schema.

The answer must be one JSON object ``{"outcome": slug, "confidence": 0..1, "rationale": text}``
(a fenced code block around it is tolerated). An answer that is not JSON, misses a field, or
names an outcome outside the schema is sent back once with the error (``attempts``); if the
judge still fails, the judgement is ``undecided`` with the error as its rationale. Provider
errors propagate: the batch leaves the conversation undecided so a rerun evaluates it again.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TypeVar

import pydantic

from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.platform.conversation import ConversationState
from aiconv.simulation.outcomes import UNDECIDED, Judgement, JudgingCost, OutcomeSchema

_FENCE = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.DOTALL)


class JudgeAnswer(pydantic.BaseModel):
    """The JSON the judge must answer with."""

    model_config = pydantic.ConfigDict(extra="ignore")
    outcome: str
    confidence: float = pydantic.Field(ge=0.0, le=1.0)
    rationale: str


class InvalidAnswer(ValueError):
    """The judge's answer does not validate; the message says why, for the retry."""


def judge_prompt(schema: OutcomeSchema) -> str:
    """The system prompt of the judge."""
    return (
        "You evaluate a finished customer-support conversation and decide its outcome.\n"
        f"Possible outcomes (use the slug exactly):\n{schema.describe()}\n"
        'Answer with one JSON object only: {"outcome": "<slug>", "confidence": <0..1>, '
        '"rationale": "<one or two sentences>"}.'
    )


def transcript_text(state: ConversationState, limit: int = 24_000) -> str:
    """The conversation as ``sender: text`` paragraphs, keeping the end when too long."""
    lines = [f"{m.sender}: {m.content}" for m in state.messages if not m.moderator]
    if state.ended is not None:
        lines.append(f"[conversation ended: {state.ended.reason}]")
    text = "\n\n".join(lines)
    return text if len(text) <= limit else "…" + text[-limit:]


M = TypeVar("M", bound=pydantic.BaseModel)


def json_answer(content: str, model: type[M]) -> M:
    """A model's JSON answer (a fenced code block around it tolerated), validated as ``model``;
    InvalidAnswer says what is wrong, for the retry."""
    fenced = _FENCE.search(content)
    raw = fenced.group(1) if fenced else content.strip()
    try:
        return model.model_validate_json(raw)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        raise InvalidAnswer(f"{where}: {first['msg']}") from None


def parse_answer(content: str, schema: OutcomeSchema) -> Judgement:
    """The judgement in ``content``; InvalidAnswer says what is wrong."""
    answer = json_answer(content, JudgeAnswer)
    outcome = answer.outcome.strip().lower()
    if outcome not in schema.slugs:
        raise InvalidAnswer(f"outcome {answer.outcome!r} is not one of: {', '.join(schema.slugs)}")
    return Judgement(
        outcome=outcome, by="judge", confidence=answer.confidence, rationale=answer.rationale
    )


class LlmJudge:
    """An evaluator backed by any ``ChatProvider``."""

    def __init__(self, provider: ChatProvider, *, attempts: int = 2, max_tokens: int = 400) -> None:
        self.provider = provider
        self.attempts = max(1, attempts)
        self.max_tokens = max_tokens

    async def evaluate(self, state: ConversationState, schema: OutcomeSchema) -> Judgement:
        """The judge's outcome for ``state``, or ``undecided`` after invalid answers."""
        messages = [ChatMessage(role="user", content=transcript_text(state))]
        error, cost, paid = "", JudgingCost(), 0.0
        for _ in range(self.attempts):
            request = ChatRequest(
                model=self.provider.model,
                system=judge_prompt(schema),
                messages=tuple(messages),
                max_tokens=self.max_tokens,
                temperature=0.0,
                context={"speaker": "judge", "conversation_id": state.conversation_id},
            )
            reply = await self.provider.complete(request)
            cost, paid = cost.plus(reply), paid + (reply.cost_usd or 0.0)
            try:
                answer = parse_answer(reply.content, schema)
                return replace(answer, cost_usd=paid, judging=cost)
            except InvalidAnswer as exc:
                error = str(exc)
            messages += [
                ChatMessage(role="assistant", content=reply.content or "(empty)"),
                ChatMessage(role="user", content=f"Invalid answer ({error}). {_AGAIN}"),
            ]
        return Judgement(
            outcome=UNDECIDED,
            by="judge",
            confidence=0.0,
            rationale=f"invalid answer: {error}",
            cost_usd=paid,
            judging=cost,
        )


_AGAIN = "Answer again with the JSON object only, using one of the listed outcome slugs."
