"""τ²-bench task fields aiconv does not carry out are refused when the task loads, never
ignored: a reward basis of ``ENV_ASSERTION`` alone used to pass every conversation (nothing
gated the verdict), a ``message_history`` was dropped, a user environment was applied to the
agent's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiconv.simulation.tasks import load_tasks
from aiconv.testing.processes import run_aic

BRIEF = {"instructions": {"domain": "banking", "reason_for_call": "x", "task_instructions": "y"}}
ASSERTION = {"env_type": "assistant", "func_name": "get_card", "arguments": {"card_id": "c"}}


@pytest.mark.parametrize(
    ("task", "field"),
    [
        (
            {"evaluation_criteria": {"env_assertions": [ASSERTION],
                                     "reward_basis": ["ENV_ASSERTION"]}},
            "evaluation_criteria.env_assertions",
        ),
        (
            {"evaluation_criteria": {"reward_basis": ["DB", "ENV_ASSERTION"]}},
            "evaluation_criteria.reward_basis",
        ),
        (
            {"initial_state": {"message_history": [{"role": "user", "content": "hi"}]}},
            "initial_state.message_history",
        ),
        (
            {"initial_state": {"initialization_data": {"user_data": {"device": {"on": True}}}}},
            "initial_state.initialization_data.user_data",
        ),
        (
            {"initial_state": {"initialization_actions": [
                {"env_type": "user", "func_name": "get_card", "arguments": {"card_id": "c"}}
            ]}},
            "initial_state.initialization_actions[0].env_type",
        ),
    ],
    ids=["env-assertions", "env-assertion-basis", "message-history", "user-data", "user-action"],
)  # fmt: skip
def test_a_tau2_field_aiconv_cannot_carry_out_is_refused_in_one_line(
    tmp_path: Path, task: dict[str, Any], field: str
) -> None:
    bad = tmp_path / "tasks.json"
    bad.write_text(json.dumps([{"id": "0", "user_scenario": BRIEF, **task}], indent=2))
    done = run_aic("tasks", "list", str(bad), "--domain", "banking")
    assert done.returncode == 2, done.stdout
    line = done.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line, line
    assert "tasks.json:" in line and field in line and "not supported" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tasks.json"]


def test_a_tau2_task_with_those_fields_left_empty_loads(tmp_path: Path) -> None:
    """τ²-bench writes absent fields as null or empty: that is no use of them."""
    path = tmp_path / "tasks.json"
    task = {
        "id": "0",
        "description": {"purpose": None, "relevant_policies": None, "notes": None},
        "user_scenario": {"persona": None, **BRIEF},
        "ticket": None,
        "initial_state": {
            "initialization_data": {"agent_data": None, "user_data": None},
            "initialization_actions": None,
            "message_history": [],
        },
        "evaluation_criteria": {
            "actions": [],
            "env_assertions": None,
            "communicate_info": [],
            "nl_assertions": None,
            "reward_basis": ["DB", "COMMUNICATE"],
        },
    }
    path.write_text(json.dumps([task]))
    assert [t.id for t in load_tasks(path)] == ["0"]


@pytest.mark.parametrize("annotations", [None, {"note": "checked by hand"}])
def test_a_tau2_task_with_annotations_loads(tmp_path: Path, annotations: Any) -> None:
    """τ²-bench's own airline and banking_knowledge tasks.json give every task
    ``"annotations": null``, which its Task model ignores; here it was an unknown field."""
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([{"id": "0", "user_scenario": BRIEF, "annotations": annotations}]))
    assert [t.id for t in load_tasks(path)] == ["0"]
