"""Task suites: a scenario file whose cells are tasks of a domain (as well as, or instead of,
persona × intent).

``domain = "banking"`` alone runs the domain's shipped tasks; ``tasks = ["tasks/*.json"]``
names task files (globs relative to the scenario file; each file holds one task or many);
``[[cells]]`` adds explicit persona + task (or intent) pairs, and ``cross = false`` keeps only
those. A task's domain is its own, else the scenario's. One run id covers the whole suite.
"""

from __future__ import annotations

from pathlib import Path

from aiconv.environments.domain import domain_named
from aiconv.errors import ScenarioError
from aiconv.simulation import locate
from aiconv.simulation.documents import ScenarioModel
from aiconv.simulation.intents import Intent
from aiconv.simulation.personas import NEUTRAL, Persona
from aiconv.simulation.tasks import Task, tasks_of

#: An explicit cell: the persona and its intent or task.
CellParts = tuple[Persona, Intent | None, Task | None]


def task_files(model: ScenarioModel, path: Path, lines: dict[locate.Path, int]) -> list[Path]:
    """The task files of a scenario: its globs (relative to its folder) or its domain's own."""
    folder = path.parent
    if not model.tasks:
        return list(domain_named(model.domain).task_files) if model.domain else []
    found: list[Path] = []
    for index, pattern in enumerate(model.tasks):
        line = locate.line_of(lines, ("tasks", index))
        try:
            matches = (
                sorted(folder.glob(pattern)) if not Path(pattern).is_absolute() else [Path(pattern)]
            )
        except (ValueError, IndexError):  # pathlib's refusals: '**a', and '.' (an IndexError)
            raise ScenarioError(
                f"{path}:{line}: tasks[{index}]: {pattern!r} is not a pattern of task files"
                " (e.g. 'tasks/*.json')"
            ) from None
        matches = [m for m in matches if m.is_file()]
        if not matches:
            raise ScenarioError(f"{path}:{line}: tasks[{index}]: no task file matches {pattern!r}")
        found += [m for m in matches if m not in found]
    return found


def suite_tasks(
    model: ScenarioModel, path: Path, lines: dict[locate.Path, int]
) -> tuple[Task, ...]:
    """Every task of the suite, each checked against its domain."""
    return tuple(tasks_of(task_files(model, path, lines), model.domain))


def explicit_cells(
    model: ScenarioModel,
    path: Path,
    lines: dict[locate.Path, int],
    personas: dict[str, Persona],
    intents: dict[str, Intent],
    tasks: dict[str, Task],
) -> list[CellParts]:
    """The scenario's ``[[cells]]``, each naming a known persona and task (or intent)."""
    found: list[CellParts] = []
    for index, cell in enumerate(model.cells):
        where = f"{path}:{locate.line_of(lines, ('cells', index))}: cells[{index}]"
        persona = personas.get(cell.persona) or (NEUTRAL if cell.persona == "neutral" else None)
        if persona is None:
            raise ScenarioError(f"{where}.persona: unknown persona {cell.persona!r}")
        if cell.task is not None:
            if cell.task not in tasks:
                raise ScenarioError(f"{where}.task: unknown task {cell.task!r}")
            found.append((persona, None, tasks[cell.task]))
        else:
            assert cell.intent is not None
            if cell.intent not in intents:
                raise ScenarioError(f"{where}.intent: unknown intent {cell.intent!r}")
            found.append((persona, intents[cell.intent], None))
    return found
