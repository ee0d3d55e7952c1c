"""Orchestration: the conductor end to end with scripted providers on the in-memory log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import pytest

from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.errors import LogUnavailable, ProviderUnavailable, SequenceConflict
from aiconv.platform import codec, session
from aiconv.platform.admission import TurnGate, TurnRefused
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import (
    ConversationResumed,
    MessagePosted,
    ParticipantSpec,
    StopConfig,
    TurnClaimed,
)
from aiconv.platform.observer import NullObserver
from aiconv.queues.forwarding import ForwardingLog
from aiconv.queues.log import StoredEvent
from aiconv.queues.memory import InMemoryLog
from aiconv.queues.waiters import StreamWaiters
from aiconv.testing.clock import FakeClock
from aiconv.testing.providers import FunctionProvider, ScriptedProvider, varied_text
from tests.cancelling import wait_taking_back_cancellation

PAIR = (
    ParticipantSpec(name="alice", agent="scripted"),
    ParticipantSpec(name="bob", agent="scripted"),
)


async def kinds(log: InMemoryLog, cid: str) -> list[tuple[str, str]]:
    out = []
    for recorded in codec.decode_all(await log.read(cid)):
        event = recorded.event
        who = (
            getattr(event, "speaker", None)
            or getattr(event, "sender", None)
            or getattr(event, "reason", "")
        )
        out.append((event.KIND, who))
    return out


async def test_scripted_pair_produces_the_exact_event_sequence() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="Tea or coffee?", participants=PAIR, stop=StopConfig(max_turns=4)
    )
    seats = {
        "alice": ScriptedProvider(["Tea.", "Still tea."]),
        "bob": ScriptedProvider(["Coffee.", "Coffee, always."]),
    }
    final = await session.play_all(conductor, state.conversation_id, seats)
    assert await kinds(log, state.conversation_id) == [
        ("ConversationStarted", ""),
        ("TurnClaimed", "alice"),
        ("MessagePosted", "alice"),
        ("TurnClaimed", "bob"),
        ("MessagePosted", "bob"),
        ("TurnClaimed", "alice"),
        ("MessagePosted", "alice"),
        ("TurnClaimed", "bob"),
        ("MessagePosted", "bob"),
        ("ConversationEnded", "max_turns"),
    ]
    assert [m.content for m in final.messages] == [
        "Tea.",
        "Coffee.",
        "Still tea.",
        "Coffee, always.",
    ]
    assert final.ended is not None and final.ended.detail == "4 of 4 messages"


async def test_end_token_on_its_own_line_ends_but_inside_prose_does_not() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stop=StopConfig(max_turns=10)
    )
    seats = {
        "alice": ScriptedProvider(["We could write <END> in prose.", "Agreed, done.\n<END>"]),
        "bob": ScriptedProvider(["Sure."]),
    }
    final = await session.play_all(conductor, state.conversation_id, seats)
    assert final.ended is not None and final.ended.reason == "end_token"
    assert final.turns == 3


async def test_second_opening_speaker_gets_the_topic_as_user_message() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor,
        topic="Pick a colour",
        participants=PAIR,
        first="bob",
        stop=StopConfig(max_turns=2),
    )
    alice, bob = ScriptedProvider(["Red."]), ScriptedProvider(["Blue."])
    await session.play_all(conductor, state.conversation_id, {"alice": alice, "bob": bob})
    assert [m.role for m in bob.requests[0].messages] == ["user"]
    assert bob.requests[0].messages[0].content == "Pick a colour"
    assert [(m.role, m.content) for m in alice.requests[0].messages] == [("user", "Blue.")]


async def test_provider_failure_records_agent_failed_and_ends() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(conductor, topic="t", participants=PAIR)
    failing = ScriptedProvider([ProviderUnavailable("down", provider="x")])
    final = await session.play_all(
        conductor, state.conversation_id, {"alice": failing, "bob": ScriptedProvider(["b"])}
    )
    assert final.ended is not None and final.ended.reason == "provider_unavailable"
    assert [k for k, _ in await kinds(log, state.conversation_id)][-2:] == [
        "AgentFailed",
        "ConversationEnded",
    ]


class YieldingLog(InMemoryLog):
    """The reference log, but every append first yields to the loop, so competing claimants
    really reach the log at the same expected sequence (as they do across processes)."""

    async def append(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0)
        return await super().append(*args, **kwargs)


class ConflictCounter(NullObserver):
    def __init__(self) -> None:
        self.conflicts = 0

    def conflict(self, state: object) -> None:  # type: ignore[override]
        self.conflicts += 1


class TurnText(ScriptedProvider):
    """Says the text of the turn it is asked for, whichever instance of a participant asks (two
    scripted instances would each start their script from the top)."""

    async def complete(self, request: ChatRequest, *, on_delta: Any = None) -> ChatReply:
        self.steps = [varied_text(len(request.messages))]
        return await super().complete(request, on_delta=on_delta)


async def test_two_instances_of_one_participant_never_both_answer() -> None:
    log = YieldingLog()
    counter = ConflictCounter()
    one, two = Conductor(log, observer=counter), Conductor(log, observer=counter)
    state = await session.create(one, topic="t", participants=PAIR, stop=StopConfig(max_turns=30))
    cid = state.conversation_id
    async with asyncio.timeout(10):
        await asyncio.gather(
            one.play(cid, "alice", TurnText([])),
            two.play(cid, "alice", TurnText([])),
            one.play(cid, "bob", TurnText([])),
        )
    final = await one.load(cid)
    assert [m.sender for m in final.messages] == ["alice", "bob"] * 15
    assert [r.sequence for r in codec.decode_all(await log.read(cid))] == list(
        range(1, final.sequence + 1)
    )
    # The instances really raced for the same sequence, and the log let exactly one win.
    assert counter.conflicts > 0


async def test_interrupt_then_resume_continues_where_it_stopped() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stop=StopConfig(max_turns=6)
    )
    cid = state.conversation_id
    gate = asyncio.Event()

    async def slow_bob_reply(_: object) -> str:
        gate.set()
        await asyncio.Event().wait()  # blocks until cancelled
        return "never"

    from aiconv.testing.providers import FunctionProvider

    task = asyncio.create_task(
        session.play_all(
            conductor,
            cid,
            {"alice": ScriptedProvider(["a"]), "bob": FunctionProvider(slow_bob_reply)},
        )
    )
    async with asyncio.timeout(5):
        await gate.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stopped = await conductor.load(cid)
    assert stopped.ended is not None and stopped.ended.reason == "interrupted"
    await session.resume(conductor, cid)
    final = await session.play_all(
        conductor, cid, {"alice": ScriptedProvider(["a"]), "bob": ScriptedProvider(["b"])}
    )
    assert final.ended is not None and final.ended.reason == "max_turns"
    assert [m.sender for m in final.messages] == ["alice", "bob"] * 3


async def _played_until_cancelled(
    reply: Callable[[ChatRequest], Awaitable[str]], asked: asyncio.Event
) -> str:
    """The end reason of a conversation whose bob answers with ``reply``, cancelled (once, as
    Ctrl+C does) once bob has been ``asked``; the cancelled run must end within 15 s."""
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stop=StopConfig(max_turns=6)
    )
    seats = {"alice": ScriptedProvider(["a"] * 3), "bob": FunctionProvider(reply)}
    task = asyncio.create_task(session.play_all(conductor, state.conversation_id, seats))
    async with asyncio.timeout(5):
        await asked.wait()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=15)
    if not done:
        task.cancel()  # the test's own clean-up; what follows fails it
        await asyncio.wait({task}, timeout=15)
    assert done and task.cancelled(), "the cancelled run went on"
    stopped = await conductor.load(state.conversation_id)
    assert stopped.ended is not None
    return stopped.ended.reason


async def test_a_seat_whose_cancellation_is_taken_back_is_cancelled_again() -> None:
    """A seat's task loses the cancellation of Ctrl+C (a timeout racing it takes it back):
    the seats' task group cancels each seat once, so the run waited on that seat for ever;
    the cancellation is asserted again and the conversation ends interrupted."""
    taken_back: list[bool] = []
    asked = asyncio.Event()

    async def reply(request: ChatRequest) -> str:
        asked.set()
        await wait_taking_back_cancellation(taken_back)

    assert await _played_until_cancelled(reply, asked) == "interrupted"
    assert taken_back == [True]


@pytest.mark.timeout(60)
async def test_a_seat_whose_cancellation_is_swallowed_is_cancelled_again() -> None:
    """A seat swallows the cancellation (redis-py does while reading a reply) and answers: it
    then waited for a partner that had stopped, for ever; it is cancelled again once it has
    not ended within the unwind deadline."""
    swallowed: list[bool] = []
    asked = asyncio.Event()

    async def reply(request: ChatRequest) -> str:
        asked.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed.append(True)
        return "an answer all the same"

    assert await _played_until_cancelled(reply, asked) == "interrupted"
    assert swallowed == [True]


async def test_append_at_a_stale_sequence_is_a_conflict() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(conductor, topic="t", participants=PAIR)
    await session.interrupt(conductor, state.conversation_id, by="test")
    with pytest.raises(SequenceConflict):
        await conductor.append(state, [ConversationResumed(by="late")])


async def test_an_unexpected_error_ends_the_run_resumably_and_reaches_the_caller() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(conductor, topic="t", participants=PAIR)

    def broken(_: object) -> str:
        raise RuntimeError("adapter bug")

    from aiconv.testing.providers import FunctionProvider

    seats = {"alice": ScriptedProvider(["a"]), "bob": FunctionProvider(broken)}
    with pytest.raises(RuntimeError, match="adapter bug"):
        await session.play_all(conductor, state.conversation_id, seats)
    crashed = await conductor.load(state.conversation_id)
    assert crashed.ended is not None
    assert crashed.ended.reason == "error"
    assert "RuntimeError: adapter bug" in crashed.ended.detail
    resumed = await session.resume(conductor, state.conversation_id)
    assert not resumed.is_ended


async def test_a_truncated_reply_is_recorded_as_such() -> None:
    """A reply cut at its output limit is posted with its finish reason and ``truncated``."""
    cut = ChatReply(content="The answer is", model="m", finish_reason="max_tokens")
    whole = ChatReply(content="Fine.", model="m", finish_reason="end_turn")
    log = InMemoryLog()
    conductor = Conductor(log)
    seats = [ParticipantSpec(name=n, agent="scripted") for n in ("a", "b")]
    state = await session.create(
        conductor, topic="t", participants=seats, stop=StopConfig(max_turns=2)
    )
    await session.play_all(
        conductor,
        state.conversation_id,
        {"a": ScriptedProvider([cut]), "b": ScriptedProvider([whole])},
    )
    events = [r.event for r in codec.decode_all(await log.read(state.conversation_id))]
    posted = [e for e in events if isinstance(e, MessagePosted)]
    assert [(m.truncated, m.finish_reason) for m in posted] == [
        (True, "max_tokens"),
        (False, "end_turn"),
    ]
    final = await conductor.load(state.conversation_id)
    assert [m.truncated for m in final.messages] == [True, False]


class RecordingAdmission:
    """Admits while open, recording how many events the log held on entry and exit."""

    def __init__(self, log: InMemoryLog) -> None:
        self.log = log
        self.is_open = True
        self.seen: list[tuple[str, int]] = []

    @contextmanager
    def admit(self, conversation_id: str, speaker: str) -> Iterator[None]:
        if not self.is_open:
            raise TurnRefused(f"{speaker} may not speak")
        self.seen.append(("enter", len(self.log._all)))
        yield
        self.seen.append(("exit", len(self.log._all)))


async def test_the_admission_hook_is_held_for_the_whole_turn() -> None:
    """Entered before the claim is appended, left after the message is."""
    log = InMemoryLog()
    admission = RecordingAdmission(log)
    conductor = Conductor(log, admission=admission)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stop=StopConfig(max_turns=1)
    )
    await conductor.play(state.conversation_id, "alice", ScriptedProvider(["Hi."]))
    assert admission.seen == [("enter", 1), ("exit", 4)]  # claim, message, ended


async def test_an_admission_hook_refuses_a_turn_before_anything_is_claimed() -> None:
    """``TurnRefused`` from the hook ends ``play``; the log holds no claim."""
    log = InMemoryLog()
    admission = RecordingAdmission(log)
    admission.is_open = False
    conductor = Conductor(log, admission=admission)
    state = await session.create(conductor, topic="t", participants=PAIR)
    with pytest.raises(TurnRefused, match="alice may not speak"):
        await conductor.play(state.conversation_id, "alice", ScriptedProvider(["Hi."]))
    assert await kinds(log, state.conversation_id) == [("ConversationStarted", "")]


class ReadCounter(ForwardingLog):
    """Counts the events every read hands back."""

    def __init__(self, inner: InMemoryLog) -> None:
        super().__init__(inner)
        self.events_read = 0

    async def read(
        self, conversation_id: str, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        found = await super().read(conversation_id, after, limit)
        self.events_read += len(found)
        return found


async def twenty_turns_in_one_process(counting: ReadCounter) -> ConversationState:
    """Two seats of one conductor talk for 20 turns on ``counting``; the final state (each seat
    checked to have spoken in turn, and another process's fold to be the same)."""
    conductor = Conductor(counting)
    state = await session.create(
        conductor, topic="Tea or coffee?", participants=PAIR, stop=StopConfig(max_turns=20)
    )
    seats = {
        "alice": ScriptedProvider([varied_text(i) for i in range(0, 40, 2)]),
        "bob": ScriptedProvider([varied_text(i) for i in range(1, 40, 2)]),
    }
    counting.events_read = 0
    final = await session.play_all(conductor, state.conversation_id, seats)
    assert final.turns == 20 and [m.sender for m in final.messages] == ["alice", "bob"] * 10
    read = counting.events_read
    assert await Conductor(counting).load(state.conversation_id) == final  # another process
    counting.events_read = read
    return final


@pytest.mark.timeout(30)
async def test_seats_of_one_process_share_what_one_of_them_appended() -> None:
    """Two seats in one process: each reads the events the other appended from their shared
    state, not from the log (before: every event was read and folded again by the other
    seat). The transcript is the same as when each seat reads everything itself."""
    counting = ReadCounter(InMemoryLog())
    final = await twenty_turns_in_one_process(counting)
    # Each seat loads the conversation once (1 event each) and play_all reads the final state
    # (41 events + the end); nothing in between.
    assert counting.events_read <= 2 + final.sequence, counting.events_read


class LateReplies(ReadCounter):
    """Wakes waiters as soon as an append is stored but hands the appender its reply a few
    steps of the event loop later, as Redis does (its blocking reader's connection often
    delivers the wake-up before the writer's connection delivers the reply)."""

    async def append(self, *args: Any, **kwargs: Any) -> list[StoredEvent]:
        stored = await super().append(*args, **kwargs)
        for _ in range(5):
            await asyncio.sleep(0)
        return stored


@pytest.mark.timeout(30)
async def test_a_seat_woken_before_its_siblings_append_returned_does_not_read_it_back() -> None:
    """The wake-up for a sibling seat's append arrives before that append's reply: the woken
    seat waits for the append to settle and continues from its state (before: it read every
    event back from the log, one read a turn)."""
    counting = LateReplies(InMemoryLog())
    final = await twenty_turns_in_one_process(counting)
    # Each seat's load (the first event or two) and play_all's read of the final state; no
    # read a turn (before: 85 events read).
    assert counting.events_read <= 4 + final.sequence, counting.events_read


class AppendRecorder(ForwardingLog):
    """Records the kinds of the events of each append."""

    def __init__(self, inner: InMemoryLog) -> None:
        super().__init__(inner)
        self.appends: list[list[str]] = []

    async def append(self, *args: Any, **kwargs: Any) -> list[StoredEvent]:
        stored = await super().append(*args, **kwargs)
        self.appends.append([e.kind for e in stored])
        return stored


@pytest.mark.timeout(30)
async def test_a_claim_rides_with_the_message_before_it_when_its_speaker_plays_here() -> None:
    """Both seats in one process: once both play, each message's append carries the next
    turn's claim (one append a turn instead of two); each claim is still in the log, by this
    instance, for the speaker it names, before that speaker's model is asked."""
    recorder = AppendRecorder(InMemoryLog())
    conductor = Conductor(recorder)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stop=StopConfig(max_turns=10)
    )
    cid = state.conversation_id
    asked_under: list[tuple[str, str, str]] = []

    async def reply(request: ChatRequest) -> str:
        [last] = codec.decode_all(await recorder.read(cid))[-1:]
        claim = last.event
        assert isinstance(claim, TurnClaimed)
        asked_under.append((claim.speaker, claim.instance_id, request.messages[-1].content))
        return varied_text(len(asked_under))

    seats = {name: FunctionProvider(reply, name=name) for name in ("alice", "bob")}
    recorder.appends.clear()
    async with asyncio.timeout(10):
        final = await session.play_all(conductor, cid, seats)
    assert [m.sender for m in final.messages] == ["alice", "bob"] * 5
    assert [(who, instance) for who, instance, _ in asked_under] == [
        (m.sender, conductor.instance_id) for m in final.messages
    ]
    claimed_alone = [a for a in recorder.appends if a == ["TurnClaimed"]]
    assert len(claimed_alone) <= 2  # before the other seat has started playing
    posted = [a for a in recorder.appends if a[0] == "MessagePosted"]
    assert posted[-1] == ["MessagePosted", "ConversationEnded"]
    assert all(a == ["MessagePosted", "TurnClaimed"] for a in posted[2:-1]), recorder.appends
    # a fold of the log by another process is the same state
    assert await Conductor(recorder).load(cid) == final


