"""Centralised outcomes: an evaluator reads the whole conversation and decides its outcome.

``RuleEvaluator`` applies ordered rules (whole-word keywords, regular expressions, end reasons,
optionally only in one participant's messages) and falls back to a default outcome; the first
rule that matches decides. ``aiconv.simulation.judge.LlmJudge`` is the model-based evaluator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from aiconv.errors import ScenarioError
from aiconv.platform.conversation import ConversationState, Message
from aiconv.simulation.outcomes import Judgement, OutcomeSchema


class Evaluator(Protocol):
    """Decides the outcome of an ended conversation."""

    async def evaluate(self, state: ConversationState, schema: OutcomeSchema) -> Judgement:
        """The outcome of ``state``; raises ``ProviderError`` when a model call fails."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeRule:
    """Matches when every condition given holds: any keyword, any pattern, any end reason."""

    outcome: str
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    end_reasons: tuple[str, ...] = ()
    sender: str | None = None

    def __post_init__(self) -> None:
        if not (self.keywords or self.patterns or self.end_reasons):
            raise ScenarioError(
                f"rule for {self.outcome!r} needs keywords, patterns or end_reasons"
            )
        for pattern in self.patterns:
            try:
                compiled = re.compile(pattern, re.IGNORECASE | re.MULTILINE)
            except re.error as exc:
                raise ScenarioError(
                    f"rule for {self.outcome!r}: bad pattern {pattern!r}: {exc}"
                ) from None
            if compiled.search("") is not None:  # '' or 'x?' found in every message
                raise ScenarioError(
                    f"rule for {self.outcome!r}: pattern {pattern!r} matches empty text, so"
                    " nearly every conversation: make it match something"
                )

    def match(self, state: ConversationState) -> str | None:
        """Why the rule matches ``state`` (a rationale), or None."""
        reasons: list[str] = []
        if self.end_reasons:
            reason = state.ended.reason if state.ended else None
            if reason not in self.end_reasons:
                return None
            reasons.append(f"ended with {reason}")
        messages = [
            m for m in state.messages if not m.moderator and self.sender in (None, m.sender)
        ]
        for found in (self._keyword(messages), self._pattern(messages)):
            if found == "":
                return None  # the condition is given and nothing matches it
            if found is not None:
                reasons.append(found)
        return "; ".join(reasons)

    def _keyword(self, messages: list[Message]) -> str | None:
        if not self.keywords:
            return None
        for message in messages:
            for word in self.keywords:
                if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", message.content, re.IGNORECASE):
                    return f"{message.sender} said {word!r} (#{message.sequence})"
        return ""

    def _pattern(self, messages: list[Message]) -> str | None:
        if not self.patterns:
            return None
        for message in messages:
            for pattern in self.patterns:
                if re.search(pattern, message.content, re.IGNORECASE | re.MULTILINE):
                    return f"{message.sender} matched /{pattern}/ (#{message.sequence})"
        return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleEvaluator(Evaluator):
    """The first matching rule decides; otherwise ``default``."""

    rules: tuple[OutcomeRule, ...]
    default: str

    def check(self, schema: OutcomeSchema) -> None:
        """ScenarioError when a rule or the default names an outcome not in ``schema``."""
        for outcome in (*(r.outcome for r in self.rules), self.default):
            if outcome not in schema.slugs:
                raise ScenarioError(
                    f"evaluator outcome {outcome!r} is not in the outcome schema "
                    f"({', '.join(schema.slugs)})"
                )

    async def evaluate(self, state: ConversationState, schema: OutcomeSchema) -> Judgement:
        """The outcome of the first rule that matches, with why."""
        return self.decide(state)

    def decide(self, state: ConversationState) -> Judgement:
        """``evaluate`` without the coroutine."""
        for index, rule in enumerate(self.rules, 1):
            why = rule.match(state)
            if why is not None:
                return Judgement(outcome=rule.outcome, by="rules", rationale=f"rule {index}: {why}")
        return Judgement(outcome=self.default, by="rules", rationale="no rule matched")
