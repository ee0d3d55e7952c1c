"""The soak run: many short conversations at once on one log, then every sequence checked once.

``soak(url, conversations)`` creates ``conversations`` two-turn conversations on the offline
``mock`` agent, plays all of them at once through one conductor, and then
checks the whole log: every stream holds sequences 1…n exactly once with no gap, every turn
was claimed once and answered once, every conversation ended for ``max_turns``, every event
appears exactly once in the global order (``read_all``) and the index agrees with the stream.
It returns the figures and the problems found (none expected). ``aic bench --only soak`` runs
10,000 conversations per backend; the test suite runs a smaller form on every backend.
"""

from __future__ import annotations

import asyncio
import resource
import time
from typing import Any

from aiconv.benchmarking.probe import SEATS, mock_provider, new_conversation
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ConversationEnded, MessagePosted, TurnClaimed
from aiconv.queues.log import ConversationLog
from aiconv.queues.urls import connect_log

#: Messages per soak conversation: short on purpose, the point is their number.
TURNS = 2


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
        problems = await check(log, ids)
    finally:
        await log.close()
    return {
        "conversations": conversations,
        "seconds": round(elapsed, 3),
        "conversations_per_s": round(conversations / elapsed, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "problems": problems[:20],
        "problem_count": len(problems),
    }


async def check(log: ConversationLog, ids: list[str]) -> list[str]:
    """What is wrong with the soak's conversations (empty when every sequence is there once)."""
    problems: list[str] = []
    total = 0
    for cid in ids:
        stored = await log.read(cid)
        total += len(stored)
        problems += _check_stream(cid, [s.sequence for s in stored])
        events = [r.event for r in codec.decode_all(stored)]
        claims = sum(isinstance(e, TurnClaimed) for e in events)
        posted = sum(isinstance(e, MessagePosted) for e in events)
        ended = [e for e in events if isinstance(e, ConversationEnded)]
        if (claims, posted) != (TURNS, TURNS) or [e.reason for e in ended] != ["max_turns"]:
            problems.append(f"{cid}: {claims} claims, {posted} messages, ended {ended}")
        entry = await log.get_index(cid)
        if entry is None or entry.last_sequence != len(stored) or entry.status != "ended":
            problems.append(f"{cid}: index {entry} disagrees with {len(stored)} events")
    positions = await _positions(log, set(ids))
    if len(positions) != total or len(set(positions)) != total:
        problems.append(f"read_all holds {len(positions)} of {total} events once each")
    return problems


def _check_stream(cid: str, sequences: list[int]) -> list[str]:
    if sequences != list(range(1, len(sequences) + 1)):
        return [f"{cid}: sequences {sequences} are not 1..n once each"]
    return []


async def _positions(log: ConversationLog, ids: set[str]) -> list[int]:
    """The global positions of every event of ``ids``, read through ``read_all`` in pages."""
    found: list[int] = []
    after = 0
    while page := await log.read_all(after, 5000):
        found += [e.position for e in page if e.conversation_id in ids]
        after = page[-1].position
    return found
