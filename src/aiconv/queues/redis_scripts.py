"""The Redis key layout and the compare-and-append Lua script of ``RedisLog``.

Keys, for a prefix ``P`` (default ``aiconv``) and a conversation id ``C``::

    P:{C}:events      stream, one entry per event; entry id = "<sequence>-0";
                      fields pos, kind, ver, at, data (+ tok on the first event of an append)
    P:{C}:index       hash, field "entry" = the IndexEntry as JSON
    P:position        string counter: the last global position handed out (INCRBY)
    P:log             stream, one entry per event in global order; entry id = "<position>-0";
                      fields cid, seq. read_all reads it; every reader's wake-ups come from it
    P:conversations   sorted set: conversation id scored by its first position
    P:index           sorted set: conversation id scored by created_at (newest-first listing)

The per-conversation keys share the hash tag ``{C}`` and so one Cluster slot. The four global
keys do not: the script is atomic on one Redis (standalone or Sentinel) and touches them in the
same step so global positions are gap-free and ``P:log`` is never out of order. On Redis
Cluster the script is cross-slot; running there needs the global keys moved out of the script
(positions from a separate counter, tolerating gaps) — a deliberate trade-off, documented here.

This module owns the layout: the script's text, the ACL rules it needs, the URL query
parameters and the pure encodings of stream entries and index rows. No I/O.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiconv.errors import ConfigError
from aiconv.queues.index import INDEX_FIELDS, LIST_FIELDS
from aiconv.queues.log import IndexEntry, StoredEvent

#: A stream entry as redis-py returns it: (id, fields).
Entry = tuple[bytes, dict[bytes, bytes]]

#: The least an ACL user needs on the log's keys (``~PREFIX:*``); TIME is used by the script.
ACL_RULES = "+@read +@write +@stream +@scripting +@transaction +@connection -@dangerous +time"


def with_prefix(url: str, prefix: str) -> str:
    """``url`` with its ``prefix=`` query parameter set (how ``--redis-prefix`` reaches a URL)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "prefix"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("prefix", prefix)])))


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """The URL redis-py should see, and our own query parameters taken out of it."""
    parts = urlsplit(url)
    ours = {"prefix", "deadline"}
    query = parse_qsl(parts.query)
    own = {k: v for k, v in query if k in ours}
    rest = urlencode([(k, v) for k, v in query if k not in ours])
    if "deadline" in own:
        own["deadline"] = str(_positive_seconds(own["deadline"]))
    return urlunsplit(parts._replace(query=rest)), own


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(f"?deadline={text!r} in the Redis URL must be positive seconds")
    return value


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


def dump_index(entry: IndexEntry) -> str:
    """An index entry as the compact JSON object stored in ``P:{C}:index`` (``INDEX_FIELDS``)."""
    return json.dumps({name: getattr(entry, name) for name in INDEX_FIELDS}, separators=(",", ":"))


def load_index(raw: bytes) -> IndexEntry:
    """The index entry stored as ``raw`` (lists back to tuples)."""
    body: dict[str, Any] = json.loads(raw)
    for name in LIST_FIELDS:
        body[name] = tuple(body.get(name) or ())
    return IndexEntry(**{name: body[name] for name in INDEX_FIELDS if name in body})


#: KEYS: events, index hash, position counter, global log, conversations zset, index zset.
#: ARGV: expected, token, conversation id, index JSON ("" for none), created_at, n,
#:       then n triples kind, version, data.
#: Replies: {"ok", first position, at} | {"dup"} | {"conflict", last sequence}.
APPEND = """
local expected = tonumber(ARGV[1])
local token = ARGV[2]
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #top > 0 then
  last = tonumber(string.match(top[1][1], '^(%d+)'))
end
if last ~= expected then
  if last > expected then
    local id = (expected + 1) .. '-0'
    local mine = redis.call('XRANGE', KEYS[1], id, id)
    if #mine > 0 then
      local fields = mine[1][2]
      for i = 1, #fields, 2 do
        if fields[i] == 'tok' and fields[i + 1] == token then
          return {'dup'}
        end
      end
    end
  end
  return {'conflict', tostring(last)}
end
local n = tonumber(ARGV[6])
local now = redis.call('TIME')
local at = now[1] .. '.' .. string.format('%06d', tonumber(now[2]))
local first = redis.call('INCRBY', KEYS[3], n) - n + 1
for i = 1, n do
  local base = 6 + (i - 1) * 3
  local seq = expected + i
  local pos = first + i - 1
  if i == 1 then
    redis.call('XADD', KEYS[1], seq .. '-0', 'pos', pos, 'kind', ARGV[base + 1],
      'ver', ARGV[base + 2], 'at', at, 'tok', token, 'data', ARGV[base + 3])
  else
    redis.call('XADD', KEYS[1], seq .. '-0', 'pos', pos, 'kind', ARGV[base + 1],
      'ver', ARGV[base + 2], 'at', at, 'data', ARGV[base + 3])
  end
  redis.call('XADD', KEYS[4], pos .. '-0', 'cid', ARGV[3], 'seq', seq)
end
if expected == 0 then
  redis.call('ZADD', KEYS[5], 'NX', first, ARGV[3])
end
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], 'entry', ARGV[4])
  redis.call('ZADD', KEYS[6], ARGV[5], ARGV[3])
end
return {'ok', tostring(first), at}
"""
