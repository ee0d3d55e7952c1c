"""Transcript files -> records with line numbers: JSONL, CSV (or TSV) and JSON.

A record is either a **row** (one message: conversation id, sender, text, time) or a
**conversation** (an id and a list of ``{role, content}`` messages). JSONL holds one record a
line; CSV one row a record; JSON a list of records, an object holding such a list under a
common key (``conversations``, ``data``, ``items``, ``records``, ``messages``), or an object
mapping conversation ids to message lists; an object with its own id and a message list is one
conversation (``aic export``'s document). Whole-file problems (unreadable, not JSON, no header)
raise ``TranscriptError``; a bad line becomes a ``Problem`` and reading goes on.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiconv.errors import TranscriptError
from aiconv.learning import exports, jsonscan
from aiconv.learning.transcripts import CANDIDATES, Problem

FORMATS = ("jsonl", "csv", "json")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "csv", ".json": "json"}
_CONTAINERS = ("conversations", "data", "items", "records", "messages", "chats")
#: UTF-32's marks first: UTF-32-LE's begins with UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """One row, or one conversation with its ``messages`` as (line, message) pairs."""

    line: int
    data: dict[str, Any]
    messages: list[tuple[int, Any]] | None = None


@dataclass(slots=True, kw_only=True)
class Records:
    """Every record of a file, and the lines that could not be read at all."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def detect_format(path: Path, given: str | None) -> str:
    """``given``, else the format the file's suffix names; TranscriptError when neither says."""
    if given is not None:
        if given not in FORMATS:
            raise TranscriptError(f"--format {given!r}: choose one of {', '.join(FORMATS)}")
        return given
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise TranscriptError(
            f"{path}: cannot tell the format from its name; give --format {'|'.join(FORMATS)}"
        )
    return found


def read_text(path: Path) -> str:
    """The file's text: UTF-8 (a byte-order mark tolerated), or UTF-16 or UTF-32 when a
    byte-order mark says so (Excel's "Unicode Text"); TranscriptError when unreadable."""
    if path.is_dir():  # "no such file" sent the user looking for a file that is there
        raise TranscriptError(f"{path}: is a directory, not a transcript file")
    if not path.is_file():
        raise TranscriptError(f"{path}: no such file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8-sig")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        what = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
        raise TranscriptError(f"{path}: not {what} text (byte {exc.start})") from None


def read_records(path: Path, fmt: str, messages_key: str | None) -> Records:
    """The records of ``path`` read as ``fmt``."""
    text = read_text(path)
    if fmt == "jsonl":
        return _jsonl(text, messages_key)
    if fmt == "csv":
        return _csv(path, text)
    return _json(path, text, messages_key)


def _jsonl(text: str, messages_key: str | None) -> Records:
    out = Records()
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            out.problems.append(Problem(line=number, message=f"not JSON: {exc.msg}"))
            continue
        except RecursionError:  # json's decoder recurses per level of nesting
            out.problems.append(Problem(line=number, message="not JSON: nested too deeply"))
            continue
        shaped = _reshaped(value, messages_key)
        if shaped is not None:
            messages = [(number, m) for _, m in shaped.messages]
            out.records.append(Record(line=number, data=shaped.data, messages=messages))
            continue
        _add(
            out,
            number,
            value,
            lambda item, number=number: [(number, m) for m in item],
            messages_key,
        )
    return out


def _add(out: Records, line: int, value: Any, lines: Any, messages_key: str | None) -> None:
    if isinstance(value, list) and lines is not None:  # one conversation: a list of messages
        out.records.append(Record(line=line, data={}, messages=lines(value)))
        return
    if not isinstance(value, dict):
        out.problems.append(Problem(line=line, message="expected a JSON object"))
        return
    key = _messages_key(value, messages_key)
    if key is None:
        out.records.append(Record(line=line, data=value))
        return
    data = {k: v for k, v in value.items() if k != key}
    out.records.append(Record(line=line, data=data, messages=lines(value[key])))


def _reshaped(value: Any, messages_key: str | None) -> exports.Shaped | None:
    """A vendor's export of one conversation, read as one (unless --messages-field names the
    messages: then the file is read as that says)."""
    if messages_key is not None or not isinstance(value, dict):
        return None
    return exports.reshape(value)


def _line_at(node: jsonscan.Located, path: exports.Path) -> int:
    """The line of the value at ``path`` under ``node`` (as deep as lines were kept)."""
    for key in path:
        inner = node.value
        found = inner.get(key) if isinstance(inner, dict) else None
        if isinstance(inner, list) and isinstance(key, int) and 0 <= key < len(inner):
            found = inner[key]
        if not isinstance(found, jsonscan.Located):
            break
        node = found
    return node.line


