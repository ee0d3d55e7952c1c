"""Records -> transcripts through a field mapping; every bad row becomes a ``Problem``.

Rows are grouped by conversation id in the order conversations first appear; messages are
ordered by time (then by line) when the file has times. Times are ISO 8601 (a time without a
zone is UTC) or Unix seconds, milliseconds or microseconds. A conversation without an id
(the chat-completions shape) gets one from its content, the same on every read.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiconv.errors import TranscriptError
from aiconv.learning import cells, markup, times
from aiconv.learning.fieldnames import FOLDED, find_key, folded
from aiconv.learning.readers import Record, detect_format, read_records
from aiconv.learning.transcripts import (
    FieldMapping,
    LeftOut,
    Parsed,
    Problem,
    Transcript,
    TranscriptMessage,
)

_ROLES = "customer, agent or system"
# Tool traffic in chat exports: OpenAI's ``tool``/``function`` results, an assistant turn that
# only calls tools, Anthropic's ``tool_use``/``tool_result`` blocks. Not conversation text.
_TOOL_SENDERS = frozenset({"tool", "function", "ipython"})
_TOOL_KEYS = ("tool_calls", "function_call")
_TOOL_PARTS = frozenset({"tool_use", "tool_result", "function_call", "function_call_output"})
#: The keys of a sender given as an object (ChatGPT's ``author: {"role"}``, Intercom's
#: ``author: {"type", "name"}``), in the order they are read.
_SENDER_KEYS = ("role", "type")


#: The keys of a chat message (the chat-completions shape): rows holding only these are one
#: conversation's messages when no row names a conversation.
_MESSAGE_KEYS = frozenset(
    {
        *(c for name in ("sender", "text", "timestamp") for c in FOLDED[name]),
        *map(folded, ("name", "tool_calls", "tool_call_id", "function_call", "refusal")),
    }
)
#: The ``aic import`` flag that names each required field.
_FLAGS = {"conversation_id": "--id-field", "sender": "--sender-field", "text": "--text-field"}


class RowError(ValueError):
    """What is wrong with one row (becomes a ``Problem`` at its line)."""


def parse_file(path: Path, mapping: FieldMapping | None = None, fmt: str | None = None) -> Parsed:
    """Every transcript in ``path``; whole-file problems raise ``TranscriptError``."""
    mapping = mapping or FieldMapping()
    fmt = detect_format(path, fmt)
    found = read_records(path, fmt, mapping.messages)
    parsed = parse_records(found.records, mapping, source=str(path), one_list=fmt == "json")
    problems = sorted((*found.problems, *parsed.problems), key=lambda p: p.line)
    return Parsed(
        transcripts=parsed.transcripts,
        problems=tuple(problems),
        rows=parsed.rows,
        tool_rows=parsed.tool_rows,
        left_out=parsed.left_out,
    )


@dataclass(slots=True, kw_only=True)
class _Group:
    source_id: str
    line: int
    messages: list[TranscriptMessage] = field(default_factory=list)
    outcome: str | None = None


def parse_records(
    records: Iterable[Record], mapping: FieldMapping, *, source: str, one_list: bool = False
) -> Parsed:
    """Transcripts from records (rows and conversations may be mixed). ``one_list``: the
    records are a JSON document's one list, which is one conversation when it holds bare
    messages (see ``_one_conversation``)."""
    groups: dict[str, _Group] = {}
    rows = 0
    left: Counter[str] = Counter()
    fields: dict[str, str | None] = {}
    records, problems = cells.conversations_in_cells(list(records), mapping)
    single = _one_conversation(records, mapping) if one_list else None
    for record in records:
        if record.messages is None:
            rows += 1
            fields = fields or _fields(record.data, mapping, source, rows=single is None)
            left.update(_row(record, fields, mapping, groups, problems, single))
        else:
            rows += len(record.messages)
            left.update(_conversation(record, mapping, groups, problems, source))
    transcripts = tuple(_transcript(g) for g in groups.values() if g.messages)
    tools = left.pop(LeftOut.TOOL.value, 0)
    return Parsed(
        transcripts=transcripts,
        problems=tuple(problems),
        rows=rows,
        tool_rows=tools,
        left_out=dict(left),
    )


def _fields(
    data: dict[str, Any], mapping: FieldMapping, source: str, *, rows: bool
) -> dict[str, str | None]:
    """Which key holds each field, from the first record (see ``_found_later``)."""
    found: dict[str, str | None] = {}
    for name in ("conversation_id", "sender", "text", "timestamp", "outcome"):
        found[name] = find_key(data, getattr(mapping, name), name)
    required = ("conversation_id", "sender", "text") if rows else ("sender", "text")
    missing = [n for n in required if found[n] is None]
    if missing:
        flags = ", ".join(_FLAGS[n] for n in missing)
        keys = ", ".join(data) or "none"
        raise TranscriptError(
            f"{source}: cannot find the field for {', '.join(missing)} (the fields are: {keys}); "
            f"name it with {flags} or a --mapping file"
        )
    return found


def _one_conversation(records: list[Record], mapping: FieldMapping) -> str | None:
    """The id of the one conversation a JSON list of bare messages is (``[{role, content}, …]``,
    no conversation id anywhere), from its content; None when a row may name a conversation
    (a key that is not a message's could be its id) or the list holds conversations. (JSON
    Lines and CSV rows without an id stay refused: their lines are rows of many chats.)"""
    if mapping.conversation_id or not records:
        return None
    allowed = _MESSAGE_KEYS | ({"id"} if _message_ids(records) else set())
    for record in records:
        if record.messages is not None or not record.data:
            return None
        if not all(folded(str(key)) in allowed for key in record.data):
            return None
    return _content_id([(r.line, r.data) for r in records])


def _message_ids(records: list[Record]) -> bool:
    """Whether ``id`` is each message's own (``{"id": "msg_1", "role", "content"}``): a
    different one on every message. Read as a conversation id it made one conversation of
    each message."""
    ids = [r.data.get("id") for r in records if r.messages is None]
    return len(ids) > 1 and None not in ids and len(set(map(str, ids))) == len(ids)


def _found_later(fields: dict[str, str | None], data: dict[str, Any]) -> None:
    """A time or outcome field absent from the first record (writers leave out empty keys)."""
    for name in ("timestamp", "outcome"):
        fields[name] = fields[name] or find_key(data, None, name)


def _row(
    record: Record,
    fields: dict[str, str | None],
    mapping: FieldMapping,
    groups: dict[str, _Group],
    problems: list[Problem],
    single: str | None,
) -> list[str]:
    """Adds the row to its conversation (``single`` when the file is one conversation); what
    was left out instead (tool traffic, a private note)."""
    _found_later(fields, record.data)
    left_out = _left_out(record.data, fields, mapping)
    if left_out is not None:
        return [left_out.value]
    try:
        cid = single or _text_field(record.data, fields["conversation_id"], "conversation id")
        message = _message(record.line, record.data, fields, mapping)
    except RowError as exc:
        problems.append(Problem(line=record.line, message=str(exc)))
        return []
    group = groups.setdefault(cid, _Group(source_id=cid, line=record.line))
    group.messages.append(message)
    outcome = _optional(record.data, fields["outcome"])
    group.outcome = outcome or group.outcome
    return []


def _conversation(
    record: Record,
    mapping: FieldMapping,
    groups: dict[str, _Group],
    problems: list[Problem],
    source: str,
) -> list[str]:
    """Adds the conversation; what of it was left out (tool traffic, private notes …)."""
    assert record.messages is not None
    dicts = [m for _, m in record.messages if isinstance(m, dict)]
    left = [m.value for _, m in record.messages if isinstance(m, LeftOut)]
    if not dicts:
        if not left:
            problems.append(Problem(line=record.line, message="the conversation has no messages"))
        return left
    fields = _fields(dicts[0], mapping, source, rows=False)
    for later in dicts[1:]:
        _found_later(fields, later)
    own = find_key(record.data, mapping.conversation_id, "conversation_id")
    # a conversation's uuid is its id (Claude's export); never a row's: messages carry theirs
    cid = _optional(record.data, own) or _optional(record.data, "uuid")
    cid = cid or _content_id(record.messages)
    if cid in groups:
        problems.append(Problem(line=record.line, message=f"conversation {cid!r} appears twice"))
        return []
    group = _Group(
        source_id=cid,
        line=record.line,
        outcome=_optional(record.data, find_key(record.data, mapping.outcome, "outcome")),
    )
    for line, item in record.messages:
        try:
            if isinstance(item, LeftOut):
                continue  # counted above
            if not isinstance(item, dict):
                raise RowError("a message must be a JSON object")
            left_out = _left_out(item, fields, mapping)
            if left_out is not None:
                left.append(left_out.value)
                continue
            group.messages.append(_message(line, item, fields, mapping))
        except RowError as exc:
            problems.append(Problem(line=line, message=str(exc)))
    groups[cid] = group
    return left


def _left_out(
    data: dict[str, Any], fields: dict[str, str | None], mapping: FieldMapping
) -> LeftOut | None:
    """Why a message is not words said in the chat (a tool call, an internal note), if so."""
    if _is_tool_traffic(data, fields, mapping):
        return LeftOut.TOOL
    if data.get("public") is False:  # Zendesk's comments: an agents' internal note
        return LeftOut.PRIVATE_NOTE
    if not _content(data.get(fields["text"] or "")).strip() and _has_files(data):
        return LeftOut.NO_TEXT
    return None


def _has_files(data: dict[str, Any]) -> bool:
    """Whether a message carries files (a file or image sent without words)."""
    return any(isinstance(data.get(key), list) and data[key] for key in ("attachments", "files"))


def _is_tool_traffic(
    data: dict[str, Any], fields: dict[str, str | None], mapping: FieldMapping
) -> bool:
    """A tool call or result (no words said to the other side), unless the sender is mapped."""
    sender = _sender_word(data.get(fields["sender"] or ""))
    if isinstance(sender, str) and mapping.role_of(sender) is None:
        return sender.strip().lower() in _TOOL_SENDERS
    value = data.get(fields["text"] or "")
    if _content(value).strip():
        return False
    if any(data.get(key) for key in _TOOL_KEYS):
        return True
    parts = [p.get("type") for p in value if isinstance(p, dict)] if isinstance(value, list) else []
    return bool(parts) and all(t in _TOOL_PARTS for t in parts)


def _message(
    line: int, data: dict[str, Any], fields: dict[str, str | None], mapping: FieldMapping
) -> TranscriptMessage:
    sender = _sender(data, fields["sender"])
    role = mapping.role_of(sender)
    if role is None:
        raise RowError(
            f"sender {sender[:40]!r} is not a known {_ROLES}; map it with "
            f"--customer {sender[:40]!r} or --agent {sender[:40]!r}"
        )
    text = _content(data.get(fields["text"] or ""))
    if folded(fields["text"] or "") in markup.HTML_FIELDS and markup.is_markup(text):
        text = markup.to_text(text)
    if not text.strip():
        raise RowError(f"no text in field {fields['text']!r}")
    _check_unicode(text, "text")
    stamp = data.get(fields["timestamp"]) if fields["timestamp"] else None
    try:
        at = times.parse_time(stamp, mapping.time_format)
    except times.BadTime as exc:
        raise RowError(str(exc)) from None
    return TranscriptMessage(role=role, sender=sender, text=text, at=at, line=line)


def _sender_word(value: Any) -> Any:
    """A sender as written: the value, or the role (else type) of a sender object."""
    if isinstance(value, dict):
        return next((value[k] for k in _SENDER_KEYS if isinstance(value.get(k), str)), value)
    return value


def _sender(data: dict[str, Any], key: str | None) -> str:
    value = _sender_word(data.get(key) if key else None)
    if isinstance(value, dict):
        raise RowError(f"the sender (field {key!r}) is an object with no role or type")
    return _text_field({key: value} if key else {}, key, "sender")


def _text_field(data: dict[str, Any], key: str | None, what: str) -> str:
    value = data.get(key) if key else None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(f"no {what} (field {key!r})")
    text = str(value).strip()
    if not text:
        raise RowError(f"empty {what} (field {key!r})")
    _check_unicode(text, what)
    return text


def _check_unicode(text: str, what: str) -> None:
    """RowError for a lone surrogate (JSON's ``"\\ud800"``): no log can store it as text,
    and the whole import failed at the first event with a traceback."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RowError(f"the {what} holds {text[exc.start]!r}, which is not a character") from None


def _optional(data: dict[str, Any], key: str | None) -> str | None:
    value = data.get(key) if key else None
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    return None


def _content(value: Any) -> str:
    """Text, or the text parts of a content list (``[{"type": "text", "text": …}]``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [p.get("text") for p in value if isinstance(p, dict)]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


def _content_id(messages: list[tuple[int, Any]]) -> str:
    said = [m.value if isinstance(m, LeftOut) else m for _, m in messages]
    digest = hashlib.sha256(json.dumps(said, sort_keys=True).encode())
    return f"sha256-{digest.hexdigest()[:16]}"


def _transcript(group: _Group) -> Transcript:
    messages = group.messages
    if all(m.at is not None for m in messages):
        messages = sorted(messages, key=lambda m: (m.at or 0.0, m.line))
    return Transcript(
        source_id=group.source_id,
        messages=tuple(messages),
        line=group.line,
        outcome=group.outcome,
    )