@pytest.mark.timeout(30)
async def test_a_claim_that_rode_along_lapses_like_any_other_when_its_process_dies() -> None:
    """The process stops after a claim was appended with the message before it (its speaker
    was asked and never answered): another instance takes the turn once the lease has run
    out, and every turn is answered once."""
    log = AppendRecorder(InMemoryLog())
    one = Conductor(log)
    state = await session.create(
        one, topic="t", participants=PAIR, stop=StopConfig(max_turns=6), lease_s=0.3
    )
    cid = state.conversation_id
    asked = asyncio.Event()

    async def bob_hangs(request: ChatRequest) -> str:
        if len([m for m in request.messages if m.role == "assistant"]) >= 1:  # his second turn
            asked.set()
            await asyncio.Event().wait()
        return "bob speaks"

    tasks = [
        asyncio.create_task(one.play(cid, "alice", TurnText([]))),
        asyncio.create_task(one.play(cid, "bob", FunctionProvider(bob_hangs))),
    ]
    async with asyncio.timeout(10):
        await asyncio.sleep(0)  # both seats start before the first message is posted
        await asked.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    stopped = await one.load(cid)
    assert log.appends[-1] == ["MessagePosted", "TurnClaimed"]  # the claim rode along
    assert stopped.claim is not None and stopped.claim.speaker == "bob"
    assert stopped.claim.instance_id == one.instance_id
    assert stopped.messages[-1].sender == "alice"
    two = Conductor(log)
    async with asyncio.timeout(10):
        await asyncio.gather(
            two.play(cid, "alice", TurnText([])), two.play(cid, "bob", TurnText([]))
        )
    final = await two.load(cid)
    assert final.ended is not None and final.ended.reason == "max_turns"
    assert [m.sender for m in final.messages] == ["alice", "bob"] * 3
    events = [r.event for r in codec.decode_all(await log.read(cid))]
    claims = [e for e in events if isinstance(e, TurnClaimed)]
    assert [c.instance_id for c in claims].count(one.instance_id) == 4  # a, b, a, b (hung)
    assert claims[4].speaker == "bob" and claims[4].instance_id == two.instance_id


