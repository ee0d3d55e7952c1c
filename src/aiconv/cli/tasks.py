"""``aic tasks``: list and check task files, and write them in τ²-bench's format."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from aiconv.cli.command import AicGroup
from aiconv.cli.display import echo_or_write
from aiconv.cli.options import json_option, option
from aiconv.cli.tables import Field, print_table
from aiconv.environments.domain import domain_named
from aiconv.errors import ConfigError
from aiconv.simulation.tasks import Task, tasks_of
from aiconv.simulation.tau2 import to_tau2

#: A task id is copied (to run or look up a task): never cut.
TASK_FIELDS = (
    Field("id", identifier=True),
    Field("difficulty", rank=2),
    Field("reason for call", rank=1),
    Field("actions", rank=3),
    Field("facts", rank=3),
    Field("basis", rank=2),
)


def _tasks(files: tuple[Path, ...], domain: str | None) -> list[Task]:
    if not files and domain is None:
        raise ConfigError("give task files, or --domain for a domain's own tasks")
    paths = list(files) or list(domain_named(domain or "").task_files)
    return tasks_of(paths, domain)


@click.group(name="tasks", cls=AicGroup)
def tasks_group() -> None:
    """Task files: list them (each checked against its domain) or export them (τ²-bench
    format)."""


@tasks_group.command(name="list")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@option("--domain", help="The domain of tasks that do not name one (or its own tasks).")
@json_option(help="Print one JSON document instead.")
def list_tasks(files: tuple[Path, ...], domain: str | None, as_json: bool) -> None:
    """List tasks (each checked against its domain): id, difficulty, reason, criteria."""
    tasks = _tasks(files, domain)
    rows = [
        {
            "id": t.id,
            "domain": t.domain_name(domain),
            "difficulty": t.difficulty,
            "reason_for_call": t.instructions.reason_for_call,
            "actions": len(t.evaluation_criteria.actions or ()),
            "facts": len(t.evaluation_criteria.communicate_info or ()),
            "reward_basis": list(t.evaluation_criteria.reward_basis),
        }
        for t in tasks
    ]
    if as_json:
        click.echo(json.dumps({"tasks": rows}, indent=2))
        return
    table = [
        [
            t.id, t.difficulty or "-", t.instructions.reason_for_call,
            str(len(t.evaluation_criteria.actions or ())),
            str(len(t.evaluation_criteria.communicate_info or ())),
            ", ".join(t.evaluation_criteria.reward_basis),
        ]
        for t in tasks
    ]  # fmt: skip
    print_table(Console(), TASK_FIELDS, table)


@tasks_group.command(name="export")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@option("--domain", help="The domain of tasks that do not name one (or its own tasks).")
@option("--format", "fmt", type=click.Choice(["tau2", "native"]), default="tau2", show_default=True)
@option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="A file.")
@json_option(help="The output is always one JSON document (accepted like on every command).")
def export_tasks(
    files: tuple[Path, ...], domain: str | None, fmt: str, output: Path | None, as_json: bool
) -> None:
    """Write tasks as one JSON list: τ²-bench's schema, or ours."""
    del as_json  # the document is JSON either way
    tasks = _tasks(files, domain)
    if fmt == "tau2":
        documents = [to_tau2(t, domain) for t in tasks]
    else:
        documents = [t.model_dump(mode="json", exclude_none=True) for t in tasks]
    text = json.dumps(documents, indent=2, ensure_ascii=False) + "\n"
    echo_or_write(text, output)
