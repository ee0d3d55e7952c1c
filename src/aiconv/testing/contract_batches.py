"""The group-commit part of the log contract: many appends in flight at once behave as if each
were alone.

Backends that batch appends (SQLite: one transaction per batch; Redis: one round trip per
batch) must keep every append's own promise: its events in order right after its own expected
sequence, a conflict failing that append alone, and nothing half-written when the process dies
in the middle of a batch. Backends that do not batch pass these tests trivially. Part of
``ConversationLogContract``; it talks to the port and ``open_log`` only.
"""

from __future__ import annotations

import asyncio
import json
import signal

import pytest

from aiconv.errors import SequenceConflict
from aiconv.queues.log import ConversationLog
from aiconv.testing.conditions import eventually
from aiconv.testing.contract_support import (
    ContractBase,
    entry,
    event,
    reap,
    sequences,
    spawn,
)

# A process appending 3-event groups (with an index entry each) to many conversations at once,
# until it is killed.
_BATCHER = """
import asyncio, sys
from aiconv.queues.log import IndexEntry, NewEvent
from aiconv.queues.urls import open_log

async def feed(log, cid):
    last = 0
    while True:
        events = [NewEvent(kind="grouped", version=1, data=b"{}")] * 3
        index = IndexEntry(conversation_id=cid, created_at=1.0, updated_at=1.0, topic="t",
                           last_sequence=last + 3)
        await log.append(cid, last, events, index=index)
        last += 3

async def main(url, tag, width):
    async with open_log(url) as log:
        print("ready", flush=True)
        await asyncio.gather(*(feed(log, f"{tag}-{n}") for n in range(width)))

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


class GroupCommitContract(ContractBase):
    """Concurrent appends, conflicts inside a batch, and a crash in the middle of one."""

    async def test_appends_in_flight_together_each_land_once_in_order(
        self, log: ConversationLog
    ) -> None:
        """Many conversations appended at once (one batch or several): every event once, each
        conversation's events in its own order, positions increasing within it."""
        width, rounds = 40, 5

        async def feed(cid: str) -> None:
            for n in range(rounds):
                await log.append(cid, n * 2, [event(n * 2 + 1), event(n * 2 + 2)])

        await asyncio.gather(*(feed(f"c{i}") for i in range(width)))
        everything = await log.read_all(0, limit=10_000)
        assert len(everything) == width * rounds * 2
        assert len({e.position for e in everything}) == len(everything)
        for i in range(width):
            events = await log.read(f"c{i}")
            assert sequences(events) == list(range(1, rounds * 2 + 1))
            assert [json.loads(e.data)["n"] for e in events] == sequences(events)
            assert [e.position for e in events] == sorted(e.position for e in events)

    async def test_a_conflict_inside_a_batch_fails_that_append_alone(
        self, log: ConversationLog
    ) -> None:
        """A stale append queued among good ones fails alone; the others and their index go in."""
        await log.append("busy", 0, [event(1)])
        outcomes = await asyncio.gather(
            *(log.append(f"ok{i}", 0, [event(i)], index=entry(f"ok{i}", 1.0)) for i in range(5)),
            log.append("busy", 0, [event(99)], index=entry("busy", 9.0)),
            *(log.append(f"ok{i}", 1, [event(i)]) for i in range(5)),
            return_exceptions=True,
        )
        assert isinstance(outcomes[5], SequenceConflict), outcomes[5]
        assert all(isinstance(o, list) for o in outcomes[:5] + outcomes[6:]), outcomes
        assert sequences(await log.read("busy")) == [1]
        assert await log.get_index("busy") is None
        for i in range(5):
            assert sequences(await log.read(f"ok{i}")) == [1, 2]
            assert await log.get_index(f"ok{i}") == entry(f"ok{i}", 1.0)

    async def test_appends_of_one_conversation_queued_together_keep_their_order(
        self, log: ConversationLog
    ) -> None:
        """Appends started in order without awaiting each other are written in that order."""
        outcomes = await asyncio.gather(
            *(log.append("c1", n, [event(n + 1)]) for n in range(20)), return_exceptions=True
        )
        assert all(isinstance(o, list) for o in outcomes), outcomes
        assert [json.loads(e.data)["n"] for e in await log.read("c1")] == list(range(1, 21))

    @pytest.mark.slow
    async def test_a_crash_in_the_middle_of_a_batch_leaves_nothing_half_written(
        self, log: ConversationLog, request: pytest.FixtureRequest
    ) -> None:
        """kill -9 of a process with batches in flight: every append is whole or absent, and
        each index entry matches its stream (written in the same atomic step)."""
        url, width = self._require_processes(request), 30
        process = await spawn(_BATCHER, url, "crash", str(width))
        try:

            async def written() -> bool:
                return len(await log.read_all(0, limit=20_000)) >= 1_500

            await eventually(written, timeout=60, what="1,500 events appended")
            process.send_signal(signal.SIGKILL)
            await process.wait()
        finally:
            await reap([process])
        for n in range(width):
            cid = f"crash-{n}"
            events = await log.read(cid)
            assert sequences(events) == list(range(1, len(events) + 1))
            assert len(events) % 3 == 0, f"{cid} holds a partial append of {len(events)} events"
            found = await log.get_index(cid)
            assert (found.last_sequence if found else 0) == len(events), cid
