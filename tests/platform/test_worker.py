"""Orchestration: workers serve detached conversations, share turns exactly once, stop cleanly."""

from __future__ import annotations

import asyncio
import itertools
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from aiconv.agents.messages import ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.errors import ConfigError, LogUnavailable
from aiconv.platform import codec, loop_learned, session, word_vectors
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import (
    ConversationEnded,
    MessagePosted,
    ParticipantSpec,
    StopConfig,
    TurnClaimed,
)
from aiconv.platform.worker import Worker
from aiconv.queues.forwarding import ForwardingLog
from aiconv.queues.log import ConversationLog, NewEvent, StoredEvent
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.conditions import eventually
from aiconv.testing.providers import FunctionProvider, varied_text
from tests.cancelling import wait_taking_back_cancellation

PAIR = (
    ParticipantSpec(name="alice", agent="function"),
    ParticipantSpec(name="bob", agent="function"),
)
_counter = itertools.count()


def chatty(delay: float = 0.0) -> Callable[[ParticipantSpec], ChatProvider]:
    """Providers that answer with a fresh sentence (no loops, no closing phrases)."""

    async def answer(request: ChatRequest) -> str:
        await asyncio.sleep(delay)
        n = next(_counter)
        return varied_text(n)

    return lambda spec: FunctionProvider(answer)


@pytest.fixture
def log() -> ConversationLog:
    return InMemoryLog()


@pytest.fixture
async def running() -> AsyncIterator[Callable[[Worker], Awaitable[asyncio.Task[object]]]]:
    """Start workers in the background; stop and reap them at teardown."""
    started: list[tuple[Worker, asyncio.Task[object]]] = []

    async def start(worker: Worker) -> asyncio.Task[object]:
        task: asyncio.Task[object] = asyncio.create_task(worker.run())
        started.append((worker, task))
        return task

    yield start
    for worker, _ in started:
        worker.stop()
    async with asyncio.timeout(10):
        await asyncio.gather(*(task for _, task in started), return_exceptions=True)


async def create(
    log: ConversationLog, *, turns: int = 6, detached: bool = True, lease: float = 60.0
) -> str:
    state = await session.create(
        Conductor(log),
        topic="Lanterns",
        participants=PAIR,
        stop=StopConfig(max_turns=turns),
        detached=detached,
        lease_s=lease,
    )
    return state.conversation_id


async def events_of(log: ConversationLog, cid: str) -> list[object]:
    return [r.event for r in codec.decode_all(await log.read(cid))]


async def is_ended(log: ConversationLog, cid: str) -> bool:
    return any(isinstance(e, ConversationEnded) for e in await events_of(log, cid))


