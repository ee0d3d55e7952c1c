"""The Redis key contents and the compare-and-append Lua script of ``RedisLog``.

Keys (named by ``redis_layout``), for a conversation ``C`` and the shard that holds it::

    events          stream, one entry per event; entry id = "<sequence>-0";
                    fields pos, kind, ver, at, data (+ tok on the first event of an append:
                    the batch token and the append's place in it, for idempotent retries)
    index           hash, field "entry" = the IndexEntry as JSON
    shard position  string: the last global position handed out in the shard
    shard log       stream, one entry per event in position order; entry id = "<position>-0";
                    fields cid, seq. read_all reads it; every reader's wake-ups come from it
    shard conversations  sorted set: conversation id scored by its first position
    shard index     sorted set: conversation id scored by created_at (newest-first listing)

The script touches one shard and the conversations it holds, which share one Cluster slot.
**Positions.** On one Redis (one shard) the script takes them from one counter (``INCRBY``):
gap-free, in commit order. On a Redis Cluster no script sees every shard, so a position is the
server clock in microseconds since ``EPOCH`` times ``SHARDS`` plus the shard number (never
below the shard's last position + ``SHARDS``): unique, increasing in each shard, and ordered
across shards by commit time. A reader (``READ_SHARD``) takes each shard's clock in the same
atomic step as its pointers, so it knows below which position no commit can still appear
(``redis_cluster.read_all``). Lua numbers are doubles: exact up to 2^53, i.e. until 2042.

Appends are group-committed: one script call writes a whole batch of one shard
(``APPEND_BATCH``); on one Redis it also publishes the batch to the processes waiting on it.

This module owns the script's text, the ACL rules it needs and the pure encodings of stream
entries and index rows. No I/O.
"""

from __future__ import annotations

import json
from typing import Any

from aiconv.errors import SequenceConflict
from aiconv.queues.group_commit import Pending
from aiconv.queues.index import INDEX_FIELDS, LIST_FIELDS
from aiconv.queues.log import IndexEntry, StoredEvent
from aiconv.queues.redis_layout import RedisLayout

#: A stream entry as redis-py returns it: (id, fields).
Entry = tuple[bytes, dict[bytes, bytes]]

#: The least an ACL user needs on the log's keys and channel (``~PREFIX:* &PREFIX:*``); TIME is
#: used by the script; PUBLISH and SUBSCRIBE for the wake-ups of one Redis (without them, or
#: without the channel, readers block on the log instead).
ACL_RULES = (
    "+@read +@write +@stream +@scripting +@transaction +@connection -@dangerous +time"
    " +publish +subscribe"
)
#: What a user also needs on a Redis Cluster: reading its topology (the client and the checks
#: that the nodes form one cluster).
CLUSTER_ACL_RULES = "+info +cluster|info +cluster|myid +cluster|nodes +cluster|slots"


def sequence_of(entry_id: bytes) -> int:
    """The sequence (or position) an entry id ``"<n>-0"`` stands for."""
    return int(entry_id.split(b"-", 1)[0])


def decode_entry(conversation_id: str, entry: Entry) -> StoredEvent:
    """One entry of a conversation's stream as a ``StoredEvent``."""
    entry_id, fields = entry
    return StoredEvent(
        conversation_id=conversation_id,
        sequence=sequence_of(entry_id),
        position=int(fields[b"pos"]),
        kind=fields[b"kind"].decode(),
        version=int(fields[b"ver"]),
        at=float(fields[b"at"]),
        data=fields[b"data"],
    )


def batch_arguments(pending: Pending) -> list[str | int | float | bytes]:
    """The ``APPEND_BATCH`` arguments of one append (see the script's ARGV)."""
    index = pending.index
    args: list[str | int | float | bytes] = [
        pending.conversation_id,
        pending.expected,
        "" if index is None else dump_index(index),
        0 if index is None else index.created_at,
        len(pending.events),
    ]
    for item in pending.events:
        args += (item.kind, item.version, item.data)
    return args


