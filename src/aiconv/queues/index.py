"""The conversations index row, declared once: ``IndexEntry`` and the columns derived from it.

``IndexEntry`` is the one declaration of the row's shape: its fields (in order), their types and
a one-line description each (field metadata ``doc``). ``INDEX_COLUMNS`` is derived from it and is
what every place that writes or describes a row reads: the SQLite column list and placeholders,
the Redis hash encoding, the OpenAPI schema and the JSON of the web API. Adding a field here (with
a default, and a SQLite migration adding its column) is the whole change. No I/O.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Literal


def _doc(text: str, **kwargs: typing.Any) -> typing.Any:
    """A dataclass field whose description is ``text`` (read by ``INDEX_COLUMNS``)."""
    return field(metadata={"doc": text}, **kwargs)


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexEntry:
    """One row of the conversations index: a rebuildable projection used for listing."""

    conversation_id: str = _doc("The conversation's id.")
    created_at: float = _doc("When the conversation started (Unix seconds).")
    updated_at: float = _doc("When its last event was appended (Unix seconds).")
    topic: str = _doc("What the conversation is about.")
    participants: tuple[str, ...] = _doc("Participant names, in seat order.", default=())
    agents: tuple[str, ...] = _doc("The participants' agents (provider:model).", default=())
    status: str = _doc("'active' or 'ended'.", default="active")
    turns: int = _doc("Messages posted so far.", default=0)
    end_reason: str | None = _doc("Why it ended (a stop reason), null while active.", default=None)
    cost_usd: float | None = _doc("Cost so far in US dollars, null if unknown.", default=None)
    run_id: str | None = _doc("The batch run it belongs to, null for a single run.", default=None)
    last_sequence: int = _doc("The sequence of its last event.", default=0)
    tags: tuple[str, ...] = _doc("Free-form labels given when it started.", default=())


#: The kinds of value a column holds; ``texts`` is a list of strings (a JSON array in SQL).
ColumnKind = Literal["text", "real", "integer", "texts"]

_KINDS: dict[object, ColumnKind] = {
    str: "text",
    float: "real",
    int: "integer",
    tuple[str, ...]: "texts",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexColumn:
    """One column of the index row: its name, kind, whether it may be null, its description."""

    name: str
    kind: ColumnKind
    nullable: bool
    doc: str

    @property
    def json_type(self) -> str:
        """The JSON Schema type of a non-null value (``array`` of strings for ``texts``)."""
        return {"text": "string", "real": "number", "integer": "integer", "texts": "array"}[
            self.kind
        ]


def _columns() -> tuple[IndexColumn, ...]:
    hints = typing.get_type_hints(IndexEntry)
    columns = []
    for item in dataclasses.fields(IndexEntry):
        hint = hints[item.name]
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        nullable = typing.get_origin(hint) in (typing.Union, type(str | None)) and len(args) == 1
        kind = _KINDS[args[0] if nullable else hint]
        columns.append(
            IndexColumn(name=item.name, kind=kind, nullable=nullable, doc=item.metadata["doc"])
        )
    return tuple(columns)


#: The index row's columns, in order, derived from ``IndexEntry``.
INDEX_COLUMNS: tuple[IndexColumn, ...] = _columns()
#: The names of ``INDEX_COLUMNS``, in order.
INDEX_FIELDS: tuple[str, ...] = tuple(column.name for column in INDEX_COLUMNS)
#: The columns holding a list of strings (stored as JSON arrays where the store has no lists).
LIST_FIELDS: frozenset[str] = frozenset(c.name for c in INDEX_COLUMNS if c.kind == "texts")


@dataclass(frozen=True, slots=True, kw_only=True)
class ListQuery:
    """Filters for listing conversations, newest first."""

    status: str | None = None
    run_id: str | None = None
    participant: str | None = None
    agent: str | None = None
    text: str | None = None
    #: Only entries carrying this tag (e.g. ``imported``, ``parent:<id>`` for a fork's parent).
    tag: str | None = None
    limit: int = 50
    offset: int = 0
