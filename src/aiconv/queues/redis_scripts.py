"""The Redis key layout and the compare-and-append Lua script of ``RedisLog``.

Keys, for a prefix ``P`` (default ``aiconv``) and a conversation id ``C``::

    P:{C}:events      stream, one entry per event; entry id = "<sequence>-0";
                      fields pos, kind, ver, at, data (+ tok on the first event of an append:
                      the batch token and the append's place in it, for idempotent retries)
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

Appends are group-committed: one script call writes a whole batch (``APPEND_BATCH``).

This module owns the layout: the script's text, the ACL rules it needs, the URL query
parameters and the pure encodings of stream entries and index rows. No I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiconv.errors import ConfigError, SequenceConflict
from aiconv.observability.redaction import redact_url
from aiconv.queues.group_commit import Pending
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
    """The URL redis-py should see, and our own query parameters taken out of it.

    Every part is checked first (``ConfigError`` naming what to fix, the password redacted): an
    unknown parameter, a database that is not a number, a value that does not parse.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for name, value in query:
        _check_parameter(url, name, value)
    database = parts.path.strip("/")
    if database and not _is_count(database):
        _refuse(url, f"the database {database!r} must be a number (0, 1, …)")
    own = {k: v for k, v in query if k in OWN_PARAMETERS}
    rest = urlencode([(k, v) for k, v in query if k not in OWN_PARAMETERS])
    if "deadline" in own:
        own["deadline"] = str(_positive_seconds(url, own["deadline"]))
    return urlunsplit(parts._replace(query=rest)), own


#: Query parameters of our own, taken out of the URL before redis-py sees it.
OWN_PARAMETERS = ("prefix", "deadline")
#: Query parameters passed on to redis-py, with what a valid value looks like.
PASSED_PARAMETERS: dict[str, str] = {
    "db": "a database number (0, 1, …)",
    "socket_timeout": "positive seconds",
    "socket_connect_timeout": "positive seconds",
    "health_check_interval": "a whole number of seconds",
    "protocol": "2 or 3",
    "client_name": "a name",
    "ssl_cert_reqs": "none, optional or required",
    "ssl_ca_certs": "a file path",
    "ssl_certfile": "a file path",
    "ssl_keyfile": "a file path",
    "ssl_check_hostname": "true or false",
}
_VALID: dict[str, Callable[[str], bool]] = {
    "db": lambda v: _is_count(v),
    "health_check_interval": lambda v: _is_count(v),
    "socket_timeout": lambda v: _seconds(v) is not None,
    "socket_connect_timeout": lambda v: _seconds(v) is not None,
    "protocol": lambda v: v in ("2", "3"),
    "ssl_cert_reqs": lambda v: v in ("none", "optional", "required"),
    "ssl_check_hostname": lambda v: v.lower() in ("true", "false", "1", "0", "yes", "no"),
}


def _check_parameter(url: str, name: str, value: str) -> None:
    if name in OWN_PARAMETERS:
        return  # checked where it is read
    if name not in PASSED_PARAMETERS:
        accepted = ", ".join((*OWN_PARAMETERS, *PASSED_PARAMETERS))
        _refuse(url, f"unknown parameter {name!r} (accepted: {accepted})")
    if not _VALID.get(name, bool)(value):
        _refuse(url, f"?{name}={value!r} must be {PASSED_PARAMETERS[name]}")


def _refuse(url: str, what: str) -> NoReturn:
    raise ConfigError(f"bad Redis URL {redact_url(url)!r}: {what}")


def _is_count(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def _positive_seconds(url: str, text: str) -> float:
    value = _seconds(text)
    if value is None:
        _refuse(url, f"?deadline={text!r} must be positive seconds")
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
    first = int(outcome[1])
    pending.settle(
        [
            StoredEvent(
                conversation_id=pending.conversation_id,
                sequence=pending.expected + i,
                position=first + i - 1,
                kind=e.kind,
                version=e.version,
                at=at,
                data=e.data,
            )
            for i, e in enumerate(pending.events, start=1)
        ]
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


#: Appends a batch: each append checked against its own expected sequence, in order.
#: KEYS: position counter, global log, conversations zset, index zset, then per append its
#:       events stream and index hash.
#: ARGV: batch token, number of appends, then per append: conversation id, expected,
#:       index JSON ("" for none), created_at, n, then n triples kind, version, data.
#: Reply: {at, then per append {"ok", first position} | {"dup"} | {"conflict", last}}.
#: An append is a "dup" when its first event carries its own token (``<batch token>:<j>``):
#: an earlier attempt of the same batch landed and only its reply was lost.
APPEND_BATCH = """
local now = redis.call('TIME')
local at = now[1] .. '.' .. string.format('%06d', tonumber(now[2]))
local token = ARGV[1]
local count = tonumber(ARGV[2])
local reply = {at}
local a = 3
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
          end
        end
      end
    end
    reply[j + 1] = outcome
  else
    local first = redis.call('INCRBY', KEYS[1], n) - n + 1
    for i = 1, n do
      local at_arg = base + (i - 1) * 3
      local seq, pos = expected + i, first + i - 1
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
    reply[j + 1] = {'ok', tostring(first)}
  end
end
return reply
"""
