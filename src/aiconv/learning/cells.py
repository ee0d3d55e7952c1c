"""A whole conversation written in one cell, a turn a line: ``Customer: …\\nAgent: …``.

Support data sets (many on Kaggle) keep a chat in one CSV cell or JSON string. Such a text is
split into messages only when **every** line that is not blank starts with a speaker label a
sender value would be known by (``Customer``, ``Agent``, ``User``, ``Assistant`` …, or one
given with ``--customer``/``--agent``) followed by a colon: a line without one (a turn written
over two lines, a label not known) refuses the cell, so ordinary text with a colon in it is
never cut into turns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiconv.learning.fieldnames import FOLDED, find_key, folded
from aiconv.learning.readers import Record
from aiconv.learning.transcripts import FieldMapping, Problem

#: A label (no colon, at most 40 characters) and what follows its colon.
_TURN = re.compile(r"\s*([^:\n]{1,40}?)\s*:[ \t]?(.*)\Z", re.DOTALL)


class CellError(ValueError):
    """Why a cell is not a conversation of labelled lines (one line, for a row problem)."""


def split(text: str, is_label: Callable[[str], bool]) -> list[tuple[str, str]]:
    """The (label, text) turns of ``text``; CellError unless every line is a labelled turn."""
    turns: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _TURN.match(line)
        if match is None or not is_label(match.group(1)):
            raise CellError(f"a line does not start with a known speaker label: {line[:40]!r}")
        turns.append((match.group(1), match.group(2).strip()))
    if not turns:
        raise CellError("the conversation is empty")
    return turns


def conversations_in_cells(
    records: list[Record], mapping: FieldMapping
) -> tuple[list[Record], list[Problem]]:
    """Rows that each hold a whole conversation in one cell as conversations, when the first
    row's does; a row whose cell is not one is a problem at its line."""
    first = next((r for r in records if r.messages is None), None)
    key = _cell_key(first.data, mapping) if first is not None else None
    if key is None:
        return records, []
    out: list[Record] = []
    problems: list[Problem] = []
    for record in records:
        if record.messages is not None or key not in record.data:
            out.append(record)
            continue
        try:
            turns = _turns(record.data[key], mapping)
        except CellError as exc:
            problems.append(Problem(line=record.line, message=f"field {key!r}: {exc}"))
            continue
        data = {k: v for k, v in record.data.items() if k != key}
        said = [(record.line, {"sender": label, "text": text}) for label, text in turns]
        out.append(Record(line=record.line, data=data, messages=said))
    return out, problems


def _cell_key(data: dict[str, Any], mapping: FieldMapping) -> str | None:
    """The field of a row without a sender that holds a conversation of labelled lines."""
    if find_key(data, mapping.sender, "sender") is not None:
        return None
    if mapping.messages:  # named: its rows' problems say why a cell is not a conversation
        return mapping.messages if isinstance(data.get(mapping.messages), str) else None
    keys = {folded(str(key)): key for key in data}
    for name in [keys.get(c) for c in FOLDED["messages"]]:
        try:
            if name is not None and _turns(data.get(name), mapping):
                return name
        except CellError:
            continue
    return None


def _turns(value: Any, mapping: FieldMapping) -> list[tuple[str, str]]:
    if not isinstance(value, str):
        raise CellError("not a text")
    return split(value, lambda label: mapping.role_of(label) is not None)