@pytest.mark.timeout(30)
async def test_no_claim_rides_along_for_a_name_two_seats_of_this_process_play() -> None:
    """Two seats named alice in one process: a claim appended ahead could not tell them
    apart, so none is; they race by the claim as two processes would, and each turn is
    answered once, by one model call."""
    log = YieldingLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stop=StopConfig(max_turns=20)
    )
    cid = state.conversation_id
    calls: list[str] = []

    def counted(name: str) -> FunctionProvider:
        def reply(request: ChatRequest) -> str:
            calls.append(name)
            return varied_text(len(calls))

        return FunctionProvider(reply, name=name)

    async with asyncio.timeout(10):
        await asyncio.gather(
            conductor.play(cid, "alice", counted("alice")),
            conductor.play(cid, "alice", counted("alice")),
            conductor.play(cid, "bob", counted("bob")),
        )
    final = await conductor.load(cid)
    assert [m.sender for m in final.messages] == ["alice", "bob"] * 10
    assert calls == [m.sender for m in final.messages]


class RefusesBobAtOnce:
    """An admission hook that refuses from ``admit`` itself (the port allows it: "raise
    ``TurnRefused`` to refuse"), not from inside a generator's ``__enter__``."""

    def admit(self, conversation_id: str, speaker: str) -> Any:
        if speaker == "bob":
            raise TurnRefused(f"{speaker} may not speak")
        return nullcontext()


