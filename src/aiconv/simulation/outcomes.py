"""Outcome schemas and judgements: the ordered set of labels a conversation can end with.

A schema is validated on construction (unique, lowercase slugs; at least one; ``undecided`` is
reserved for "nobody could tell"). Some outcomes count as success; the report's success rate is
the share of conversations whose decided outcome is one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiconv.errors import ScenarioError

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
class Judgement:
    """A decided (or proposed) outcome with who decided, how sure and why."""

    outcome: str
    by: str
    confidence: float = 1.0
    rationale: str = ""
    cost_usd: float = 0.0


#: The outcomes of a task suite: the grader decides whether the task's criteria all passed.
TASK_OUTCOMES = OutcomeSchema(
    outcomes=(
        Outcome(slug="passed", description="every criterion of the task passed", success=True),
        Outcome(slug="failed", description="a criterion of the task failed"),
    )
)
