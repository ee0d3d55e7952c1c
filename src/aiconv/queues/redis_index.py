"""The conversations index of a Redis log: one JSON hash per conversation, listed by shard.

Each conversation's entry lives in its index hash; each shard's sorted set orders its
conversations by creation time. Listing merges the shards newest first and filters
client-side (``memory.matches``). ``RedisIndex`` is the half of ``RedisLog`` that owns this;
it uses the log's client, calls and layout and knows nothing of events.
"""

from __future__ import annotations

from aiconv.queues.log import IndexEntry, ListQuery
from aiconv.queues.memory import matches, newest_first
from aiconv.queues.redis_calls import Calls
from aiconv.queues.redis_cluster import Client, merged_members
from aiconv.queues.redis_layout import RedisLayout
from aiconv.queues.redis_scripts import dump_index, load_index


class RedisIndex:
    """The ``IndexProjection`` of ``RedisLog`` (a base class carrying its code)."""

    layout: RedisLayout
    _client: Client
    _call: Calls

    def index_key(self, conversation_id: str) -> str:
        """The index hash of one conversation (in the same slot as its stream)."""
        return self.layout.index_key(conversation_id)

    async def get_index(self, conversation_id: str) -> IndexEntry | None:
        key = self.index_key(conversation_id)
        raw: bytes | None = await self._call("get_index", lambda: self._client.hget(key, "entry"))
        return None if raw is None else load_index(raw)

    async def put_index(self, entry: IndexEntry) -> None:
        shard = self.layout.shard(self.layout.shard_of(entry.conversation_id))

        async def put() -> None:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hset(self.index_key(entry.conversation_id), "entry", dump_index(entry))
                pipe.zadd(shard.index, {entry.conversation_id: entry.created_at})
                await pipe.execute()

        await self._call("put_index", put)

    async def list_conversations(self, query: ListQuery | None = None) -> list[IndexEntry]:
        query = query or ListQuery()
        found = sorted(await self._matching(query), key=newest_first, reverse=True)
        start = max(query.offset, 0)
        return found[start : start + max(query.limit, 0)]

    async def count_conversations(self, query: ListQuery | None = None) -> int:
        return len(await self._matching(query or ListQuery()))

    async def _matching(self, query: ListQuery) -> list[IndexEntry]:
        """Every index entry that passes ``query`` (filters run client-side)."""
        keys = [shard.index for shard in self.layout.shards()]

        async def fetch() -> list[bytes | None]:
            ids = await merged_members(self._client, keys, newest_first=True)
            pipe = self._client.pipeline(transaction=False)
            for cid in ids:
                pipe.hget(self.index_key(cid), "entry")
            rows: list[bytes | None] = await pipe.execute() if ids else []
            return rows

        rows = await self._call("list_conversations", fetch)
        entries = (load_index(raw) for raw in rows if raw is not None)
        return [e for e in entries if matches(e, query)]
