"""``GroupCommit`` with ``inline``: a lone append is flushed in its caller's task, appends made
meanwhile queue behind it, and a caller cancelled mid-write ends only once its append settled."""

from __future__ import annotations

import asyncio

import pytest

from aiconv.queues.group_commit import GroupCommit, Pending
from aiconv.queues.log import NewEvent, StoredEvent

pytestmark = pytest.mark.timeout(30)

EVENT = NewEvent(kind="e", version=1, data=b"{}")


class Store:
    """A flush over a dict of streams that can be held mid-write; it records who flushed."""

    def __init__(self) -> None:
        self.streams: dict[str, int] = {}
        self.flushers: list[asyncio.Task[object] | None] = []
        self.batches: list[list[str]] = []
        self.hold: asyncio.Event | None = None
        self.flushing = asyncio.Event()

    async def flush(self, batch: list[Pending]) -> None:
        self.flushers.append(asyncio.current_task())
        self.batches.append([p.conversation_id for p in batch])
        self.flushing.set()
        if self.hold is not None:
            await self.hold.wait()
        for pending in batch:
            last = self.streams.get(pending.conversation_id, 0)
            if last != pending.expected:
                pending.fail(ValueError(f"conflict at {last}"))
                continue
            self.streams[pending.conversation_id] = last + 1
            pending.settle([stored(pending.conversation_id, last + 1)])


def stored(conversation_id: str, sequence: int) -> StoredEvent:
    return StoredEvent(
        conversation_id=conversation_id,
        sequence=sequence,
        position=sequence,
        kind="e",
        version=1,
        at=0.0,
        data=b"{}",
    )


async def test_a_lone_append_is_flushed_in_its_callers_task() -> None:
    store = Store()
    commit = GroupCommit(store.flush, inline=True)
    caller = asyncio.create_task(commit.submit("c", 0, [EVENT], None))
    assert [e.sequence for e in await caller] == [1]
    assert store.flushers == [caller]
    assert (commit.batches, commit.appends) == (1, 1)


async def test_appends_made_while_an_inline_append_is_in_flight_form_the_next_batch() -> None:
    store = Store()
    store.hold = asyncio.Event()
    commit = GroupCommit(store.flush, inline=True)
    first = asyncio.create_task(commit.submit("a", 0, [EVENT], None))
    await store.flushing.wait()
    others = [asyncio.create_task(commit.submit(f"c{n}", 0, [EVENT], None)) for n in range(5)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert store.batches == [["a"]]  # one batch in flight at a time
    store.hold.set()
    await asyncio.gather(first, *others)
    assert store.batches == [["a"], [f"c{n}" for n in range(5)]]
    await commit.drained()


async def test_a_caller_cancelled_mid_write_ends_once_its_append_has_settled() -> None:
    """Its outcome unknown, the append goes to the queue: written there, or (written already)
    refused by its sequence check; either way the caller's cancellation comes after."""
    store = Store()
    store.hold = asyncio.Event()
    commit = GroupCommit(store.flush, inline=True)
    caller = asyncio.create_task(commit.submit("c", 0, [EVENT], None))
    await store.flushing.wait()
    caller.cancel()
    for _ in range(20):  # steps of the loop for a wrongly early cancellation to end it
        await asyncio.sleep(0)
    assert not caller.done()
    store.hold.set()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert store.streams == {"c": 1}  # written once
    assert store.batches == [["c"], ["c"]]
    assert [e.sequence for e in await commit.submit("c", 1, [EVENT], None)] == [2]