def _messages_key(value: dict[str, Any], given: str | None) -> str | None:
    names = (given,) if given else CANDIDATES["messages"]
    for name in names:
        if isinstance(value.get(name), list):
            return name
    return None


class _Semicolons(csv.excel):
    """The CSV that spreadsheets write in locales where the comma is the decimal mark."""

    delimiter = ";"


def _dialect(path: Path, text: str) -> type[csv.Dialect] | str:
    """Tabs for ``.tsv`` or a header with tabs and no comma; semicolons when the header has
    them and no comma; else commas."""
    header = text.split("\n", 1)[0]
    if path.suffix.lower() == ".tsv" or ("\t" in header and "," not in header):
        return "excel-tab"
    return _Semicolons if ";" in header and "," not in header else "excel"


def _csv(path: Path, text: str) -> Records:
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(path, text))
    out = Records()
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise TranscriptError(f"{path}: no header row (the first line names the columns)") from None
    names = [h.strip() for h in header]
    if len(set(names)) != len(names) or not all(names):
        raise TranscriptError(f"{path}:1: column names must be unique and not empty: {header}")
    previous_end = reader.line_num
    for row in _rows(reader, out):
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            message = f"expected {len(names)} fields, found {len(row)}"
            out.problems.append(Problem(line=line, message=message))
            continue
        out.records.append(Record(line=line, data=dict(zip(names, row, strict=True))))
    return out


def _rows(reader: Any, out: Records) -> Iterator[list[str]]:
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            out.problems.append(Problem(line=reader.line_num, message=f"not CSV: {exc}"))


def _json(path: Path, text: str, messages_key: str | None) -> Records:
    try:
        root = jsonscan.located(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    except RecursionError:  # json's decoder recurses per level of nesting
        raise TranscriptError(f"{path}: not JSON: nested too deeply") from None
    items = _items(path, root)
    out = Records()
    for item in items:
        value = item.value
        if isinstance(value, dict):
            members = value
            value = {k: jsonscan.plain(v) for k, v in members.items()}
            shaped = _reshaped(value, messages_key)
            if shaped is not None:
                found = [(_line_at(item, path), m) for path, m in shaped.messages]
                out.records.append(Record(line=item.line, data=shaped.data, messages=found))
                continue
            key = _messages_key(value, messages_key)
            lines = _lines(members[key]) if key is not None else None
            _add(out, item.line, value, lambda _item, lines=lines: lines, messages_key)
        elif isinstance(value, list):  # one conversation: a list of messages
            _add(out, item.line, value, lambda _item, item=item: _lines(item), messages_key)
        else:
            _add(out, item.line, jsonscan.plain(item), None, messages_key)
    return out


def _lines(node: jsonscan.Located) -> list[tuple[int, Any]]:
    if not isinstance(node.value, list):
        return []
    return [
        (m.line, jsonscan.plain(m)) if isinstance(m, jsonscan.Located) else (node.line, m)
        for m in node.value
    ]


def _items(path: Path, root: jsonscan.Located) -> list[jsonscan.Located]:
    if isinstance(root.value, list):
        return root.value
    if not isinstance(root.value, dict):
        raise TranscriptError(f"{path}: expected a list of conversations or messages")
    if _is_one_conversation(root.value) or _is_one_export(root.value):
        return [root]
    for key in _CONTAINERS:
        found = root.value.get(key)
        if found is not None and isinstance(found.value, list):
            return list(found.value)
    if root.value and all(isinstance(v.value, list) for v in root.value.values()):
        # {"<conversation id>": [messages…], …}
        return [
            jsonscan.Located({"conversation_id": key, "messages": value}, value.line)
            for key, value in root.value.items()
        ]
    keys = ", ".join(_CONTAINERS)
    raise TranscriptError(f"{path}: expected a list, or an object with one of: {keys}")


def _is_one_export(members: dict[str, jsonscan.Located]) -> bool:
    """A vendor's export of one conversation (a ChatGPT conversation, a Zendesk ticket …)."""
    if not members.keys() & exports.KEYS:
        return False
    return exports.reshape({k: jsonscan.plain(v) for k, v in members.items()}) is not None


def _is_one_conversation(members: dict[str, jsonscan.Located]) -> bool:
    """An object with its own id and a list of messages: one conversation (``aic export``'s
    document), not a container of message rows."""
    has_id = any(
        isinstance(members[key].value, str | int)
        for key in CANDIDATES["conversation_id"]
        if key in members
    )
    return has_id and any(
        isinstance(members[key].value, list) for key in CANDIDATES["messages"] if key in members
    )
