"""Where a Redis log keeps what: the key names of one Redis and of a Redis Cluster. Pure.

A log is split into *shards*; each shard has four keys written by the append script together
with the conversations it holds (see ``redis_scripts``): a position counter, a log of pointers
in position order, the conversations by first position and the index by creation time.

* **One Redis** (``RedisLayout``): one shard, the global keys ``P:position``, ``P:log``,
  ``P:conversations``, ``P:index``; a conversation's keys are tagged by its id
  (``P:{C}:events``, ``P:{C}:index``). This is the layout logs have always had.
* **Redis Cluster** (``ClusterLayout``): ``SHARDS`` shards; a conversation lives in shard
  ``crc32(C) % SHARDS`` and *all* its keys carry the shard's hash tag
  (``P:{TAG}:c:C:events``, ``P:{TAG}:c:C:index``, ``P:{TAG}:log`` …), so one append (events,
  index, pointers, position) is one script on one slot. The tags are chosen so the shards'
  slots are spread evenly over the 16,384 slots (and so over the masters).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache

from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot

#: Shards of a Redis Cluster log: fixed, since a conversation's keys are named by its shard.
SHARDS = 16


@dataclass(frozen=True, slots=True)
class ShardKeys:
    """The four keys of one shard, in the order the append script takes them."""

    position: str
    log: str
    conversations: str
    index: str

    def all(self) -> list[str]:
        """The keys as a list (the script's first four KEYS)."""
        return [self.position, self.log, self.conversations, self.index]


class RedisLayout:
    """The layout of a log on one Redis (standalone or Sentinel): one shard, global keys."""

    clustered = False

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    @property
    def shard_count(self) -> int:
        """How many shards the log has."""
        return 1

    def shard_of(self, conversation_id: str) -> int:
        """The shard that holds ``conversation_id``."""
        return 0

    def shard(self, number: int) -> ShardKeys:
        """The keys of shard ``number``."""
        p = self.prefix
        return ShardKeys(f"{p}:position", f"{p}:log", f"{p}:conversations", f"{p}:index")

    def shards(self) -> list[ShardKeys]:
        """The keys of every shard."""
        return [self.shard(n) for n in range(self.shard_count)]

    def events_key(self, conversation_id: str) -> str:
        """The stream of one conversation."""
        return f"{self.prefix}:{{{conversation_id}}}:events"

    def index_key(self, conversation_id: str) -> str:
        """The index hash of one conversation (in the same slot as its stream)."""
        return f"{self.prefix}:{{{conversation_id}}}:index"


class ClusterLayout(RedisLayout):
    """The layout of a log on a Redis Cluster: ``SHARDS`` hash-tagged shards."""

    clustered = True

    @property
    def shard_count(self) -> int:
        return SHARDS

    def shard_of(self, conversation_id: str) -> int:
        return zlib.crc32(conversation_id.encode()) % SHARDS

    def shard(self, number: int) -> ShardKeys:
        base = f"{self.prefix}:{{{shard_tag(number)}}}"
        return ShardKeys(
            f"{base}:position", f"{base}:log", f"{base}:conversations", f"{base}:index"
        )

    def events_key(self, conversation_id: str) -> str:
        return f"{self._base(conversation_id)}:c:{conversation_id}:events"

    def index_key(self, conversation_id: str) -> str:
        return f"{self._base(conversation_id)}:c:{conversation_id}:index"

    def _base(self, conversation_id: str) -> str:
        return f"{self.prefix}:{{{shard_tag(self.shard_of(conversation_id))}}}"


@cache
def shard_tag(number: int) -> str:
    """The hash tag of shard ``number``: the first ``s<number>.<k>`` whose slot falls in the
    shard's sixteenth of the slot range (deterministic, so every process agrees)."""
    width = REDIS_CLUSTER_HASH_SLOTS // SHARDS
    low = number * width
    for k in range(100_000):
        tag = f"s{number}.{k}"
        if low <= key_slot(tag.encode()) < low + width:
            return tag
    raise AssertionError(f"no hash tag for shard {number}")  # CRC16 spreads far better
