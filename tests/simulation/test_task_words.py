"""Task files written the way issue 14 words them: a user scenario with ``reason_for_call``,
``known_info``, ``unknown_info`` and ``instructions``. Written flat on ``user_scenario`` (not
nested under τ²-bench's ``instructions`` object), such a file was refused with "Extra inputs are
not permitted" for each of the four fields."""

from __future__ import annotations

import json
from pathlib import Path

from aiconv.simulation.tasks import load_tasks
from aiconv.testing.processes import run_aic

FLAT = """\
[[tasks]]
id = "flat-lost-card"
domain = "banking"
[tasks.user_scenario]
persona = "A calm caller."
reason_for_call = "You lost your debit card and want it blocked."
known_info = "full_name: Marcus Abernathy"
unknown_info = "your customer id"
instructions = "Answer only what you are asked."
[tasks.evaluation_criteria]
communicate_info = ["$1,288.65"]
outcome = "satisfied"
"""


def test_a_flat_user_scenario_reads_as_the_structured_instructions(tmp_path: Path) -> None:
    path = tmp_path / "tasks.toml"
    path.write_text(FLAT)
    (task,) = load_tasks(path)
    assert task.user_scenario.persona == "A calm caller."
    brief = task.instructions
    assert brief.reason_for_call == "You lost your debit card and want it blocked."
    assert brief.known_info == "full_name: Marcus Abernathy"
    assert brief.unknown_info == "your customer id"
    assert brief.task_instructions == "Answer only what you are asked."
    done = run_aic("tasks", "list", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert '"flat-lost-card"' in done.stdout


def test_a_bad_field_of_a_flat_scenario_is_still_named_with_its_file(tmp_path: Path) -> None:
    path = tmp_path / "tasks.toml"
    path.write_text(FLAT.replace('unknown_info = "your customer id"', "unknown_info = 5"))
    done = run_aic("tasks", "list", str(path))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {path}:")
    assert "unknown_info" in done.stderr and "Traceback" not in done.stderr


def test_tasks_export_accepts_json_like_every_command(tmp_path: Path) -> None:
    """Issue 12: ``--json`` on every command that prints data; ``tasks export`` prints one JSON
    document anyway, and ``--json`` was "No such option"."""
    plain = run_aic("tasks", "export", "--domain", "banking")
    flagged = run_aic("tasks", "export", "--domain", "banking", "--json")
    assert flagged.returncode == 0, flagged.stderr
    assert json.loads(flagged.stdout) == json.loads(plain.stdout)
