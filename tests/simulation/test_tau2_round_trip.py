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
