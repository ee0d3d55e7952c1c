"""The in-memory conversation log: the reference behaviour of the ``ConversationLog`` port.

It owns the semantics every other backend must reproduce (the contract suite in
``aiconv.testing.contract`` is written against it) and the reference listing rules (``matches``,
``newest_first``) that backends filtering client-side reuse. It lives in one event loop: appends
are atomic because there is no ``await`` between the sequence check and the write. It must not
do I/O, use threads or locks, or poll: waiters are futures resolved by the append that grows
their stream (``StreamWaiters``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence

from aiconv.errors import SequenceConflict
from aiconv.queues.log import ConversationLog, IndexEntry, ListQuery, NewEvent, StoredEvent
from aiconv.queues.waiters import StreamWaiters


def matches(entry: IndexEntry, query: ListQuery) -> bool:
    """Whether ``entry`` passes every filter of ``query`` (the reference for other backends)."""
    if query.status is not None and entry.status != query.status:
        return False
    if query.run_id is not None and entry.run_id != query.run_id:
        return False
    if query.participant is not None and query.participant not in entry.participants:
        return False
    if query.agent is not None and query.agent not in entry.agents:
        return False
    if query.tag is not None and query.tag not in entry.tags:
        return False
    if query.text:
        needle = query.text.lower()
        return needle in entry.topic.lower() or needle in entry.conversation_id.lower()
    return True


def newest_first(entry: IndexEntry) -> tuple[float, str]:
    """Sort key for listings: ``created_at`` descending, ties broken by id descending."""
    return (entry.created_at, entry.conversation_id)


class InMemoryLog(ConversationLog):
    """A conversation log held in this process's memory; gone when the process ends."""

    backend = "memory"

    def __init__(self) -> None:
        self._streams: dict[str, list[StoredEvent]] = {}
        self._all: list[StoredEvent] = []
        self._index: dict[str, IndexEntry] = {}
        self._waiters = StreamWaiters()
        #: Positions of deleted events: they stay in ``_all``, whose offsets are positions.
        self._deleted: set[int] = set()

    async def append(
        self,
        conversation_id: str,
        expected_sequence: int,
        events: Sequence[NewEvent],
        *,
        index: IndexEntry | None = None,
    ) -> list[StoredEvent]:
        if not events:
            raise ValueError("append needs at least one event")
        stream = self._streams.setdefault(conversation_id, [])
        if len(stream) != expected_sequence:
            raise SequenceConflict(conversation_id, expected_sequence, len(stream))
        at = time.time()
        stored = [
            StoredEvent(
                conversation_id=conversation_id,
                sequence=expected_sequence + i,
                position=len(self._all) + i,
                kind=event.kind,
                version=event.version,
                at=at,
                data=event.data,
            )
            for i, event in enumerate(events, start=1)
        ]
        stream.extend(stored)  # readers only ever get slices, so growing in place is safe
        self._all.extend(stored)
        if index is not None:
            self._index[index.conversation_id] = index
        self._waiters.notify(conversation_id, stored[-1].sequence)
        return stored

    async def read(
        self, conversation_id: str, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        stream = self._streams.get(conversation_id, [])
        start = max(after, 0)
        end = None if limit is None else start + max(limit, 0)
        return stream[start:end]

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        start = max(after_position, 0)
        if not self._deleted:
            return self._all[start : start + max(limit, 0)]
        live = (e for e in self._all[start:] if e.position not in self._deleted)
        return list(itertools.islice(live, max(limit, 0)))

    async def wait(self, conversation_id: str, after: int, timeout: float) -> bool:
        return await self._waiters.wait(
            conversation_id, after, timeout, lambda: self.last_sequence(conversation_id)
        )

    async def last_sequence(self, conversation_id: str) -> int:
        return len(self._streams.get(conversation_id, ()))

    async def get_index(self, conversation_id: str) -> IndexEntry | None:
        return self._index.get(conversation_id)

    async def put_index(self, entry: IndexEntry) -> None:
        self._index[entry.conversation_id] = entry

    async def list_conversations(self, query: ListQuery | None = None) -> list[IndexEntry]:
        query = query or ListQuery()
        found = sorted(
            (e for e in self._index.values() if matches(e, query)), key=newest_first, reverse=True
        )
        start = max(query.offset, 0)
        return found[start : start + max(query.limit, 0)]

    async def count_conversations(self, query: ListQuery | None = None) -> int:
        query = query or ListQuery()
        return sum(1 for e in self._index.values() if matches(e, query))

    async def conversation_ids(self) -> list[str]:
        return sorted(self._streams)

    async def delete(self, conversation_id: str) -> bool:
        stream = self._streams.pop(conversation_id, None)
        self._index.pop(conversation_id, None)
        self._deleted.update(e.position for e in stream or ())
        return stream is not None

    async def close(self) -> None:
        """Nothing to release; the data stays readable until the object is dropped."""
