"""Reading scenario, persona and task files: TOML or YAML (and JSON for tasks) with a map from
each field to its line, so every error names the file, line and field."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pydantic
import yaml

from aiconv import user_files
from aiconv.errors import ScenarioError
from aiconv.simulation import locate


def read_document(path: Path) -> tuple[dict[str, Any], dict[locate.Path, int]]:
    """The parsed TOML/YAML document of ``path`` and its line map; ScenarioError on bad syntax
    or when it is not a mapping."""
    data, lines = parse_document(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}:1: the document must be a mapping")
    return data, lines


def parse_document(path: Path) -> tuple[Any, dict[locate.Path, int]]:
    """The parsed TOML/YAML document of ``path`` (a YAML one may be a list, as a task file
    is) and its line map; ScenarioError on bad syntax."""
    try:
        text = user_files.read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read: {exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return tomllib.loads(text), locate.toml_lines(text)
        if suffix in (".yaml", ".yml"):
            return locate.load_yaml(text) or {}, locate.yaml_lines(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ScenarioError(f"{path}{line}: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:  # both readers recurse per level of nesting, as json's does
        kind = "TOML" if suffix == ".toml" else "YAML"
        raise ScenarioError(f"{path}: not valid {kind} (nested too deeply)") from None
    raise ScenarioError(f"{path}: use a .toml, .yaml or .yml file")


def validation_error(
    path: Path, lines: dict[locate.Path, int], exc: pydantic.ValidationError
) -> ScenarioError:
    """A ScenarioError naming file, line and field of each problem (at most five)."""
    problems = []
    for error in exc.errors()[:5]:
        loc = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        line = locate.line_of(lines, loc)
        where = f"{path}:{line}" if line else str(path)
        message = error["msg"].removeprefix("Value error, ")  # our own rule's sentence
        problems.append(f"{where}: {locate.dotted(loc)}: {message}")
    more = len(exc.errors()) - len(problems)
    return ScenarioError("\n".join(problems) + (f"\n… and {more} more" if more > 0 else ""))