@pytest.mark.timeout(30)
async def test_a_turn_refused_to_the_next_speaker_keeps_the_message_of_the_one_before() -> None:
    """Alice's message is posted even when the admission hook refuses bob's next turn (from
    ``admit`` itself): the refusal ends play at bob's turn, nothing claimed for him, as it does
    when bob's seat asks for its own turn. A refusal met while appending alice's message would
    throw away an answered turn (its model call wasted, her claim left to lapse and the turn
    answered again)."""
    log = InMemoryLog()
    conductor = Conductor(log, admission=RefusesBobAtOnce())
    state = await session.create(conductor, topic="t", participants=PAIR)
    cid = state.conversation_id

    async def both_seats() -> None:
        async with asyncio.timeout(10), asyncio.TaskGroup() as group:
            group.create_task(conductor.play(cid, "bob", ScriptedProvider(["Yo."])))
            await asyncio.sleep(0)  # bob's seat plays before alice's message is posted
            group.create_task(conductor.play(cid, "alice", ScriptedProvider(["Hi."])))

    with pytest.raises(BaseExceptionGroup) as raised:
        await both_seats()
    assert raised.group_contains(TurnRefused, match="bob may not speak")
    assert await kinds(log, cid) == [
        ("ConversationStarted", ""),
        ("TurnClaimed", "alice"),
        ("MessagePosted", "alice"),
    ]


