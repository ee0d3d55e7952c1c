"""Outcome schemas and judgements: the ordered set of labels a conversation can end with.

A schema is validated on construction (unique, lowercase slugs; at least one; ``undecided`` is
reserved for "nobody could tell"). Some outcomes count as success; the report's success rate is
the share of conversations whose decided outcome is one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiconv.agents.messages import ChatReply
from aiconv.errors import ScenarioError
from aiconv.platform.events import OutcomeDecided

#: Recorded when no evaluator could decide (e.g. the judge kept answering invalid JSON).
UNDECIDED = "undecided"
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """One label: a slug, what it means, whether it counts as success."""

    slug: str
    description: str = ""
    success: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeSchema:
    """The ordered outcomes of a scenario."""

    outcomes: tuple[Outcome, ...]

    def __post_init__(self) -> None:
        if not self.outcomes:
            raise ScenarioError("the outcome schema needs at least one outcome")
        seen: set[str] = set()
        for outcome in self.outcomes:
            validate_slug(outcome.slug)
            if outcome.slug in seen:
                raise ScenarioError(f"outcome {outcome.slug!r} is listed twice")
            seen.add(outcome.slug)

    @property
    def slugs(self) -> tuple[str, ...]:
        """The slugs, in order."""
        return tuple(o.slug for o in self.outcomes)

    @property
    def successes(self) -> frozenset[str]:
        """The slugs that count as success."""
        return frozenset(o.slug for o in self.outcomes if o.success)

    def is_success(self, slug: str | None) -> bool:
        """Whether ``slug`` counts as success."""
        return slug in self.successes

    def describe(self) -> str:
        """One line per outcome, for prompts."""
        return "\n".join(f"- {o.slug}: {o.description or o.slug}" for o in self.outcomes)


def validate_slug(slug: str) -> str:
    """``slug`` if it is a lowercase slug and not reserved; ScenarioError otherwise."""
    if not _SLUG.match(slug):
        raise ScenarioError(
            f"outcome {slug!r} must be a lowercase slug (a-z, 0-9, _; starting with a letter)"
        )
    if slug == UNDECIDED:
        raise ScenarioError(f"outcome {UNDECIDED!r} is reserved for undecided conversations")
    return slug


@dataclass(frozen=True, slots=True, kw_only=True)
class JudgingCost:
    """What a judge's model calls cost: its model, tokens and dollars over every call (None
    when no call was made, or when the price of one is unknown)."""

    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    calls: int = 0

    def plus(self, reply: ChatReply) -> JudgingCost:
        """This cost and that of the call that answered ``reply``."""
        cost = reply.cost_usd
        if self.calls:
            cost = None if cost is None or self.cost_usd is None else self.cost_usd + cost
        return JudgingCost(
            model=reply.model or self.model,
            input_tokens=self.input_tokens + reply.usage.input_tokens,
            output_tokens=self.output_tokens + reply.usage.output_tokens,
            cost_usd=cost,
            calls=self.calls + 1,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Judgement:
    """A decided (or proposed) outcome with who decided, how sure and why; ``judging``: what
    the model calls that decided it cost (``cost_usd`` is its dollars, 0 when unknown)."""

    outcome: str
    by: str
    confidence: float = 1.0
    rationale: str = ""
    cost_usd: float = 0.0
    judging: JudgingCost = JudgingCost()


def decided_of(judgement: Judgement, judging: JudgingCost | None = None) -> OutcomeDecided:
    """The event recording ``judgement`` and what judging cost (``judging``, else the
    judgement's own): the model, tokens and dollars, never the conversation's cost."""
    cost = judging if judging is not None else judgement.judging
    return OutcomeDecided(
        outcome=judgement.outcome,
        by=judgement.by,
        confidence=judgement.confidence,
        rationale=judgement.rationale[:1000],
        model=cost.model,
        input_tokens=cost.input_tokens,
        output_tokens=cost.output_tokens,
        cost_usd=cost.cost_usd,
    )


#: The outcomes of a task suite: the grader decides whether the task's criteria all passed.
TASK_OUTCOMES = OutcomeSchema(
    outcomes=(
        Outcome(slug="passed", description="every criterion of the task passed", success=True),
        Outcome(slug="failed", description="a criterion of the task failed"),
    )
)
