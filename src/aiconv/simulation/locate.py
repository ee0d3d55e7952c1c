"""Where a field sits in a TOML or YAML file, so validation errors can name the line.

``toml_lines`` scans TOML text (tables, arrays of tables, ``key =`` lines, dotted keys) into a
map from a pydantic location (``("intents", 1, "goal", "max_turns")``) to its line; YAML uses
the composed node tree. ``line_of`` falls back to the nearest enclosing entry that exists (a
missing field points at its table).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml

Path = tuple[str | int, ...]
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _keys(text: str) -> list[str]:
    return [k.strip().strip("\"'") for k in text.split(".")]


def toml_lines(text: str) -> dict[Path, int]:
    """Every table and key of ``text`` with its (1-based) line."""
    lines: dict[Path, int] = {}
    counts: dict[Path, int] = {}
    table: Path = ()
    in_string = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_string = not in_string
            if not in_string:
                continue
        if in_string:
            continue
        header = _HEADER.match(line)
        if header:
            table = _table_path(_keys(header.group(2)), header.group(1) == "[[", counts)
            lines.setdefault(table, number)
            if table and isinstance(table[-1], int):
                lines.setdefault(table[:-1], number)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            lines.setdefault((*table, *_keys(assign.group(1))), number)
    return lines


def _table_path(keys: list[str], is_array: bool, counts: dict[Path, int]) -> Path:
    path: Path = ()
    for position, key in enumerate(keys):
        path = (*path, key)
        last = position == len(keys) - 1
        if last and is_array:
            counts[path] = counts.get(path, -1) + 1
        if path in counts:
            path = (*path, counts[path])
    return path


class YamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases (``*name``): an alias can make a document cyclic
    (``a: &a [*a]``, which no reader finishes) or expand it exponentially ("billion laughs")."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not supported: write the value out",
                problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        return super().compose_node(parent, index)  # type: ignore[arg-type]  # loose stub


def load_yaml(text: str) -> object:
    """The YAML document ``text``, read safely and without aliases (YAMLError otherwise)."""
    return yaml.load(text, Loader=YamlLoader)  # a SafeLoader subclass: safe


def yaml_lines(text: str) -> dict[Path, int]:
    """Every mapping key and sequence item of YAML ``text`` with its (1-based) line."""
    lines: dict[Path, int] = {}
    try:
        root = yaml.compose(text, Loader=YamlLoader)
    except (yaml.YAMLError, RecursionError):  # the composer recurses per level of nesting
        return lines
    stack: list[tuple[Path, yaml.Node]] = [((), root)] if root is not None else []
    while stack:
        path, node = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, str(key.value))
                lines[child] = key.start_mark.line + 1
                stack.append((child, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(((*path, index), item) for index, item in enumerate(node.value))
    return lines


def line_of(lines: dict[Path, int], loc: Sequence[str | int]) -> int | None:
    """The line of ``loc`` or of its nearest enclosing entry."""
    path = tuple(loc)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def dotted(loc: Sequence[str | int]) -> str:
    """``("intents", 1, "goal")`` -> ``intents[1].goal``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"