class LapsesTheRiddenClaim(ForwardingLog):
    """Moves the clock past the lease right after each append that carries a claim alongside a
    message: the seat the claim was made for finds it lapsed when it looks."""

    def __init__(self, inner: InMemoryLog, clock: FakeClock, lease_s: float) -> None:
        super().__init__(inner)
        self.clock, self.lease_s = clock, lease_s
        self.lapsed = 0

    async def append(self, *args: Any, **kwargs: Any) -> list[StoredEvent]:
        stored = await super().append(*args, **kwargs)
        if [e.kind for e in stored][-2:] == ["MessagePosted", "TurnClaimed"]:
            self.clock.advance(self.lease_s + 1)
            self.lapsed += 1
        return stored


@pytest.mark.timeout(30)
async def test_a_ridden_claim_that_lapsed_before_its_seat_looked_holds_no_admission() -> None:
    """The seat claims its turn again once the claim made for it has lapsed; the admission
    entered for the lapsed one is left then, not kept until that seat leaves: a worker's gate
    counts the one turn in flight."""
    clock = FakeClock(start=time.time())
    gate = TurnGate()
    log = LapsesTheRiddenClaim(InMemoryLog(), clock, lease_s=30)
    conductor = Conductor(log, clock=clock, admission=gate)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stop=StopConfig(max_turns=6), lease_s=30
    )
    cid = state.conversation_id
    in_flight: list[int] = []

    def reply(request: ChatRequest) -> str:
        in_flight.append(gate.in_flight)
        return varied_text(len(in_flight))

    async with asyncio.timeout(10), asyncio.TaskGroup() as group:
        group.create_task(conductor.play(cid, "bob", FunctionProvider(reply, name="bob")))
        await asyncio.sleep(0)  # bob's seat plays before alice's first message is posted
        group.create_task(conductor.play(cid, "alice", FunctionProvider(reply, name="alice")))
    final = await conductor.load(cid)
    assert [m.sender for m in final.messages] == ["alice", "bob"] * 3
    assert log.lapsed >= 1
    assert in_flight == [1] * 6
    assert gate.in_flight == 0


