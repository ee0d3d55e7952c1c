"""Where JSON values start: decode arrays and objects element by element, keeping line numbers.

``json.loads`` forgets positions; transcripts need them so that a malformed message is reported
as ``chats.json:1204``. ``located`` decodes a document into ``Located`` nodes: every array
element and object member knows the line it starts on. Built on ``json.JSONDecoder.raw_decode``
(the C scanner) for scalars and leaves, so it stays fast on large files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


@dataclass(frozen=True, slots=True)
class Located:
    """A decoded JSON value and the line (1-based) where it starts."""

    value: Any
    line: int


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [i for i, c in enumerate(text) if c == "\n"]

    def line_of(self, pos: int) -> int:
        low, high = 0, len(self.newlines)
        while low < high:  # bisect: how many newlines come before pos
            mid = (low + high) // 2
            if self.newlines[mid] < pos:
                low = mid + 1
            else:
                high = mid
        return low + 1

    def skip(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] in _SPACE:
            pos += 1
        return pos

    def expect(self, pos: int, char: str) -> int:
        pos = self.skip(pos)
        if pos >= len(self.text) or self.text[pos] != char:
            raise json.JSONDecodeError(f"Expecting '{char}'", self.text, pos)
        return pos + 1

    def value(self, pos: int, depth: int) -> tuple[Located, int]:
        pos = self.skip(pos)
        line = self.line_of(pos)
        if depth > 0 and pos < len(self.text) and self.text[pos] == "[":
            items, end = self.array(pos + 1, depth - 1)
            return Located(items, line), end
        if depth > 0 and pos < len(self.text) and self.text[pos] == "{":
            members, end = self.members(pos + 1, depth - 1)
            return Located(members, line), end
        value, end = _DECODER.raw_decode(self.text, pos)
        return Located(value, line), end

    def array(self, pos: int, depth: int) -> tuple[list[Located], int]:
        items: list[Located] = []
        pos = self.skip(pos)
        if pos < len(self.text) and self.text[pos] == "]":
            return items, pos + 1
        while True:
            item, pos = self.value(pos, depth)
            items.append(item)
            pos = self.skip(pos)
            if pos < len(self.text) and self.text[pos] == "]":
                return items, pos + 1
            pos = self.expect(pos, ",")

    def members(self, pos: int, depth: int) -> tuple[dict[str, Located], int]:
        members: dict[str, Located] = {}
        pos = self.skip(pos)
        if pos < len(self.text) and self.text[pos] == "}":
            return members, pos + 1
        while True:
            pos = self.skip(pos)
            key, pos = _DECODER.raw_decode(self.text, pos)
            if not isinstance(key, str):
                raise json.JSONDecodeError("Expecting property name", self.text, pos)
            pos = self.expect(pos, ":")
            members[key], pos = self.value(pos, depth)
            pos = self.skip(pos)
            if pos < len(self.text) and self.text[pos] == "}":
                return members, pos + 1
            pos = self.expect(pos, ",")


def located(text: str, depth: int = 4) -> Located:
    """The document in ``text``; arrays and objects down to ``depth`` levels are ``Located``
    lists and dicts, deeper values plain JSON. ``json.JSONDecodeError`` when it is not JSON."""
    scanner = _Scanner(text)
    root, end = scanner.value(0, depth)
    if scanner.skip(end) != len(text):
        raise json.JSONDecodeError("Extra data", text, scanner.skip(end))
    return root


def plain(node: Any) -> Any:
    """``node`` with its positions dropped (plain JSON values)."""
    value = node.value if isinstance(node, Located) else node
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value
