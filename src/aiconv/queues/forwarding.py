"""``ForwardingLog``: the base of every wrapper around a ``ConversationLog``.

Every method of the port passes to ``inner`` untouched, so a wrapper (``InstrumentedLog``, a test
double that injects faults) overrides only what it changes, and a method added to the port is
forwarded by every wrapper at once instead of being forgotten in one of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiconv.queues.log import ConversationLog, IndexEntry, ListQuery, NewEvent, StoredEvent


class ForwardingLog(ConversationLog):
    """A ``ConversationLog`` that does what ``inner`` does; subclass it and override."""

    def __init__(self, inner: ConversationLog) -> None:
        self.inner = inner
        self.backend = inner.backend

    async def append(
        self,
        conversation_id: str,
        expected_sequence: int,
        events: Sequence[NewEvent],
        *,
        index: IndexEntry | None = None,
    ) -> list[StoredEvent]:
        return await self.inner.append(conversation_id, expected_sequence, events, index=index)

    async def read(
        self, conversation_id: str, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        return await self.inner.read(conversation_id, after, limit)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        return await self.inner.read_all(after_position, limit)

    async def last_sequence(self, conversation_id: str) -> int:
        return await self.inner.last_sequence(conversation_id)

    async def conversation_ids(self) -> list[str]:
        return await self.inner.conversation_ids()

    async def delete(self, conversation_id: str) -> bool:
        return await self.inner.delete(conversation_id)

    async def get_index(self, conversation_id: str) -> IndexEntry | None:
        return await self.inner.get_index(conversation_id)

    async def put_index(self, entry: IndexEntry) -> None:
        await self.inner.put_index(entry)

    async def list_conversations(self, query: ListQuery | None = None) -> list[IndexEntry]:
        return await self.inner.list_conversations(query)

    async def count_conversations(self, query: ListQuery | None = None) -> int:
        return await self.inner.count_conversations(query)

    async def wait(self, conversation_id: str, after: int, timeout: float) -> bool:
        return await self.inner.wait(conversation_id, after, timeout)

    async def close(self) -> None:
        await self.inner.close()