def settle(pending: Pending, outcome: list[bytes], at: float) -> None:
    """Settle ``pending`` with its ``APPEND_BATCH`` outcome ``ok`` or ``conflict``."""
    if outcome[0] == b"conflict":
        last = int(outcome[1])
        pending.fail(SequenceConflict(pending.conversation_id, pending.expected, last))
        return
    first, step = int(outcome[1]), int(outcome[2])
    pending.settle(
        [
            StoredEvent(
                conversation_id=pending.conversation_id,
                sequence=pending.expected + i,
                position=first + (i - 1) * step,
                kind=e.kind,
                version=e.version,
                at=at,
                data=e.data,
            )
            for i, e in enumerate(pending.events, start=1)
        ]
    )


def dump_index(entry: IndexEntry) -> str:
    """An index entry as the compact JSON object stored in its index hash (``INDEX_FIELDS``)."""
    return json.dumps({name: getattr(entry, name) for name in INDEX_FIELDS}, separators=(",", ":"))


def load_index(raw: bytes) -> IndexEntry:
    """The index entry stored as ``raw`` (lists back to tuples)."""
    body: dict[str, Any] = json.loads(raw)
    for name in LIST_FIELDS:
        body[name] = tuple(body.get(name) or ())
    return IndexEntry(**{name: body[name] for name in INDEX_FIELDS if name in body})


#: Microseconds of the Cluster position clock count from here (2025-01-01 UTC).
EPOCH = 1_735_689_600

#: Appends a batch of one shard: each append checked against its own expected sequence.
#: KEYS: shard position, shard log, shard conversations, shard index, then per append its
#:       events stream and index hash.
#: ARGV: batch token, number of appends, position step (0: one counter; else the number of
#:       shards), shard number, then per append: conversation id, expected, index JSON ("" for
#:       none), created_at, n, then n triples kind, version, data.
#: Reply: {at, then per append {"ok", first position} | {"dup"} | {"conflict", last}}.
#: On one Redis it also publishes each append it wrote on the channel named like the shard log:
#: "<last position> <last sequence> <conversation id>" (``redis_wakeups.PushWakeUps``; the id
#: last, so it may hold anything). ``pcall``: a user who may not publish still appends (its
#: readers then block on the log instead).
#: An append is a "dup" when its first event carries its own token (``<batch token>:<j>``):
#: an earlier attempt of the same batch landed and only its reply was lost (the position is
#: rewritten then, so that a ``WAIT`` after this call also covers the earlier attempt).
APPEND_BATCH = (
    """
local now = redis.call('TIME')
local at = now[1] .. '.' .. string.format('%06d', tonumber(now[2]))
local token = ARGV[1]
local count = tonumber(ARGV[2])
local step, shard = tonumber(ARGV[3]), tonumber(ARGV[4])
local clock = (tonumber(now[1]) - """
    + str(EPOCH)
    + """) * 1000000 + tonumber(now[2])
local function reserve(n)
  if step == 0 then
    return redis.call('INCRBY', KEYS[1], n) - n + 1, 1
  end
  local last = tonumber(redis.call('GET', KEYS[1]) or '0')
  local first = math.max(clock * step + shard, last + step)
  redis.call('SET', KEYS[1], string.format('%d', first + step * (n - 1)))
  return first, step
end
local reply = {at}
local a = 5
for j = 1, count do
  local events, index = KEYS[3 + 2 * j], KEYS[4 + 2 * j]
  local cid, expected = ARGV[a], tonumber(ARGV[a + 1])
  local entry, created, n = ARGV[a + 2], ARGV[a + 3], tonumber(ARGV[a + 4])
  local base = a + 5
  a = base + 3 * n
  local mine = token .. ':' .. j
  local last = 0
  local top = redis.call('XREVRANGE', events, '+', '-', 'COUNT', 1)
  if #top > 0 then
    last = tonumber(string.match(top[1][1], '^(%d+)'))
  end
  if last ~= expected then
    local outcome = {'conflict', tostring(last)}
    if last > expected then
      local id = (expected + 1) .. '-0'
      local found = redis.call('XRANGE', events, id, id)
      if #found > 0 then
        local fields = found[1][2]
        for i = 1, #fields, 2 do
          if fields[i] == 'tok' and fields[i + 1] == mine then
            outcome = {'dup'}
            redis.call('SET', KEYS[1], redis.call('GET', KEYS[1]))
          end
        end
      end
    end
    reply[j + 1] = outcome
  else
    local first, d = reserve(n)
    for i = 1, n do
      local at_arg = base + (i - 1) * 3
      local seq, pos = expected + i, string.format('%d', first + (i - 1) * d)
      if i == 1 then
        redis.call('XADD', events, seq .. '-0', 'pos', pos, 'kind', ARGV[at_arg],
          'ver', ARGV[at_arg + 1], 'at', at, 'tok', mine, 'data', ARGV[at_arg + 2])
      else
        redis.call('XADD', events, seq .. '-0', 'pos', pos, 'kind', ARGV[at_arg],
          'ver', ARGV[at_arg + 1], 'at', at, 'data', ARGV[at_arg + 2])
      end
      redis.call('XADD', KEYS[2], pos .. '-0', 'cid', cid, 'seq', seq)
    end
    if expected == 0 then
      redis.call('ZADD', KEYS[3], 'NX', first, cid)
    end
    if entry ~= '' then
      redis.call('HSET', index, 'entry', entry)
      redis.call('ZADD', KEYS[4], created, cid)
    end
    reply[j + 1] = {'ok', string.format('%d', first), tostring(d)}
    if step == 0 then
      redis.pcall('PUBLISH', KEYS[2], string.format('%d %d ', first + n - 1, expected + n) .. cid)
    end
  end
end
return reply
"""
)

