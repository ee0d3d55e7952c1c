"""A function's signature and docstring -> a tool's JSON schema and argument validator (pydantic).

Every parameter needs a type hint (a function without one is refused: the model would be told
nothing about what to send). Descriptions come from the docstring: its first paragraph describes
the tool; an ``Args:``/``Parameters:`` section (Google or NumPy style) or ``:param x:`` lines
(Sphinx) describe the parameters. A parameter annotated ``ToolCallContext`` receives the call's
context (its idempotency key among it) and is not shown to the model.
"""

from __future__ import annotations

import inspect
import json
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pydantic

from aiconv.agents.toolbox import ToolCallContext
from aiconv.errors import ConfigError

_SECTION = re.compile(r"^\s*(args|arguments|parameters|params)\s*:?\s*$", re.IGNORECASE)
_OTHER_SECTION = re.compile(r"^\s*(returns?|raises|yields|examples?|notes?)\s*:?\s*$", re.I)
_ITEM = re.compile(r"^\s*\*{0,2}(\w+)\*{0,2}\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")
_SPHINX = re.compile(r"^\s*:param\s+(?:[\w\[\], ]+\s+)?(\w+)\s*:\s*(.*)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """What a tool function takes: its argument model and the parameter receiving the context."""

    description: str
    arguments: type[pydantic.BaseModel]
    context_parameter: str | None

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments (an object), without pydantic's titles."""
        schema: dict[str, Any] = _untitled(self.arguments.model_json_schema())
        return schema


def describe(func: Callable[..., Any], name: str, *, skip: int = 0) -> Signature:
    """The signature of tool ``name``; ConfigError when a parameter has no type hint. The first
    ``skip`` parameters are the caller's to fill (e.g. an environment's state) and not shown."""
    hints = _hints(func, name)
    summary, params = parse_docstring(inspect.getdoc(func) or "")
    fields: dict[str, Any] = {}
    context_parameter = None
    for parameter in list(inspect.signature(func).parameters.values())[skip:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ConfigError(f"tool {name!r}: *args and **kwargs cannot be described to a model")
        if parameter.name not in hints:
            raise ConfigError(
                f"tool {name!r}: parameter {parameter.name!r} has no type hint "
                "(every parameter needs one, e.g. `card_id: str`)"
            )
        hint = hints[parameter.name]
        if hint is ToolCallContext:
            context_parameter = parameter.name
            continue
        default = ... if parameter.default is parameter.empty else parameter.default
        fields[parameter.name] = (
            hint,
            pydantic.Field(default, description=params.get(parameter.name)),
        )
    model = pydantic.create_model(
        f"{name}_arguments", __config__=pydantic.ConfigDict(extra="forbid"), **fields
    )
    signature = Signature(description=summary, arguments=model, context_parameter=context_parameter)
    try:  # it is sent to vendors and printed as JSON, which has no NaN or infinities
        json.dumps(signature.json_schema(), allow_nan=False)
    except ValueError:
        raise ConfigError(
            f"tool {name!r}: its schema holds a number JSON cannot carry (NaN or an infinity, "
            "e.g. a default): give a finite one"
        ) from None
    return signature


def _hints(func: Callable[..., Any], name: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func, include_extras=True)  # keep Field(ge=…) constraints
    except Exception as exc:  # a hint that does not resolve is the user's to fix
        raise ConfigError(f"tool {name!r}: its type hints do not resolve: {exc}") from exc


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(first paragraph, {parameter: description}) of a Google, NumPy or Sphinx docstring."""
    lines = doc.splitlines()
    summary_lines: list[str] = []
    for line in lines:
        if not line.strip() or _SECTION.match(line) or _SPHINX.match(line):
            break
        summary_lines.append(line.strip())
    return " ".join(summary_lines), _parameters(lines)


def _parameters(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    section: _Section | None = None
    for line in lines:
        sphinx = _SPHINX.match(line)
        if sphinx:
            found[sphinx.group(1)] = sphinx.group(2).strip()
        elif _SECTION.match(line):
            section = _Section()
        elif _OTHER_SECTION.match(line):
            section = None
        elif section is not None and line.strip():
            section.read(line, found)
    return found


class _Section:
    """The lines of one parameters section: items at the first item's indentation, their
    descriptions after them (Google: ``name (type): text``; NumPy: ``name : type`` then text)."""

    def __init__(self) -> None:
        self.indent: int | None = None
        self.numpy = False
        self.last: str | None = None

    def read(self, line: str, found: dict[str, str]) -> None:
        indent = len(line) - len(line.lstrip())
        if self.last is None and set(line.strip()) == {"-"}:
            self.numpy = True
            return
        if self.indent is None:
            self.indent = indent
        item = _ITEM.match(line) if indent <= self.indent else None
        if item:
            self.last = item.group(1)
            found[self.last] = "" if self.numpy else item.group(3).strip()
        elif self.last is not None:
            found[self.last] = f"{found[self.last]} {line.strip()}".strip()


def _untitled(schema: Any, *, names: bool = False) -> Any:
    """``schema`` without pydantic's ``title`` keywords (a property *called* title stays)."""
    if isinstance(schema, dict):
        return {
            k: _untitled(v, names=k in {"properties", "$defs", "definitions"} and not names)
            for k, v in schema.items()
            if names or k != "title"
        }
    if isinstance(schema, list):
        return [_untitled(v) for v in schema]
    return schema