async def assert_turns_exactly_once(log: ConversationLog, cid: str, turns: int) -> None:
    events = await events_of(log, cid)
    senders = [e.sender for e in events if isinstance(e, MessagePosted)]
    assert senders == ["alice", "bob"] * (turns // 2), senders
    ended = [e for e in events if isinstance(e, ConversationEnded)]
    assert len(ended) == 1 and ended[0].reason == "max_turns", ended


async def test_worker_serves_detached_conversations_to_the_end_and_ignores_others(
    log: ConversationLog, running: Callable[[Worker], Awaitable[asyncio.Task[object]]]
) -> None:
    """Every detached conversation completes; one started in the foreground is left alone."""
    early = await create(log)
    worker = Worker(Conductor(log), chatty(), concurrency=4, scan_interval=0.01)
    await running(worker)
    late = [await create(log) for _ in range(3)]
    foreground = await create(log, detached=False)
    for cid in [early, *late]:
        await eventually(lambda c=cid: is_ended(log, c), timeout=20, what=f"{cid} ended")
        await assert_turns_exactly_once(log, cid, 6)
    assert len(await log.read(foreground)) == 1
    await eventually(lambda: worker.stats.completed == 4, timeout=10, what="four completed")


async def test_two_workers_share_the_turns_and_never_both_answer(
    log: ConversationLog, running: Callable[[Worker], Awaitable[asyncio.Task[object]]]
) -> None:
    """Two workers (five slots each) over ten conversations: each turn exactly once, both take
    turns, and a conversation stays with the worker that won its first turn (sticky)."""
    workers = [
        Worker(Conductor(log), chatty(0.002), scan_interval=0.01, concurrency=5) for _ in range(2)
    ]
    cids = [await create(log, turns=8) for _ in range(10)]
    for worker in workers:
        await running(worker)
    for cid in cids:
        await eventually(lambda c=cid: is_ended(log, c), timeout=30, what=f"{cid} ended")
        await assert_turns_exactly_once(log, cid, 8)
    claims = [
        e.instance_id
        for cid in cids
        for e in await events_of(log, cid)
        if isinstance(e, TurnClaimed)
    ]
    assert len(claims) == 80
    assert {w.instance_id for w in workers} == set(claims)
    for cid in cids:
        owners = {e.instance_id for e in await events_of(log, cid) if isinstance(e, TurnClaimed)}
        assert len(owners) == 1, f"{cid} was raced for by {owners}"


async def test_concurrency_bounds_the_conversations_served_at_once(
    log: ConversationLog, running: Callable[[Worker], Awaitable[asyncio.Task[object]]]
) -> None:
    """With --concurrency 2, never more than two conversations are in service."""
    worker = Worker(Conductor(log), chatty(0.005), concurrency=2, scan_interval=0.01)
    cids = [await create(log, turns=4) for _ in range(5)]
    peak = 0

    def observe() -> bool:
        nonlocal peak
        peak = max(peak, len(worker.stats.active))
        return worker.stats.completed == 5

    await running(worker)
    await eventually(observe, timeout=30, interval=0.001, what="five conversations done")
    assert peak == 2
    for cid in cids:
        await assert_turns_exactly_once(log, cid, 4)


async def test_stop_abandons_the_turn_in_flight_and_another_worker_takes_it_after_the_lease(
    log: ConversationLog, running: Callable[[Worker], Awaitable[asyncio.Task[object]]]
) -> None:
    """A stopped worker leaves its claim to lapse; the next worker answers after the lease."""
    stuck = asyncio.Event()

    async def hang(request: ChatRequest) -> str:
        stuck.set()
        await asyncio.Event().wait()  # never answers: the turn is in flight when we stop
        return "unreachable"

    first = Worker(Conductor(log), lambda spec: FunctionProvider(hang), scan_interval=0.01, grace=0)
    cid = await create(log, turns=4, lease=0.5)
    first_task = await running(first)
    async with asyncio.timeout(10):
        await stuck.wait()
        first.stop()
        await first_task
    claims = [e for e in await events_of(log, cid) if isinstance(e, TurnClaimed)]
    assert [c.instance_id for c in claims] == [first.instance_id]
    second = Worker(Conductor(log), chatty(), scan_interval=0.01)
    await running(second)
    await eventually(lambda: is_ended(log, cid), timeout=20, what="takeover")
    await assert_turns_exactly_once(log, cid, 4)
    claims = [e for e in await events_of(log, cid) if isinstance(e, TurnClaimed)]
    assert claims[1].instance_id == second.instance_id


async def test_stop_lets_the_turn_in_flight_finish_and_claims_nothing_more(
    log: ConversationLog, running: Callable[[Worker], Awaitable[asyncio.Task[object]]]
) -> None:
    """Within the grace period the turn in flight posts its message; no new claim follows."""
    calls = asyncio.Event()
    answer_slowly = chatty(0.3)

    def provider_for(spec: ParticipantSpec) -> ChatProvider:
        inner = answer_slowly(spec)

        async def answer(request: ChatRequest) -> str:
            calls.set()
            return (await inner.complete(request)).content

        return FunctionProvider(answer)

    worker = Worker(Conductor(log), provider_for, scan_interval=0.01, grace=10)
    cid = await create(log, turns=6)
    task = await running(worker)
    async with asyncio.timeout(10):
        await calls.wait()
        worker.stop()
        await task
    events = await events_of(log, cid)
    assert [type(e).__name__ for e in events[1:]] == ["TurnClaimed", "MessagePosted"]
    assert worker.gate.in_flight == 0


async def test_a_resumed_conversation_is_served_again(
    log: ConversationLog, running: Callable[[Worker], Awaitable[asyncio.Task[object]]]
) -> None:
    """Interrupt then resume: the worker picks the conversation up once more."""
    cid = await create(log, turns=4)
    await session.interrupt(Conductor(log), cid, by="test")
    worker = Worker(Conductor(log), chatty(), scan_interval=0.01)
    await running(worker)
    await session.resume(Conductor(log), cid)
    await eventually(lambda: worker.stats.completed == 1, timeout=20, what="served after resume")
    events = await events_of(log, cid)
    assert [e.reason for e in events if isinstance(e, ConversationEnded)] == [
        "interrupted",
        "max_turns",
    ]


def test_concurrency_must_be_positive(log: ConversationLog) -> None:
    with pytest.raises(ConfigError, match="--concurrency"):
        Worker(Conductor(log), chatty(), concurrency=0)


async def test_an_unreadable_start_is_skipped_and_the_other_conversations_are_served(
    log: ConversationLog, running: Callable[[Worker], Awaitable[asyncio.Task[object]]]
) -> None:
    """A log written by something else (or an older version) may hold a start no one can read:
    the worker says so and serves the rest, instead of staying alive serving nothing."""
    await log.append("poisoned", 0, [NewEvent(kind="ConversationStarted", version=1, data=b"{}")])
    worker = Worker(Conductor(log), chatty(), concurrency=2, scan_interval=0.01)
    task = await running(worker)
    cid = await create(log)
    await eventually(lambda: is_ended(log, cid), timeout=20, what="the readable one ended")
    await assert_turns_exactly_once(log, cid, 6)
    assert not task.done() and "poisoned" not in worker.stats.active


async def test_a_discovery_failure_ends_the_run_at_once(log: ConversationLog) -> None:
    class Broken(InMemoryLog):
        async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
            raise LogUnavailable("the log went away")

    worker = Worker(Conductor(Broken()), chatty(), concurrency=2, scan_interval=0.01)
    with pytest.raises(LogUnavailable):
        async with asyncio.timeout(5):
            await worker.run()


async def test_stop_returns_when_a_log_read_swallows_its_cancellation() -> None:
    """redis-py can swallow the cancellation of a read cut short by a reconnect (seen on a Redis
    Cluster: a worker given SIGTERM served nothing more but never exited, its discovery loop
    cancelled once and polling on). Stopping must not depend on the first cancel landing."""

    reading = asyncio.Event()
    swallowed: list[int] = []

    class Swallowing(InMemoryLog):
        async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
            reading.set()
            try:
                # in flight when the worker stops, until cancelled (a timed read could end first
                # on a loaded box, and the test then proved nothing)
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                if not swallowed:
                    swallowed.append(after_position)
                    return []  # redis-py's reconnect path: the cancel is lost, the read returns
                raise
            raise AssertionError("unreachable")

    worker = Worker(Conductor(Swallowing()), chatty(), concurrency=2, scan_interval=0.01)
    task = asyncio.create_task(worker.run())
    async with asyncio.timeout(5):
        await reading.wait()
    worker.stop()
    async with asyncio.timeout(5):
        await task
    assert swallowed == [0]


async def test_stop_lets_a_cancelled_turn_finish_its_clean_up(log: ConversationLog) -> None:
    """Stopping cancels the turns in flight once and waits for their clean-up (a provider's
    HTTP pool, a tool server): cancelling again every 0.5 s cut a one-second close short."""
    stuck = asyncio.Event()
    closed: list[str] = []

    async def hang(request: ChatRequest) -> str:
        stuck.set()
        await asyncio.Event().wait()  # in flight when the worker stops
        return "unreachable"

    class SlowToClose(FunctionProvider):
        async def aclose(self) -> None:
            await asyncio.sleep(1.0)  # a close that takes a while, cancelled or not
            closed.append("closed")

    worker = Worker(Conductor(log), lambda spec: SlowToClose(hang), scan_interval=0.01, grace=0)
    await create(log, turns=4)
    task = asyncio.create_task(worker.run())
    async with asyncio.timeout(10):
        await stuck.wait()
        worker.stop()
        await task
    assert closed == ["closed", "closed"]


async def test_stop_cancels_again_a_read_whose_cancellation_was_taken_back() -> None:
    """A cancellation taken back (``uncancel``, as a timeout racing it does) is lost: the read
    would wait on for ever, and stopping with it; it is cancelled again."""
    reading = asyncio.Event()
    taken_back: list[bool] = []

    class TakingBack(InMemoryLog):
        async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
            reading.set()
            await wait_taking_back_cancellation(taken_back)

    worker = Worker(Conductor(TakingBack()), chatty(), concurrency=2, scan_interval=0.01)
    task = asyncio.create_task(worker.run())
    async with asyncio.timeout(5):
        await reading.wait()
    worker.stop()
    async with asyncio.timeout(5):
        await task
    assert taken_back == [True]


async def test_stop_cancels_again_a_turn_whose_cancellation_was_taken_back(
    log: ConversationLog,
) -> None:
    """A seat's turn takes its cancellation back (a timeout racing it): the seats' task group
    cancelled it once and passed no later cancellation on, so stopping waited on it for ever;
    it is cancelled again."""
    asked = asyncio.Event()
    taken_back: list[bool] = []

    async def reply(request: ChatRequest) -> str:
        asked.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            assert task is not None
            if not taken_back:
                task.uncancel()
                taken_back.append(True)
        await asyncio.Event().wait()  # waits on, as if never cancelled
        return "unreachable"

    worker = Worker(Conductor(log), lambda spec: FunctionProvider(reply), grace=0)
    await create(log, turns=4)
    task = asyncio.create_task(worker.run())
    async with asyncio.timeout(10):
        await asked.wait()
    worker.stop()
    done, _ = await asyncio.wait({task}, timeout=15)
    assert done, "stopping waited on the turn for ever"
    assert taken_back == [True]


async def test_workers_with_shares_serve_their_own_first_and_never_load_each_others(
    log: ConversationLog, running: Callable[[Worker], Awaitable[asyncio.Task[object]]]
) -> None:
    """Two sibling workers (shares 0/2 and 1/2, slots for all): each conversation is served
    by the worker of its share alone, each turn once; neither even looks at the other's."""
    cids = [await create(log, turns=4) for _ in range(20)]
    workers = [  # patience far beyond the test: on a loaded box a conversation can wait a
        # second unserved, and then its sibling would rightly take it
        Worker(
            Conductor(log), chatty(), scan_interval=0.01, concurrency=20, share=(k, 2), patience=60
        )
        for k in range(2)
    ]
    for worker in workers:
        await running(worker)
    for cid in cids:
        await eventually(lambda c=cid: is_ended(log, c), timeout=20, what=f"{cid} ended")
        await assert_turns_exactly_once(log, cid, 4)
    for k, worker in enumerate(workers):
        mine = {cid for cid in cids if zlib.crc32(cid.encode()) % 2 == k}
        claimed = {
            cid
            for cid in cids
            for e in await events_of(log, cid)
            if isinstance(e, TurnClaimed) and e.instance_id == worker.instance_id
        }
        assert claimed == mine
        count = len(mine)
        await eventually(  # counted when its task ends, a moment after the log shows the end
            lambda w=worker, n=count: w.stats.served == n and w.stats.completed == n,
            timeout=10,
            what="every conversation of its share served and completed, none of the other's",
        )


async def test_a_worker_serves_another_share_once_it_has_waited_unserved(
    log: ConversationLog, running: Callable[[Worker], Awaitable[asyncio.Task[object]]]
) -> None:
    """A worker whose sibling is missing still serves that sibling's conversations, after its
    patience: nothing waits forever for a worker that is not there."""
    cids: list[str] = []
    while sum(zlib.crc32(c.encode()) % 2 for c in cids) < 3:  # some of the other share
        cids.append(await create(log, turns=2))
    alone = Worker(
        Conductor(log), chatty(), scan_interval=0.01, concurrency=8, share=(0, 2), patience=0.3
    )
    await running(alone)
    for cid in cids:
        await eventually(lambda c=cid: is_ended(log, c), timeout=20, what=f"{cid} ended")
        await assert_turns_exactly_once(log, cid, 2)
    await eventually(
        lambda: alone.stats.completed == len(cids), timeout=10, what="every one completed"
    )


class AppendKinds(ForwardingLog):
    """Records the kinds of the events of each append to a conversation."""

    def __init__(self, inner: ConversationLog) -> None:
        super().__init__(inner)
        self.appends: dict[str, list[list[str]]] = {}

    async def append(self, *args: Any, **kwargs: Any) -> list[StoredEvent]:
        stored = await super().append(*args, **kwargs)
        self.appends.setdefault(stored[0].conversation_id, []).append([e.kind for e in stored])
        return stored


async def test_a_worker_appends_each_turn_once_with_the_next_claim_riding_along(
    running: Callable[[Worker], Awaitable[asyncio.Task[object]]],
) -> None:
    """A worker plays every seat of the conversations it serves: after the first turns, each
    message's append carries the next speaker's claim (one append a turn), and every turn is
    still claimed by the worker before its model is asked, exactly once."""
    log = AppendKinds(InMemoryLog())
    worker = Worker(Conductor(log), chatty(), concurrency=4, scan_interval=0.01)
    cids = [await create(log, turns=8) for _ in range(3)]
    await running(worker)
    for cid in cids:
        await eventually(lambda c=cid: is_ended(log, c), timeout=20, what=f"{cid} ended")
        await assert_turns_exactly_once(log, cid, 8)
        events = await events_of(log, cid)
        claims = [e for e in events if isinstance(e, TurnClaimed)]
        assert [c.instance_id for c in claims] == [worker.instance_id] * 8
        appends = log.appends[cid][1:]  # after the creation
        assert len(appends) <= 8 + 2, appends  # a claim alone before both seats play
        assert appends[-1] == ["MessagePosted", "ConversationEnded"]
        assert appends[-2] == ["MessagePosted", "TurnClaimed"]
    assert worker.gate.in_flight == 0


async def test_a_worker_reads_the_detectors_tables_before_it_serves_anything(
    log: ConversationLog, running: Callable[[Worker], Awaitable[asyncio.Task[object]]]
) -> None:
    """The word vectors and the learned model (~60 ms) are read when the worker starts, not in
    the middle of the first turn that needs them: on an empty log, with nothing to serve."""
    word_vectors._table.cache_clear()
    loop_learned.model.cache_clear()
    await running(Worker(Conductor(log), chatty(), scan_interval=0.01))
    await eventually(
        lambda: (
            word_vectors._table.cache_info().currsize == 1
            and loop_learned.model.cache_info().currsize == 1
        ),
        timeout=10,
        what="the detectors' tables read",
    )
