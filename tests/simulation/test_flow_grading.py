"""Grading what a flow collected: one criterion per expected field, normalised comparison, and
evidence that says what was collected, last read, or never read."""

from __future__ import annotations

from typing import Any

from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState, evolve
from aiconv.platform.events import Extraction, FieldsExtracted
from aiconv.simulation.flow_grading import collected_criteria, same
from aiconv.simulation.tasks import Task
from aiconv.simulation.tau2 import to_tau2


def state_with(*extractions: Extraction) -> ConversationState:
    event = FieldsExtracted(participant="designer", stage="S", extractions=extractions)
    recorded = Recorded(conversation_id="c", sequence=1, position=1, at=0.0, event=event)
    return evolve(ConversationState(conversation_id="c"), recorded)


def evidence(
    state: ConversationState, expected: dict[str, Any]
) -> dict[str, tuple[bool | None, str]]:
    found = collected_criteria(state, "t", expected, "designer")
    return {c.criterion: (c.passed, c.evidence) for c in found}


def test_values_compare_after_normalisation() -> None:
    assert same("customer_support", "Customer support")
    assert same(["email", "calendar"], ["calendar", "email"])
    assert same(5, 5.0)
    assert same({"Calendar": "Read only"}, {"calendar": "read only"})
    assert not same(["a", "b"], ["a"])
    assert not same(True, "yes")


def test_each_field_is_a_criterion_with_its_evidence() -> None:
    state = state_with(
        Extraction(name="tone", value="formal", confidence=0.5, note="confidence 0.50 below 0.60"),
        Extraction(name="agent_type", value="sales", confidence=0.9, accepted=True),
        Extraction(name="goals", value=["sell"], confidence=0.8, accepted=True),
    )
    found = evidence(
        state, {"agent_type": "sales", "goals": ["sell more"], "tone": "formal", "agent_name": "X"}
    )
    assert found == {
        "collected:agent_type": (True, "agent_type: collected 'sales' (0.90)"),
        "collected:goals": (False, "goals: expected ['sell more'], collected ['sell']"),
        "collected:tone": (
            False,
            "tone: expected 'formal', not collected "
            "(last read 'formal': confidence 0.50 below 0.60)",
        ),
        "collected:agent_name": (False, "agent_name: expected 'X', never read"),
    }


def test_a_task_without_expected_data_has_no_such_criteria() -> None:
    assert collected_criteria(state_with(), "t", None, "designer") == []


def test_tau2_export_turns_collected_values_into_assertions() -> None:
    task = Task.model_validate(
        {
            "id": "t",
            "domain": "agent_design",
            "user_scenario": {"instructions": "Design an agent."},
            "evaluation_criteria": {"collected": {"tone": "calm"}, "reward_basis": ["COLLECTED"]},
        }
    )
    criteria = to_tau2(task)["evaluation_criteria"]
    assert criteria["nl_assertions"] == ["The agent collected tone = 'calm'."]
    assert criteria["reward_basis"] == ["NL_ASSERTION"]  # graded there, not an empty DB
    assert "collected" not in criteria
