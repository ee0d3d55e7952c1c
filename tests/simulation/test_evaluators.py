"""The rule-based evaluator: keywords (whole words), patterns, end reasons, senders, default."""

from __future__ import annotations

import pytest

from aiconv.errors import ScenarioError
from aiconv.simulation.evaluators import OutcomeRule, RuleEvaluator
from aiconv.simulation.outcomes import Outcome, OutcomeSchema
from tests.simulation.conftest import state_of

SCHEMA = OutcomeSchema(
    outcomes=(
        Outcome(slug="resolved", success=True),
        Outcome(slug="escalated"),
        Outcome(slug="abandoned"),
    )
)
EVALUATOR = RuleEvaluator(
    rules=(
        OutcomeRule(outcome="escalated", keywords=("supervisor",), sender="support"),
        OutcomeRule(outcome="resolved", patterns=(r"refund (has been )?issued",)),
        OutcomeRule(outcome="resolved", end_reasons=("end_token",), keywords=("thanks",)),
    ),
    default="abandoned",
)


async def test_first_matching_rule_decides_with_its_reason() -> None:
    state = state_of(("customer", "Where is my money?"), ("support", "Refund has been issued."))
    judgement = await EVALUATOR.evaluate(state, SCHEMA)
    assert judgement.outcome == "resolved"
    assert judgement.by == "rules"
    assert "rule 2" in judgement.rationale and "#3" in judgement.rationale


def test_keywords_match_whole_words_only_and_respect_the_sender() -> None:
    customer_asks = state_of(("customer", "Get me a supervisor!"), ("support", "Sure."))
    assert EVALUATOR.decide(customer_asks).outcome == "abandoned"
    agent_escalates = state_of(("customer", "Hi"), ("support", "I'll get my SUPERVISOR."))
    assert EVALUATOR.decide(agent_escalates).outcome == "escalated"
    substring = state_of(("customer", "Hi"), ("support", "Our supervisors are busy."))
    assert EVALUATOR.decide(substring).outcome == "abandoned"


def test_conditions_of_one_rule_must_all_hold() -> None:
    thanks_no_end = state_of(("customer", "thanks"), ("support", "bye"))
    assert EVALUATOR.decide(thanks_no_end).outcome == "abandoned"
    thanks_and_end = state_of(("customer", "thanks"), ("support", "bye"), ended="end_token")
    judgement = EVALUATOR.decide(thanks_and_end)
    assert judgement.outcome == "resolved" and "ended with end_token" in judgement.rationale


def test_default_when_nothing_matches() -> None:
    judgement = EVALUATOR.decide(state_of(("customer", "hello"), ended="max_turns"))
    assert (judgement.outcome, judgement.rationale) == ("abandoned", "no rule matched")


def test_rules_are_checked_against_the_schema() -> None:
    EVALUATOR.check(SCHEMA)
    bad = RuleEvaluator(rules=(), default="sold")
    with pytest.raises(ScenarioError, match="'sold' is not in the outcome schema"):
        bad.check(SCHEMA)


def test_a_rule_needs_a_condition_and_valid_patterns() -> None:
    with pytest.raises(ScenarioError, match="needs keywords"):
        OutcomeRule(outcome="resolved")
    with pytest.raises(ScenarioError, match="bad pattern"):
        OutcomeRule(outcome="resolved", patterns=("(",))
