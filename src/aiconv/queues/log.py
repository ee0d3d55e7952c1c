"""The conversation log ports: an append-only, per-conversation stream of stored events.

The log knows nothing about what events mean. It stores bytes under a kind and a schema version,
enforces the expected sequence on append (optimistic concurrency: a lost race is
``SequenceConflict``), wakes waiters when a stream grows, and keeps an index of conversations for
listing. The index entry is computed by the caller (a projection of the events) and stored in the
same atomic append, so it can always be rebuilt from the events.

Three narrow ports, so a caller depends on what it uses:

* ``EventStore``: append, read, read across conversations, the last sequence, the ids,
  delete (retention);
* ``IndexProjection``: the conversations index (get, put, list, count);
* ``WakeUps``: wait until a stream grows.

``ConversationLog`` is their combination plus ``close``: what a backend implements and what
``open_log`` returns. Wrappers subclass ``ForwardingLog`` (``forwarding.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from aiconv.queues.index import INDEX_COLUMNS, IndexColumn, IndexEntry, ListQuery

__all__ = [
    "INDEX_COLUMNS",
    "MAX_SEQUENCE",
    "ConversationLog",
    "EventStore",
    "IndexColumn",
    "IndexEntry",
    "IndexProjection",
    "ListQuery",
    "NewEvent",
    "OpenMode",
    "StoredEvent",
    "WakeUps",
]


#: The largest sequence or position a log holds (SQLite's and Redis's 64-bit signed integers);
#: reads after it are empty and limits beyond it mean "no limit", in every backend.
MAX_SEQUENCE = 2**63 - 1


def bounded(number: int) -> int:
    """``number`` clamped to ``0 … MAX_SEQUENCE`` (what a backend may bind or format)."""
    return min(max(number, 0), MAX_SEQUENCE)


#: How ``open_log`` may treat the storage it is given:
#: ``create`` makes the log if it is missing and upgrades its layout (commands that write);
#: ``existing`` upgrades but never creates (``LogMissing`` instead);
#: ``read`` never creates, upgrades or writes anything (listing and showing commands).
OpenMode = Literal["create", "existing", "read"]
OPEN_MODES: tuple[OpenMode, ...] = ("create", "existing", "read")


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEvent:
    """An event about to be appended: its kind, schema version and JSON body."""

    kind: str
    version: int
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEvent:
    """An event as stored: per-conversation ``sequence`` (1, 2, 3 …), global ``position``."""

    conversation_id: str
    sequence: int
    position: int
    kind: str
    version: int
    at: float
    data: bytes


@runtime_checkable
class EventStore(Protocol):
    """The append-only streams: optimistic appends and ordered reads."""

    backend: str

    async def append(
        self,
        conversation_id: str,
        expected_sequence: int,
        events: Sequence[NewEvent],
        *,
        index: IndexEntry | None = None,
    ) -> list[StoredEvent]:
        """Append ``events`` right after ``expected_sequence`` (0 for a new conversation).

        All or nothing: on success the events get sequences ``expected+1 …``; if the stream is
        not exactly at ``expected_sequence`` nothing is written and ``SequenceConflict`` is raised.
        """
        ...

    async def read(
        self, conversation_id: str, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        """Events of one conversation with ``sequence > after``, in order."""
        ...

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        """Events of every conversation with ``position > after_position``, in global order."""
        ...

    async def last_sequence(self, conversation_id: str) -> int:
        """The stream's last sequence, 0 when it does not exist."""
        ...

    async def conversation_ids(self) -> list[str]:
        """Every conversation id that has events (used to rebuild the index)."""
        ...

    async def delete(self, conversation_id: str) -> bool:
        """Remove a conversation's events and index entry (retention); False if there was none.

        Positions of other events do not change; ``read_all`` no longer returns the removed ones.
        """
        ...


@runtime_checkable
class IndexProjection(Protocol):
    """The conversations index: one rebuildable ``IndexEntry`` per conversation, for listing."""

    async def get_index(self, conversation_id: str) -> IndexEntry | None:
        """The index entry of one conversation."""
        ...

    async def put_index(self, entry: IndexEntry) -> None:
        """Store an index entry outside an append (used to rebuild the index)."""
        ...

    async def list_conversations(self, query: ListQuery | None = None) -> list[IndexEntry]:
        """Index entries matching ``query``, newest first."""
        ...

    async def count_conversations(self, query: ListQuery | None = None) -> int:
        """How many index entries match ``query`` (ignores limit and offset)."""
        ...


@runtime_checkable
class WakeUps(Protocol):
    """Waiting for a stream to grow, without polling per conversation."""

    async def wait(self, conversation_id: str, after: int, timeout: float) -> bool:
        """Until the stream holds a sequence beyond ``after``; False if ``timeout`` passed first."""
        ...


@runtime_checkable
class ConversationLog(EventStore, IndexProjection, WakeUps, Protocol):
    """The port every backend implements; ``aiconv.testing.contract`` is its specification."""

    async def close(self) -> None:
        """Release connections and background tasks."""
        ...