class LostReplyOnce(InMemoryLog):
    """Stores the first append that carries a claim riding along with a message, then loses
    its reply (``LogUnavailable``) and its wake-up, as a Redis connection that drops right
    after the write may."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = False

    async def append(self, *args: Any, **kwargs: Any) -> list[StoredEvent]:
        for _ in range(3):  # the other seat parks on its wait, as across a network
            await asyncio.sleep(0)
        kinds = [e.kind for e in args[2]]
        if self.lost or kinds[:1] != ["MessagePosted"] or "TurnClaimed" not in kinds:
            return await super().append(*args, **kwargs)
        self.lost = True
        waiters, self._waiters = self._waiters, StreamWaiters()  # nobody hears of it
        try:
            await super().append(*args, **kwargs)
        finally:
            self._waiters = waiters
        raise LogUnavailable("the connection dropped before the reply")


@pytest.mark.timeout(30)
async def test_a_seat_playing_again_takes_at_once_the_claim_its_process_left() -> None:
    """The reply of an append that carried the next claim is lost and the seats stop (a worker
    serves the conversation again): the seat of this process takes the turn its own instance
    holds at once, without waiting out the lease (before: it waited the whole lease), and
    every turn is answered once."""
    log = LostReplyOnce()
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stop=StopConfig(max_turns=6), lease_s=60.0
    )
    cid = state.conversation_id
    seats = [
        asyncio.create_task(conductor.play(cid, name, TurnText([]))) for name in ("alice", "bob")
    ]
    async with asyncio.timeout(10):  # one seat fails; the serving process stops the other
        await asyncio.wait(seats, return_when=asyncio.FIRST_EXCEPTION)
    for seat in seats:
        seat.cancel()
    outcomes = await asyncio.gather(*seats, return_exceptions=True)
    assert any(isinstance(o, LogUnavailable) for o in outcomes), outcomes
    stopped = await conductor.load(cid)
    assert stopped.claim is not None and stopped.claim.instance_id == conductor.instance_id
    async with asyncio.timeout(5):  # far less than the 60 s lease
        await asyncio.gather(
            conductor.play(cid, "alice", TurnText([])), conductor.play(cid, "bob", TurnText([]))
        )
    final = await conductor.load(cid)
    assert final.ended is not None and final.ended.reason == "max_turns"
    assert [m.sender for m in final.messages] == ["alice", "bob"] * 3
