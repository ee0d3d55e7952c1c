"""The conversation log contract: the executable specification of ``ConversationLog``.

Subclass ``ConversationLogContract`` in a test module named ``Test…`` and provide an async
fixture ``log`` yielding a fresh, empty log. Backends shared across processes also set
``supports_processes = True`` and provide a fixture ``log_url`` (a URL ``open_log`` accepts,
naming the same storage as ``log``). Every aiconv backend passes this suite; so must yours.

This module must not depend on any backend: it talks to the port and to ``open_log`` only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import pytest

from aiconv.errors import SequenceConflict
from aiconv.queues.log import ConversationLog, ListQuery
from aiconv.testing.contract_batches import GroupCommitContract
from aiconv.testing.contract_processes import ProcessContract
from aiconv.testing.contract_support import (
    entry,
    event,
    sequences,
    until_parked,
)

__all__ = ["ConversationLogContract", "entry", "event", "sequences", "until_parked"]


class ConversationLogContract(GroupCommitContract, ProcessContract):
    """Behaviours every ``ConversationLog`` backend must have (subclass it; see module doc)."""

    async def test_append_then_read_returns_sequences_from_one(self, log: ConversationLog) -> None:
        first = await log.append("c1", 0, [event(1)])
        more = await log.append("c1", 1, [event(2), event(3, kind="other")])
        events = await log.read("c1")
        assert sequences(events) == [1, 2, 3]
        assert events == [*first, *more]
        assert [(e.kind, e.version, json.loads(e.data)["n"]) for e in events] == [
            ("noted", 1, 1), ("noted", 1, 2), ("other", 1, 3),
        ]  # fmt: skip
        assert all(e.conversation_id == "c1" and e.at > 0 for e in events)
        positions = [e.position for e in events]
        assert positions == sorted(set(positions))
        assert positions[0] > 0

    async def test_append_rejects_stale_expected_sequence_and_writes_nothing(
        self, log: ConversationLog
    ) -> None:
        await log.append("c1", 0, [event(1), event(2)])
        with pytest.raises(SequenceConflict) as caught:
            await log.append("c1", 1, [event(3)], index=entry("c1", 1.0))
        assert caught.value.conversation_id == "c1"
        assert caught.value.expected == 1
        assert sequences(await log.read("c1")) == [1, 2]
        assert await log.get_index("c1") is None

    async def test_append_rejects_expected_sequence_beyond_the_end(
        self, log: ConversationLog
    ) -> None:
        with pytest.raises(SequenceConflict):
            await log.append("c1", 3, [event(1)])
        assert await log.read("c1") == []
        assert await log.last_sequence("c1") == 0

    async def test_multi_event_append_is_all_or_nothing(self, log: ConversationLog) -> None:
        await log.append("c1", 0, [event(1)])
        with pytest.raises(SequenceConflict):
            await log.append("c1", 0, [event(2), event(3), event(4)])
        assert sequences(await log.read("c1")) == [1]
        assert len(await log.read_all()) == 1

    async def test_append_rejects_an_empty_batch(self, log: ConversationLog) -> None:
        with pytest.raises(ValueError, match="at least one event"):
            await log.append("c1", 0, [])

    async def test_cancelled_append_settles_and_leaves_the_log_usable(
        self, log: ConversationLog
    ) -> None:
        task = asyncio.create_task(log.append("c1", 0, [event(1)]))
        await asyncio.sleep(0)  # lets the append start
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        last = await log.last_sequence("c1")
        assert last in (0, 1)
        await log.append("c1", last, [event(2)])
        assert sequences(await log.read("c1")) == list(range(1, last + 2))

    async def test_read_after_and_with_limit(self, log: ConversationLog) -> None:
        await log.append("c1", 0, [event(n) for n in range(1, 6)])
        assert sequences(await log.read("c1", after=2)) == [3, 4, 5]
        assert sequences(await log.read("c1", after=1, limit=2)) == [2, 3]
        assert await log.read("c1", after=5) == []
        assert await log.read("unknown") == []

    async def test_reads_beyond_64_bit_numbers_are_empty_not_errors(
        self, log: ConversationLog
    ) -> None:
        """``after`` >= 2^63 (a fuzzed ``?after=``) reads nothing; a huge limit is no limit."""
        await log.append("c1", 0, [event(1), event(2)])
        for huge in (2**63 - 1, 2**63, 2**64, 10**30):
            assert await log.read("c1", after=huge) == []
            assert await log.read_all(after_position=huge) == []
            assert not await log.wait("c1", huge, 0.01)
        assert sequences(await log.read("c1", limit=2**64)) == [1, 2]
        assert sequences(await log.read_all(0, limit=2**64)) == [1, 2]
        await log.put_index(entry("c1", 1.0))
        assert len(await log.list_conversations(ListQuery(limit=2**64))) == 1
        assert await log.list_conversations(ListQuery(offset=2**64)) == []

    async def test_read_all_is_in_global_order_across_conversations(
        self, log: ConversationLog
    ) -> None:
        await log.append("a", 0, [event(1)])
        await log.append("b", 0, [event(2)])
        await log.append("a", 1, [event(3), event(4)])
        everything = await log.read_all()
        assert [(e.conversation_id, e.sequence) for e in everything] == [
            ("a", 1), ("b", 1), ("a", 2), ("a", 3),
        ]  # fmt: skip
        positions = [e.position for e in everything]
        assert positions == sorted(set(positions))
        assert await log.read_all(after_position=positions[1]) == everything[2:]
        assert await log.read_all(after_position=positions[0], limit=2) == everything[1:3]
        assert await log.read_all(after_position=positions[-1]) == []

    async def test_delete_removes_a_conversation_and_nothing_else(
        self, log: ConversationLog
    ) -> None:
        await log.append("a", 0, [event(1)], index=entry("a", 1.0))
        await log.append("b", 0, [event(2)], index=entry("b", 2.0))
        await log.append("a", 1, [event(3)])
        await log.append("b", 1, [event(4)])
        assert await log.delete("a") is True
        assert await log.read("a") == [] and await log.last_sequence("a") == 0
        assert await log.get_index("a") is None
        assert [e.conversation_id for e in await log.list_conversations()] == ["b"]
        assert await log.conversation_ids() == ["b"]
        remaining = await log.read_all()
        assert [(e.conversation_id, e.sequence) for e in remaining] == [("b", 1), ("b", 2)]
        assert await log.read_all(limit=1) == remaining[:1]  # a page skips deleted positions
        assert await log.delete("a") is False and await log.delete("unknown") is False
        later = await log.append("c", 0, [event(5)])
        assert later[0].position > remaining[-1].position  # positions keep increasing

    async def test_last_sequence_and_conversation_ids(self, log: ConversationLog) -> None:
        assert await log.last_sequence("a") == 0
        assert await log.conversation_ids() == []
        await log.append("a", 0, [event(1), event(2)])
        await log.append("b", 0, [event(3)])
        assert await log.last_sequence("a") == 2
        assert await log.last_sequence("b") == 1
        assert sorted(await log.conversation_ids()) == ["a", "b"]

    async def test_wait_returns_true_at_once_when_stream_is_already_beyond(
        self, log: ConversationLog
    ) -> None:
        await log.append("c1", 0, [event(1), event(2)])
        async with asyncio.timeout(5):
            assert await log.wait("c1", 1, timeout=60) is True

    async def test_wait_wakes_on_append_from_another_task(self, log: ConversationLog) -> None:
        await log.append("c1", 0, [event(1)])
        waiter = asyncio.create_task(log.wait("c1", 1, timeout=60))
        await until_parked(log, "c1")
        assert not waiter.done()
        await log.append("c1", 1, [event(2)])
        async with asyncio.timeout(5):
            assert await waiter is True

    async def test_wait_returns_false_on_timeout_and_ignores_other_streams(
        self, log: ConversationLog
    ) -> None:
        started = time.monotonic()
        waiter = asyncio.create_task(log.wait("c1", 0, timeout=0.2))
        await until_parked(log, "c1")
        await log.append("other", 0, [event(1)])
        async with asyncio.timeout(5):
            assert await waiter is False
        assert time.monotonic() - started >= 0.15  # it waited, rather than giving up at once
        assert await log.wait("c1", 0, timeout=0) is False

    async def test_index_is_written_with_the_append(self, log: ConversationLog) -> None:
        item = entry("c1", 10.0, participants=("a", "b"), last_sequence=1, tags=("x",))
        await log.append("c1", 0, [event(1)], index=item)
        assert await log.get_index("c1") == item
        newer = entry("c1", 10.0, status="ended", turns=1, end_reason="max_turns", cost_usd=0.5)
        await log.append("c1", 1, [event(2)], index=newer)
        assert await log.get_index("c1") == newer

    async def test_put_index_stores_and_replaces_entries(self, log: ConversationLog) -> None:
        assert await log.get_index("c1") is None
        await log.put_index(entry("c1", 1.0, agents=("claude",)))
        replaced = entry("c1", 1.0, agents=("gpt",), run_id="r9")
        await log.put_index(replaced)
        assert await log.get_index("c1") == replaced
        assert await log.list_conversations() == [replaced]

    async def test_listing_is_newest_first_with_every_filter(self, log: ConversationLog) -> None:
        await self._five_conversations(log)

        async def ids(**query: object) -> list[str]:
            found = await log.list_conversations(ListQuery(**query))  # type: ignore[arg-type]
            return [e.conversation_id for e in found]

        assert await ids() == ["conv-e", "conv-d", "conv-c", "conv-b", "conv-a"]
        assert await ids(status="active") == ["conv-e", "conv-c", "conv-b"]
        assert await ids(run_id="r1") == ["conv-b", "conv-a"]
        assert await ids(participant="customer") == ["conv-c", "conv-a"]
        assert await ids(participant="custom") == []  # membership, not substring
        assert await ids(agent="claude") == ["conv-c", "conv-a"]
        assert await ids(text="lost") == ["conv-c", "conv-a"]
        assert await ids(text="CONV-D") == ["conv-d"]
        assert await ids(status="active", participant="customer") == ["conv-c"]
        assert await ids(limit=2, offset=1) == ["conv-d", "conv-c"]
        assert await ids(limit=10, offset=5) == []

    async def test_count_matches_filters_and_ignores_pagination(self, log: ConversationLog) -> None:
        await self._five_conversations(log)
        assert await log.count_conversations() == 5
        assert await log.count_conversations(ListQuery(limit=1, offset=3)) == 5
        assert await log.count_conversations(ListQuery(status="ended")) == 2
        assert await log.count_conversations(ListQuery(agent="gpt", text="weather")) == 1

    async def _five_conversations(self, log: ConversationLog) -> None:
        rows = [
            ("conv-a", 1.0, "ended", "r1", ("customer", "support"), ("claude", "gpt"),
             "Lost card replacement"),
            ("conv-b", 2.0, "active", "r1", ("alice", "bob"), ("gpt", "gpt"), "Weather"),
            ("conv-c", 3.0, "active", "r2", ("customer", "support"), ("gemini", "claude"),
             "Refund for a LOST parcel"),
            ("conv-d", 4.0, "ended", None, ("x", "y"), ("offline",), "Chess"),
            ("conv-e", 5.0, "active", None, ("x", "z"), ("offline",), "Poetry"),
        ]  # fmt: skip
        for cid, created, status, run_id, participants, agents, topic in rows:
            item = entry(
                cid, created, status=status, run_id=run_id,
                participants=participants, agents=agents, topic=topic,
            )  # fmt: skip
            await log.append(cid, 0, [event()], index=item)

    async def test_concurrent_appends_at_same_sequence_have_exactly_one_winner(
        self, log: ConversationLog
    ) -> None:
        rounds = 50
        for expected in range(rounds):
            outcomes = await asyncio.gather(
                log.append("c1", expected, [event(1)]),
                log.append("c1", expected, [event(2)]),
                return_exceptions=True,
            )
            winners = [o for o in outcomes if isinstance(o, list)]
            assert len(winners) == 1, outcomes
            assert sum(isinstance(o, SequenceConflict) for o in outcomes) == 1, outcomes
        assert sequences(await log.read("c1")) == list(range(1, rounds + 1))

    async def test_racing_tasks_leave_no_gap_and_no_duplicate(self, log: ConversationLog) -> None:
        target = 100

        async def race() -> int:
            wins = 0
            while (last := await log.last_sequence("c1")) < target:
                try:
                    await log.append("c1", last, [event(last)])
                    wins += 1
                except SequenceConflict:
                    await asyncio.sleep(0)
            return wins

        async with asyncio.timeout(60):
            wins = await asyncio.gather(*(race() for _ in range(4)))
        assert sum(wins) == target
        assert sequences(await log.read("c1")) == list(range(1, target + 1))
