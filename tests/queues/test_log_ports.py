"""The log ports: narrow protocols, one declaration of the index row, and forwarding wrappers."""

from __future__ import annotations

import inspect
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aiconv.queues.forwarding import ForwardingLog
from aiconv.queues.index import INDEX_COLUMNS, INDEX_FIELDS, IndexEntry
from aiconv.queues.log import ConversationLog, EventStore, IndexProjection, WakeUps
from aiconv.queues.memory import InMemoryLog
from aiconv.queues.redis_scripts import dump_index, load_index
from aiconv.queues.sqlite import SqliteLog
from aiconv.queues.sqlite_schema import entry, index_row
from aiconv.testing.contract import ConversationLogContract


def _methods(protocol: type) -> set[str]:
    return {
        name
        for name, member in vars(protocol).items()
        if inspect.iscoroutinefunction(member) and not name.startswith("_")
    }


def test_the_log_port_is_the_union_of_three_disjoint_narrow_ports() -> None:
    """Each method belongs to exactly one narrow port; the log adds only ``close``."""
    store, index, wakeups = _methods(EventStore), _methods(IndexProjection), _methods(WakeUps)
    assert store.isdisjoint(index) and store.isdisjoint(wakeups) and index.isdisjoint(wakeups)
    assert {"append", "read", "read_all", "last_sequence", "conversation_ids", "delete"} == store
    assert {"get_index", "put_index", "list_conversations", "count_conversations"} == index
    assert wakeups == {"wait"}
    assert _methods(ConversationLog) == {"close"}
    log = InMemoryLog()
    for port in (EventStore, IndexProjection, WakeUps, ConversationLog):
        assert isinstance(log, port)


def test_forwarding_log_forwards_every_method_of_the_port() -> None:
    """A method added to a port and not forwarded fails here, not in a wrapper in production."""
    every = _methods(EventStore) | _methods(IndexProjection) | _methods(WakeUps) | {"close"}
    assert every <= set(vars(ForwardingLog))


class TestForwardingLog(ConversationLogContract):
    """A bare ``ForwardingLog`` behaves exactly as the log it wraps."""

    @pytest.fixture
    async def log(self) -> AsyncIterator[ConversationLog]:
        log = ForwardingLog(InMemoryLog())
        yield log
        await log.close()


_FULL = IndexEntry(
    conversation_id="c1",
    created_at=1.5,
    updated_at=2.5,
    topic="weather",
    participants=("a", "b"),
    agents=("mock", "echo"),
    status="ended",
    turns=3,
    end_reason="max_turns",
    cost_usd=0.25,
    run_id="r1",
    last_sequence=9,
    tags=("x",),
)


def test_index_columns_are_declared_once_by_index_entry() -> None:
    """Every field of the row has a column with a kind and a description, in field order."""
    assert tuple(IndexEntry.__dataclass_fields__) == INDEX_FIELDS
    assert all(column.doc for column in INDEX_COLUMNS)
    kinds = {c.name: (c.kind, c.nullable) for c in INDEX_COLUMNS}
    assert kinds["participants"] == ("texts", False)
    assert kinds["cost_usd"] == ("real", True)
    assert kinds["turns"] == ("integer", False)


def test_sql_and_redis_rows_round_trip_every_declared_field() -> None:
    """Both encodings are derived from the declaration, so nothing is dropped or reordered."""
    assert entry(index_row(_FULL)) == _FULL
    assert load_index(dump_index(_FULL).encode()) == _FULL
    assert list(json.loads(dump_index(_FULL))) == list(INDEX_FIELDS)


async def test_the_migrated_sqlite_table_has_exactly_the_declared_columns(tmp_path: Path) -> None:
    """A field added to ``IndexEntry`` without a migration adding its column fails here."""
    log = await SqliteLog.open(tmp_path / "log.db")
    await log.close()
    with sqlite3.connect(tmp_path / "log.db") as db:
        rows = db.execute("PRAGMA table_info(conversations)").fetchall()
    db.close()
    assert tuple(row[1] for row in rows) == INDEX_FIELDS
    nullable = {row[1] for row in rows if not row[3] and not row[5]}  # (a TEXT key may be null)
    assert nullable == {c.name for c in INDEX_COLUMNS if c.nullable}
