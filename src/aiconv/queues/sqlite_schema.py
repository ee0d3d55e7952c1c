"""The SQLite log's schema and SQL: named migrations, statements, and row <-> value mapping.

Pure data and functions around ``aiosqlite`` connections; the log's behaviour (appends,
wake-ups, transactions) lives in ``sqlite.py``.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Iterable
from typing import Any

import aiosqlite

from aiconv.queues.index import INDEX_FIELDS, LIST_FIELDS
from aiconv.queues.log import IndexEntry, ListQuery, StoredEvent
from aiconv.queues.sqlite_reader import Fetcher

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "001_events",
        """CREATE TABLE events (
            position INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            kind TEXT NOT NULL,
            version INTEGER NOT NULL,
            at REAL NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (conversation_id, sequence)
        );""",
    ),
    (
        "002_conversations",
        """CREATE TABLE conversations (
            conversation_id TEXT PRIMARY KEY,
            created_at REAL NOT NULL, updated_at REAL NOT NULL, topic TEXT NOT NULL,
            participants TEXT NOT NULL, agents TEXT NOT NULL, status TEXT NOT NULL,
            turns INTEGER NOT NULL, end_reason TEXT, cost_usd REAL, run_id TEXT,
            last_sequence INTEGER NOT NULL, tags TEXT NOT NULL
        );
        CREATE INDEX conversations_created ON conversations (created_at, conversation_id);
        CREATE INDEX conversations_status ON conversations (status, created_at);
        CREATE INDEX conversations_run ON conversations (run_id, created_at);""",
    ),
)

EVENT_COLUMNS = "conversation_id, sequence, position, kind, version, at, data"
#: The ``conversations`` columns, in ``IndexEntry`` order (the migrations must create them all;
#: ``test_sqlite_log`` checks the migrated table against the declaration).
INDEX_COLUMNS = ", ".join(INDEX_FIELDS)
HEAD = (
    "SELECT (SELECT COALESCE(MAX(position), 0) FROM events),"
    " (SELECT COALESCE(MAX(sequence), 0) FROM events WHERE conversation_id = ?)"
)
LAST_SEQUENCE = "SELECT COALESCE(MAX(sequence), 0) FROM events WHERE conversation_id = ?"
#: An upsert, not ``INSERT OR REPLACE``: every append writes its conversation's entry, and
#: REPLACE deleted the row and inserted it again, through the table and its primary key's index
#: as well as the other three; updated in place, the row stays where it is and the primary
#: key's index is not touched: ~36 -> ~28 KB of WAL an append. The row it leaves is the same.
PUT_INDEX = (
    f"INSERT INTO conversations ({INDEX_COLUMNS})"
    f" VALUES ({', '.join('?' * len(INDEX_FIELDS))})"
    " ON CONFLICT (conversation_id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in INDEX_FIELDS if name != "conversation_id")
)
#: ``NOT INDEXED``: for the ``GROUP BY`` SQLite otherwise scans the whole (conversation_id,
#: sequence) index, ~1 ms per 12,000 events, at every commit another connection makes (own
#: commits too: the watcher reads through the reader's connection), on the event loop; through
#: the rowid range it reads only the few rows past ``position``: 3-15 us.
GROWN_SINCE = (
    "SELECT conversation_id, MAX(sequence), MAX(position) FROM events NOT INDEXED"
    " WHERE position > ? GROUP BY conversation_id"
)
NEWEST_FIRST = " ORDER BY created_at DESC, conversation_id DESC"


async def migrate(db: aiosqlite.Connection) -> None:
    """Apply, once each and in order, the migrations this file has not seen (under the lock)."""
    await db.execute("PRAGMA journal_mode = WAL")
    await db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
    )
    applied = {str(row[0]) for row in await db.execute_fetchall("SELECT name FROM migrations")}
    for name, script in MIGRATIONS:
        if name not in applied:
            await db.executescript(
                f"BEGIN IMMEDIATE; {script}\n"
                "INSERT INTO migrations (name, applied_at)"
                f" VALUES ('{name}', CAST(strftime('%s', 'now') AS REAL)); COMMIT;"
            )


async def is_current(db: Fetcher) -> bool | None:
    """Whether every migration was applied; None when the file holds no aiconv log at all."""
    tables = await db.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
    )
    if not list(tables):
        return None
    applied = {str(row[0]) for row in await db.execute_fetchall("SELECT name FROM migrations")}
    return applied >= {name for name, _ in MIGRATIONS}


def where(query: ListQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("status", query.status), ("run_id", query.run_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    columns = (("participants", query.participant), ("agents", query.agent), ("tags", query.tag))
    for column, value in columns:
        if value is not None:
            clauses.append(f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value = ?)")
            params.append(value)
    if query.text:
        clauses.append("(instr(lower(topic), ?) > 0 OR instr(lower(conversation_id), ?) > 0)")
        params += [query.text.lower()] * 2
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


@functools.lru_cache(maxsize=16)
def guarded_insert(count: int) -> str:
    """INSERT of ``count`` events that writes nothing unless the stream is at the expected end.

    The guard reads the table it inserts into, so SQLite evaluates the whole SELECT before the
    first row goes in: every row sees the same, pre-append, last sequence.
    """
    rows = ", ".join(["(?, ?, ?, ?, ?, ?)"] * count)
    return (
        "INSERT INTO events (conversation_id, sequence, kind, version, at, data)"
        f" SELECT * FROM (VALUES {rows}) WHERE ({LAST_SEQUENCE}) = ? RETURNING position"
    )


def stored(row: Iterable[Any]) -> StoredEvent:
    conversation_id, sequence, position, kind, version, at, data = row  # EVENT_COLUMNS order
    return StoredEvent(
        conversation_id=conversation_id,
        sequence=sequence,
        position=position,
        kind=kind,
        version=version,
        at=at,
        data=bytes(data),
    )


_INDEX_VALUES = operator.attrgetter(*INDEX_FIELDS)
_LIST_AT = tuple(at for at, name in enumerate(INDEX_FIELDS) if name in LIST_FIELDS)


def index_row(entry: IndexEntry) -> tuple[Any, ...]:
    """``entry`` as the ``conversations`` row (lists as JSON arrays)."""
    row = list(_INDEX_VALUES(entry))
    for at in _LIST_AT:
        row[at] = _json_array(tuple(row[at]))  # a tuple already, unless built by hand
    return tuple(row)


@functools.lru_cache(maxsize=4096)
def _json_array(values: tuple[str, ...]) -> str:
    """The JSON array of ``values``: a conversation's participants, agents and tags are the
    same at every one of its appends, so each is written out once, not at every message."""
    return json.dumps(list(values))


def entry(row: Iterable[Any]) -> IndexEntry:
    """The ``IndexEntry`` a ``conversations`` row (``INDEX_COLUMNS`` order) stands for."""
    fields = dict(zip(INDEX_FIELDS, row, strict=True))
    for name in LIST_FIELDS:
        fields[name] = tuple(json.loads(fields[name]))
    return IndexEntry(**fields)