#: One shard's clock and its pointers after a position, in one atomic step (see the module
#: docstring). KEYS: the shard log. ARGV: first entry id, count. Reply: {sec, usec, entries}.
READ_SHARD = """
local now = redis.call('TIME')
return {now[1], now[2], redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])}
"""

#: A single Redis's global log after a position, with each event it points to, in one step:
#: the pointers (as ``READ_SHARD``) and every event (``XRANGE`` of its stream at its sequence,
#: false when deleted). Only on one Redis: the events' keys are not declared, which a cluster
#: forbids. KEYS: the log. ARGV: first entry id, count, events key prefix, events key suffix.
#: Reply: {pointers, events}.
READ_LOG = """
local pointers = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
local events = {}
for i, pointer in ipairs(pointers) do
  local fields, cid, seq = pointer[2], nil, nil
  for j = 1, #fields, 2 do
    if fields[j] == 'cid' then cid = fields[j + 1] end
    if fields[j] == 'seq' then seq = fields[j + 1] end
  end
  local id = seq .. '-0'
  local hit = redis.call('XRANGE', ARGV[3] .. cid .. ARGV[4], id, id)
  events[i] = hit[1] or false
end
return {pointers, events}
"""


async def read_log(script: Any, layout: RedisLayout, after: int, limit: int) -> list[StoredEvent]:
    """Up to ``limit`` events after global position ``after`` of a single Redis, through
    ``READ_LOG`` (one call: no round trip per event)."""
    prefix, _, suffix = layout.events_key("\0").partition("\0")
    pointers, events = await script(
        keys=[layout.shard(0).log], args=[f"{after + 1}-0", limit, prefix, suffix]
    )
    found = []
    for (_, flat), event in zip(pointers, events, strict=True):
        if event:
            cid = dict(zip(flat[::2], flat[1::2], strict=True))[b"cid"].decode()
            entry_id, fields = event
            found.append(
                decode_entry(cid, (entry_id, dict(zip(fields[::2], fields[1::2], strict=True))))
            )
    return found
