"""Tools on the command line: ``--tools1/--tools2/--tools NAME=REF`` for ``aic-start``, the
tool-round limits, opening a conversation's tools before anything is written, and
``aic tools list``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

import click
from rich.console import Console

from aiconv.agents.toolbox import ToolBox, ToolKit, close_all, open_tools
from aiconv.cli.command import AicGroup
from aiconv.cli.options import F, json_option, option
from aiconv.cli.tables import Field, print_table
from aiconv.cli.values import count, seconds
from aiconv.errors import ConfigError
from aiconv.platform.events import ParticipantSpec
from aiconv.simulation.scenario import Scenario


def tool_options(func: F) -> F:
    """The tool options of ``aic-start``."""
    decorators = [
        option("--tools1", multiple=True, help="Tools of agent 1: a .py file, a module, mcp:…"),
        option("--tools2", multiple=True, help="Tools of agent 2 (repeat for several sources)."),
        option("--tools", "named_tools", multiple=True, help="Tools of any participant: NAME=REF."),
        option(
            "--max-tool-rounds",
            type=count(0, 1000),
            default=8,
            show_default=True,
            help="Tool rounds a turn may take before its message.",
        ),
        option(
            "--tool-timeout",
            type=seconds(),
            default=60.0,
            show_default=True,
            help="Seconds a tool call may take (then it is recorded as timed out).",
        ),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def assign(kw: Mapping[str, Any], names: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Tool references by participant name, from ``--tools1/--tools2/--tools NAME=REF``."""
    found: dict[str, list[str]] = {name: [] for name in names}
    for index, key in ((0, "tools1"), (1, "tools2")):
        if kw.get(key) and index < len(names):
            found[names[index]].extend(kw[key])
    for item in kw.get("named_tools") or ():
        name, eq, reference = item.partition("=")
        if not eq or not reference.strip():
            raise ConfigError(f"--tools {item!r}: write NAME=REF, e.g. support=tools.py")
        if name not in found:
            raise ConfigError(
                f"--tools {name!r} is not a participant; choose one of: {', '.join(names)}"
            )
        found[name].append(reference)
    return {name: tuple(refs) for name, refs in found.items() if refs}


async def open_seat_tools(specs: Sequence[ParticipantSpec]) -> dict[str, ToolBox]:
    """Open every participant's recorded tools (ConfigError before anything is written)."""
    opened: dict[str, ToolBox] = {}
    try:
        for spec in specs:
            if spec.tools:
                opened[spec.name] = await open_tools(spec.tools)
    except BaseException:
        await close_all(list(opened.values()))
        raise
    return opened


async def try_scenario_tools(scenario: Scenario) -> None:
    """Open (and close again) every seat's tools: a bad source fails before any work."""
    seats = [scenario.customer, *scenario.extras, *(v.agent for v in scenario.variants())]
    for seat in seats:
        if seat.tools:
            await (await open_tools(seat.tools)).aclose()


@click.group(name="tools", cls=AicGroup)
def tools_group() -> None:
    """Inspect tool sources."""


@tools_group.command(name="list")
@option("--tools", "references", multiple=True, required=True, help="A .py file, module or mcp:…")
@json_option(help="Print one JSON document instead.")
def list_tools(references: tuple[str, ...], as_json: bool) -> None:
    """List the tools of one or more sources: name, description, idempotency and schema."""
    kit = asyncio.run(_describe(references))
    rows = [
        {
            "name": spec.name,
            "description": spec.description,
            "idempotent": kit.is_idempotent(spec.name),
            "parameters": spec.parameters,
            # The word for it ("name, description, schema"): the same JSON schema.
            "schema": spec.parameters,
        }
        for spec in kit.specs()
    ]
    if as_json:
        click.echo(json.dumps({"tools": rows}, indent=2))
        return
    table = [
        [
            spec.name,
            "yes" if kit.is_idempotent(spec.name) else "no",
            spec.description,
            _arguments(spec.parameters),
        ]
        for spec in kit.specs()
    ]
    print_table(Console(), TOOL_FIELDS, table)


#: Tool names are copied (into scenarios and prompts): never cut.
TOOL_FIELDS = (
    Field("name", identifier=True),
    Field("idempotent", rank=2),
    Field("description", rank=1),
    Field("parameters", rank=1),
)


def _arguments(schema: Mapping[str, Any]) -> str:
    """``name: type`` for each argument, ``*`` marking the required ones (the full schema is in
    --json); a table cell is one line, so they are separated by commas."""
    required = set(schema.get("required") or ())
    parts = [
        f"{name}{'*' if name in required else ''}: {_kind(prop, schema)}"
        for name, prop in (schema.get("properties") or {}).items()
    ]
    return ", ".join(parts) or "-"


def _kind(prop: Any, root: Mapping[str, Any], depth: int = 0) -> str:
    """What an argument may be: its values (an enum, also behind a ``$ref`` as pydantic writes
    an ``Enum``), its types (``string|null`` for a union), else ``object``."""
    if not isinstance(prop, Mapping) or depth > 8:
        return "object"
    if prop.get("enum"):  # the values themselves say more than "string"
        return "|".join(str(value) for value in prop["enum"])
    ref = prop.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, Mapping) else None
        return _kind(target, root, depth + 1)
    branches = prop.get("anyOf") or prop.get("oneOf")
    if isinstance(branches, list) and branches:
        return "|".join(dict.fromkeys(_kind(b, root, depth + 1) for b in branches))
    kind = prop.get("type")
    if isinstance(kind, list):
        return "|".join(str(k) for k in kind)
    return str(kind or "object")


async def _describe(references: Sequence[str]) -> ToolKit:
    kit = await open_tools(references)
    await kit.aclose()  # the specs stay readable; servers are not needed to list them
    return kit
