"""A stage flow as values: its fields (each a JSON schema), its stages (goal, prompt, the fields
it collects, the agents that talk and extract for it, its transitions) and its output.

Pure: no I/O. ``file.py`` reads and checks a flow file into these values.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The confidence an extracted value needs to be kept, unless the flow or stage says otherwise.
DEFAULT_THRESHOLD = 0.6
#: How many of the latest messages the stage agents see, unless the flow says otherwise.
DEFAULT_HISTORY = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldDef:
    """A value the flow collects: how it is named and asked for, and its JSON schema."""

    name: str
    title: str
    question: str
    schema: Mapping[str, Any]
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """Move to ``to`` once every field of ``requires`` holds an accepted value and every field of
    ``when`` holds exactly the value given (e.g. ``needs_tools = false``)."""

    to: str
    requires: tuple[str, ...] = ()
    when: Mapping[str, Any] = field(default_factory=dict)
    #: Fields whose values are dropped when it is taken (e.g. a confirmation, to ask again).
    clear: tuple[str, ...] = ()

    def is_open(self, values: Mapping[str, Any]) -> bool:
        """Whether ``values`` (the accepted ones) meet this transition's requirements."""
        if any(name not in values for name in (*self.requires, *self.when)):
            return False
        return all(values[name] == wanted for name, wanted in self.when.items())


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage:
    """One stage: what it is for, what the flow says on entering it, the fields it asks for,
    who talks (``agent``; None: the flow's drafted lines as they are) and who extracts."""

    name: str
    goal: str = ""
    prompt: str = ""
    collect: tuple[str, ...] = ()
    agent: str | None = None
    extractor: str = "extractor"
    threshold: float = DEFAULT_THRESHOLD
    final: bool = False
    #: Read every field again, not only the missing ones, so the user can correct a value.
    revise: bool = False
    transitions: tuple[Transition, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Flow:
    """A whole flow: the first stage is where it starts."""

    name: str
    fields: Mapping[str, FieldDef]
    stages: tuple[Stage, ...]
    system: str = ""
    history: int = DEFAULT_HISTORY
    #: Templates of the flow's output (``{field}`` placeholders), rendered on a final stage.
    output: Mapping[str, str] = field(default_factory=dict)

    def stage(self, name: str) -> Stage:
        """The stage called ``name``."""
        return next(s for s in self.stages if s.name == name)

    @property
    def first(self) -> Stage:
        """Where the flow starts."""
        return self.stages[0]

    def agents(self) -> list[str]:
        """Every agent id the flow's stages use (talking and extracting), once each."""
        found = [a for s in self.stages for a in (s.agent, s.extractor) if a is not None]
        return list(dict.fromkeys(found))


def placeholders(template: str) -> list[str]:
    """The ``{field}`` names a template uses."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def render(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with each ``{field}`` replaced by its value (lists joined with commas,
    tables as ``key: value`` pairs, booleans as yes/no, a missing value as ``none``)."""
    return template.format_map({name: shown(values.get(name)) for name in placeholders(template)})


def shown(value: Any) -> str:
    """A collected value as words."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {shown(v)}" for k, v in value.items()) or "none"
    return str(value).replace("_", " ")
