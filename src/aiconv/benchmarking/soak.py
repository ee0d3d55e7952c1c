"""The soak run: many short conversations at once on one log, then every sequence checked once.

``soak(url, conversations)`` creates ``conversations`` two-turn conversations on the offline
``mock`` agent, plays all of them at once through one conductor, and then
checks the whole log: every stream holds sequences 1…n exactly once with no gap, every turn
was answered once by the speaker whose claim held it, every conversation ended for
``max_turns``, every event appears exactly once in the global order (``read_all``) and the index
agrees with the stream. It returns the figures and the problems found (none expected).

A claim may lapse before its turn is taken: on a starved machine a seat can come to a turn
claimed ahead for it after the claim's lease ran out (10,000 conversations in one process at
load 8 took 150 s; 2,000 of their 60 s leases ran out). The seat then claims the turn again, as
any instance may once a lease has expired: the log records it and the turn is still answered
once. Such claims are counted (``retaken_claims``), not problems; a claim taken while another's
lease still held is one. ``aic bench --only soak`` runs 10,000 conversations per backend; the
test suite runs the same on every backend.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiconv.benchmarking.probe import SEATS, mock_provider, new_conversation
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import (
    ConversationEnded,
    ConversationStarted,
    Event,
    MessagePosted,
    TurnClaimed,
)
from aiconv.queues.log import ConversationLog
from aiconv.queues.urls import connect_log

#: Messages per soak conversation: short on purpose, the point is their number.
TURNS = 2
#: How far a retaken claim's clock may run behind the lease it followed: the float sums of
#: ``now + lease_s`` (microseconds), not a tolerance for a claim taken early.
_CLOCK_SLACK_S = 0.001


async def soak(url: str, conversations: int, *, parallel: int | None = None) -> dict[str, Any]:
    """Run and check ``conversations`` short conversations on the log at ``url``, ``parallel``
    at a time (default: all of them at once)."""
    log = await connect_log(url)
    try:
        conductor = Conductor(log)
        limit = asyncio.Semaphore(parallel or conversations)
        seats = dict.fromkeys(SEATS, mock_provider())

        async def one() -> str:
            async with limit:
                cid = await new_conversation(conductor, TURNS)
                await session.play_all(conductor, cid, seats)
                return cid

        began = time.perf_counter()
        ids = await asyncio.gather(*(one() for _ in range(conversations)))
        elapsed = time.perf_counter() - began
        found = await check(log, ids)
    finally:
        await log.close()
    return {
        "conversations": conversations,
        "seconds": round(elapsed, 3),
        "conversations_per_s": round(conversations / elapsed, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "problems": list(found.problems[:20]),
        "problem_count": len(found.problems),
        "retaken_claims": found.retaken_claims,
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Findings:
    """What ``check`` found: ``problems`` (none expected), and ``retaken_claims``: claims of a
    turn taken again after the lease of the claim before had run out (allowed, and recorded)."""

    problems: tuple[str, ...]
    retaken_claims: int


async def check(log: ConversationLog, ids: list[str]) -> Findings:
    """What is wrong with the soak's conversations (no problem when every sequence is there once
    and every turn was answered once, under its speaker's claim), and the claims taken again."""
    problems: list[str] = []
    total = retaken = 0
    for cid in ids:
        stored = await log.read(cid)
        total += len(stored)
        problems += _check_stream(cid, [s.sequence for s in stored])
        events = [r.event for r in codec.decode_all(stored)]
        turns = _check_turns(cid, events)
        problems += turns.problems
        retaken += turns.retaken_claims
        entry = await log.get_index(cid)
        if entry is None or entry.last_sequence != len(stored) or entry.status != "ended":
            problems.append(f"{cid}: index {entry} disagrees with {len(stored)} events")
    positions = await _positions(log, set(ids))
    if len(positions) != total or len(set(positions)) != total:
        problems.append(f"read_all holds {len(positions)} of {total} events once each")
    return Findings(problems=tuple(problems), retaken_claims=retaken)


def _check_stream(cid: str, sequences: list[int]) -> list[str]:
    """Each sequence 1..n once, in order; else the doubled and the missing ones named."""
    if sequences == list(range(1, len(sequences) + 1)):
        return []
    counted = Counter(sequences)
    doubled = sorted(n for n, times in counted.items() if times > 1)
    missing = sorted(set(range(1, max(sequences) + 1)) - set(counted))
    return [
        f"{cid}: sequences {sequences} are not 1..n once each (doubled {doubled}, missing"
        f" {missing})"
    ]


def _check_turns(cid: str, events: list[Event]) -> Findings:
    """Each of the ``TURNS`` turns answered once, in speaking order, by the speaker whose claim
    held it; a claim taken again only once the lease before it had run out; ended once."""
    started = events[0] if events else None
    if not isinstance(started, ConversationStarted):
        return Findings(problems=(f"{cid}: opens with {started}",), retaken_claims=0)
    problems: list[str] = []
    senders: list[str] = []
    claim: TurnClaimed | None = None  # the claim holding the turn now
    retaken = 0
    for event in events:
        if isinstance(event, TurnClaimed):
            if claim is not None:  # the turn was claimed already: taken again
                retaken += 1
                made_at = event.lease_expires_at - started.lease_s  # the claimant's clock
                if made_at < claim.lease_expires_at - _CLOCK_SLACK_S:
                    problems.append(f"{cid}: {event} taken while {claim} still held")
            claim = event
        elif isinstance(event, MessagePosted):
            if claim is None or claim.speaker != event.sender:
                problems.append(f"{cid}: {event.sender} spoke under the claim {claim}")
            senders.append(event.sender)
            claim = None
    expected = [SEATS[n % len(SEATS)] for n in range(TURNS)]
    ended = [e for e in events if isinstance(e, ConversationEnded)]
    last_ended = isinstance(events[-1], ConversationEnded)
    if senders != expected or [e.reason for e in ended] != ["max_turns"] or not last_ended:
        problems.append(f"{cid}: messages by {senders} (not {expected}), ended {ended}")
    return Findings(problems=tuple(problems), retaken_claims=retaken)


async def _positions(log: ConversationLog, ids: set[str]) -> list[int]:
    """The global positions of every event of ``ids``, read through ``read_all`` in pages."""
    found: list[int] = []
    after = 0
    while page := await log.read_all(after, 5000):
        found += [e.position for e in page if e.conversation_id in ids]
        after = page[-1].position
    return found
