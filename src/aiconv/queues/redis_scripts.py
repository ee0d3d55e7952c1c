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

This module owns the text of the script and nothing else: no I/O.
"""

from __future__ import annotations

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
