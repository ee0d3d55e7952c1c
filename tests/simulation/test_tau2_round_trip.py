"""Our tasks exported in τ²-bench's schema read back as they were: ``title``, ``difficulty`` and
``opening`` from ``description.notes``, the outcome from its NL assertion. Read back without
them, a careful agent failed 11 of the 40 banking tasks (the customer no longer opened with the
task's line) — the export lost what the README says it keeps."""

from __future__ import annotations

import json
from pathlib import Path

from aiconv.environments.banking import banking_domain
from aiconv.simulation.grading import grade
from aiconv.simulation.tasks import load_tasks, tasks_of
from aiconv.simulation.tau2 import to_tau2
from aiconv.testing.processes import run_aic
from tests.environments.conversation import run_task

NATIVE = {t.id: t for t in tasks_of(list(banking_domain().task_files))}


def test_an_exported_task_file_reads_back_as_the_tasks_it_was(tmp_path: Path) -> None:
    path = tmp_path / "banking_tasks.json"
    done = run_aic("tasks", "export", "--domain", "banking", "--format", "tau2", "-o", str(path))
    assert done.returncode == 0, done.stderr
    reread = load_tasks(path, default_domain="banking")
    assert len(reread) == len(NATIVE)
    for task in reread:
        native = NATIVE[task.id]
        assert (task.title, task.difficulty, task.opening) == (
            native.title, native.difficulty, native.opening
        )  # fmt: skip
        assert task.evaluation_criteria.outcome == native.evaluation_criteria.outcome
        again, before = task.evaluation_criteria, native.evaluation_criteria
        assert (again.nl_assertions or []) == (before.nl_assertions or [])
        assert task.description == native.description
        assert to_tau2(task) == to_tau2(native)  # and it exports the same again


async def test_a_careful_agent_passes_a_reimported_task(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps([to_tau2(NATIVE["banking-damaged-card"])]))
    (task,) = load_tasks(path, default_domain="banking")
    ran = await run_task(task, agent="bank-agent:mistakes=0")
    assert grade(ran.state, task, ran.domain, agent="agent").verdict.passed, ran.transcript()


def test_an_export_has_what_tau2_requires_and_keeps_an_outcome_that_gates(tmp_path: Path) -> None:
    """τ²-bench's ``Action`` requires ``action_id`` (ours may leave it out: the export dropped
    it, and τ²-bench refused the file), and has no OUTCOME basis: the export dropped it from
    the basis, so the outcome (there an NL assertion) no longer decided the verdict, and the
    file read back as a task the outcome did not gate either."""
    own = tmp_path / "own.json"
    own.write_text(
        json.dumps(
            [
                {
                    "id": "own-1",
                    "domain": "banking",
                    "user_scenario": {"instructions": "You lost card-0001: block it."},
                    "evaluation_criteria": {
                        "actions": [
                            {"name": "block_card",
                             "arguments": {"card_id": "card-0001", "reason": "lost"}},
                        ],
                        "outcome": "satisfied",
                        "reward_basis": ["DB", "OUTCOME"],
                    },
                }
            ]
        )
    )  # fmt: skip
    out = tmp_path / "tau.json"
    done = run_aic("tasks", "export", str(own), "--format", "tau2", "-o", str(out))
    assert done.returncode == 0, done.stderr
    (exported,) = json.loads(out.read_text())
    criteria = exported["evaluation_criteria"]
    assert [a["action_id"] for a in criteria["actions"]] == ["0-block_card"]
    assert criteria["reward_basis"] == ["DB", "NL_ASSERTION"]
    assert criteria["nl_assertions"] == ["The user ended the conversation satisfied."]
    (native,) = load_tasks(own)
    (reread,) = load_tasks(out)
    assert reread.evaluation_criteria.reward_basis == ["DB", "OUTCOME"]
    assert reread.evaluation_criteria.outcome == "satisfied"
    assert not reread.evaluation_criteria.nl_assertions
    assert reread.description is not None and reread.description.notes is None
    assert to_tau2(reread) == to_tau2(native)


FLOW_TASKS = Path(__file__).resolve().parents[2] / "examples" / "flows" / "tasks.toml"


def test_an_exported_flow_task_is_graded_on_what_was_collected(tmp_path: Path) -> None:
    """A flow task's only criterion, ``collected``, becomes NL assertions that τ²-bench grades
    and reads back as the criterion it was: read back without its values, the task's basis
    COLLECTED expected nothing, and every conversation that ended passed."""
    native = {t.id: t for t in load_tasks(FLOW_TASKS, default_domain="agent_design")}
    path = tmp_path / "flow_tasks.json"
    done = run_aic("tasks", "export", str(FLOW_TASKS), "--format", "tau2", "-o", str(path))
    assert done.returncode == 0, done.stderr
    exported = json.loads(path.read_text())
    assert {tuple(t["evaluation_criteria"]["reward_basis"]) for t in exported} == {
        ("NL_ASSERTION",)
    }
    reread = load_tasks(path, default_domain="agent_design")
    assert len(reread) == len(native)
    for task in reread:
        again, before = task.evaluation_criteria, native[task.id].evaluation_criteria
        assert again.reward_basis == before.reward_basis == ["COLLECTED"]
        assert (again.collected, again.outcome) == (before.collected, before.outcome)
        assert again.nl_assertions == before.nl_assertions
        assert to_tau2(task) == to_tau2(native[task.id])
