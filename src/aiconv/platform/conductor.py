"""The agent loop: watch -> decide -> claim -> call the provider -> append.

Each participant runs as its own ``play`` coroutine (possibly in another process or machine).
Whose turn it is follows from the folded log; a ``TurnClaimed`` at the expected sequence makes
exactly one claimant win, and the message (with ``ConversationEnded`` when a rule fires) is
appended atomically right after the claim. ``SequenceConflict`` means re-read and re-decide,
never retry blindly. This module sees only the ``ChatProvider`` and ``ConversationLog`` ports.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from aiconv.agents.messages import ChatReply
from aiconv.agents.provider import ChatProvider
from aiconv.errors import ConversationNotFound, ProviderError, ProviderUnavailable, SequenceConflict
from aiconv.observability.redaction import scrub
from aiconv.platform import codec, referee
from aiconv.platform.admission import ADMIT_ALL, TurnAdmission
from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState, evolve
from aiconv.platform.events import (
    AgentFailed,
    ConversationEnded,
    ConversationStarted,
    Event,
    MessagePosted,
    TurnClaimed,
)
from aiconv.platform.hooks import TurnHook
from aiconv.platform.observer import NULL_OBSERVER, ConductorObserver
from aiconv.platform.projections import index_entry
from aiconv.platform.prompts import ContextLimit, build_request
from aiconv.platform.termination import StopReason, wall_clock
from aiconv.platform.turns import next_speaker
from aiconv.queues.log import ConversationLog
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock

#: Called with every event a conductor reads or writes, and the state after it.
EventCallback = Callable[[Recorded, ConversationState], None]
#: Called with (speaker, chunk) as a streaming provider produces text.
SpeakerDeltaCallback = Callable[[str, str], None]
#: The verdict on a state whose last message was just posted (see ``referee.judge_for``).
Judge = referee.Judge
#: Given the state before it, returns the message to post (e.g. with ``simulated_at`` set).
MessageStamp = referee.MessageStamp

_IDLE_WAKE_S = 30.0


class ServedElsewhere(Exception):
    """A sticky conductor leaves this conversation to the instance serving it, until ``until``
    (wall-clock time) when, if that instance has gone silent, it may take over."""

    def __init__(self, conversation_id: str, until: float) -> None:
        super().__init__(f"{conversation_id} is served by another instance until {until:.3f}")
        self.conversation_id = conversation_id
        self.until = until


def new_instance_id() -> str:
    """A fresh id for one running instance of a participant."""
    return uuid.uuid4().hex[:12]


class Conductor:
    """Reads and appends one log on behalf of the participants this process runs."""

    def __init__(
        self,
        log: ConversationLog,
        *,
        clock: Clock = SYSTEM_CLOCK,
        instance_id: str | None = None,
        observer: ConductorObserver = NULL_OBSERVER,
        on_delta: SpeakerDeltaCallback | None = None,
        context: ContextLimit | None = None,
        judge: Judge | None = None,
        sticky: bool = False,
        stamp: MessageStamp | None = None,
        turn_hook: TurnHook | None = None,
        admission: TurnAdmission = ADMIT_ALL,
    ) -> None:
        self.log = log
        self.clock = clock
        self.instance_id = instance_id or new_instance_id()
        self.observer = observer
        self.on_delta = on_delta
        self.context = context or ContextLimit()
        self.judge = judge
        #: Leave conversations another instance is serving to it (see ``_served_elsewhere``).
        self.sticky = sticky
        self.stamp = stamp
        self.turn_hook = turn_hook
        #: Asked before every turn; ``TurnRefused`` from it ends ``play`` with nothing claimed.
        self.admission = admission

    async def start(self, conversation_id: str, started: ConversationStarted) -> ConversationState:
        """Create the conversation (its first event)."""
        state = await self.append(ConversationState(conversation_id=conversation_id), [started])
        self.observer.conversation_started(state)
        return state

    async def load(self, conversation_id: str) -> ConversationState:
        """The current state; ConversationNotFound when there is no such conversation."""
        state = await self.catch_up(ConversationState(conversation_id=conversation_id))
        if state.started is None:
            raise ConversationNotFound(conversation_id)
        return state

    async def catch_up(self, state: ConversationState) -> ConversationState:
        """``state`` advanced over every event appended since."""
        for stored in await self.log.read(state.conversation_id, after=state.sequence):
            state = evolve(state, codec.decode(stored))
        return state

    async def append(self, state: ConversationState, events: Sequence[Event]) -> ConversationState:
        """Append ``events`` right after ``state``; raises SequenceConflict if someone was first."""
        index = None
        if not all(isinstance(e, TurnClaimed) for e in events):  # a claim leaves the index as is
            now = self.clock.now()
            prospective = state
            for offset, event in enumerate(events, 1):
                prospective = evolve(prospective, _provisional(state, offset, now, event))
            index = index_entry(prospective)
        stored = await self.log.append(
            state.conversation_id, state.sequence, [codec.encode(e) for e in events], index=index
        )
        for item, event in zip(stored, events, strict=True):
            state = evolve(
                state, _recorded(item.conversation_id, item.sequence, item.position, item.at, event)
            )
        return state

    async def end(self, state: ConversationState, stop: StopReason, by: str) -> ConversationState:
        """Append ``ConversationEnded`` unless someone ended it first; the final state."""
        while not state.is_ended:
            try:
                state = await self.append(
                    state, [ConversationEnded(reason=stop.reason, detail=stop.detail, by=by)]
                )
                self.observer.conversation_ended(state)
            except SequenceConflict:
                self.observer.conflict(state)
                state = await self.catch_up(state)
        return state

    async def play(
        self, conversation_id: str, name: str, provider: ChatProvider
    ) -> ConversationState:
        """Run participant ``name`` until the conversation ends; the final state."""
        state = await self.load(conversation_id)
        state.participant(name)  # KeyError for a name that is not a participant
        with self.observer.playing(conversation_id):
            while not state.is_ended:
                now = self.clock.now()
                late = wall_clock(state, now)
                if late is not None:
                    state = await self.end(state, late, by=name)
                elif self.sticky and self._served_elsewhere(state, now):
                    assert state.last_claim is not None and state.started is not None
                    until = state.last_claim.at + state.started.lease_s
                    raise ServedElsewhere(conversation_id, until)
                elif self._may_speak(state, name, now):
                    state = await self._take_turn(state, name, provider)
                else:
                    wake = self._wake_after(state, now)
                    await self.log.wait(conversation_id, state.sequence, wake)
                    state = await self.catch_up(state)
        return state

    def _may_speak(self, state: ConversationState, name: str, now: float) -> bool:
        if next_speaker(state) != name:
            return False
        return state.claim is None or not state.claim.is_live(now)

    def _served_elsewhere(self, state: ConversationState, now: float) -> bool:
        """Whether another instance has been serving this conversation within the last lease.

        Sticky conductors (workers) leave such a conversation to that instance instead of racing
        it for every turn (``play`` raises ``ServedElsewhere``), and take over only once it has
        been silent for a whole lease.
        """
        last = state.last_claim
        if last is None or last.instance_id == self.instance_id:
            return False
        assert state.started is not None
        return now < last.at + state.started.lease_s

    def _wake_after(self, state: ConversationState, now: float) -> float:
        assert state.started is not None
        deadlines = [_IDLE_WAKE_S]
        if state.claim is not None:
            deadlines.append(state.claim.lease_expires_at - now)
        if state.started.stop.timeout_s is not None:
            deadlines.append(state.started_at + state.started.stop.timeout_s - now)
        return max(0.001, min(deadlines))

    async def _take_turn(
        self, state: ConversationState, name: str, provider: ChatProvider
    ) -> ConversationState:
        assert state.started is not None
        began = self.clock.monotonic()
        parent = state.claim.trace_context if state.claim else {}
        with (
            self.admission.admit(state.conversation_id, name),
            self.observer.turn(state, name, parent) as trace_context,
        ):
            claim = TurnClaimed(
                speaker=name,
                instance_id=self.instance_id,
                lease_expires_at=self.clock.now() + state.started.lease_s,
                trace_context=trace_context,
            )
            try:
                state = await self.append(state, [claim])
            except SequenceConflict:
                self.observer.conflict(state)
                return await self.catch_up(state)
            last_at = state.messages[-1].at if state.messages else state.started_at
            self.observer.turn_claimed(state, name, max(0.0, state.updated_at - last_at))
            return await self._speak(state, name, provider, began)

    async def _speak(
        self, state: ConversationState, name: str, provider: ChatProvider, began: float
    ) -> ConversationState:
        if self.turn_hook is not None:
            before = await self.turn_hook.before_call(state, name)
            if before:
                try:
                    state = await self.append(state, list(before))
                except SequenceConflict:  # our lease was taken over: the turn is not ours
                    self.observer.conflict(state)
                    return await self.catch_up(state)
        request = build_request(state, name, limit=self.context)
        on_delta = self.on_delta
        called = self.clock.monotonic()
        try:
            reply = await provider.complete(
                request, on_delta=(lambda chunk: on_delta(name, chunk)) if on_delta else None
            )
        except ProviderError as exc:
            return await self._fail(state, name, exc)
        if reply.stop is not None:
            stop = StopReason(reason=reply.stop, detail=f"{name} has nothing more to say")
            return await self._commit(
                state, [ConversationEnded(reason=stop.reason, detail=stop.detail, by=name)]
            )
        message = _message(name, reply, provider.name, self.clock.monotonic() - called)
        posted = await self._post(state, message)
        if posted.sequence > state.sequence and posted.messages:
            self.observer.message_posted(
                posted, posted.messages[-1], self.clock.monotonic() - began
            )
        return posted

    async def _post(self, state: ConversationState, message: MessagePosted) -> ConversationState:
        now = self.clock.now()
        stamp = self.stamp_of(state)
        if stamp is not None:
            message = stamp(state, message)
        prospective = evolve(state, _provisional(state, 1, now, message))
        verdict = self._judge_of(state)(prospective, now)
        after = await self.turn_hook.after_reply(state, message) if self.turn_hook else ()
        events: list[Event] = [message, *after, *verdict.events]
        if verdict.stop is not None:
            events.append(
                ConversationEnded(
                    reason=verdict.stop.reason, detail=verdict.stop.detail, by=message.sender
                )
            )
        return await self._commit(state, events)

    def stamp_of(self, state: ConversationState) -> MessageStamp | None:
        """The explicit stamp, else the one the conversation was started with (if any)."""
        if self.stamp is not None:
            return self.stamp
        assert state.started is not None
        return referee.stamp_for(state.started)

    def _judge_of(self, state: ConversationState) -> Judge:
        """The explicit judge, else the one the conversation was started with (cheap to make)."""
        if self.judge is not None:
            return self.judge
        assert state.started is not None
        return referee.judge_for(state.started)

    async def _fail(
        self, state: ConversationState, name: str, exc: ProviderError
    ) -> ConversationState:
        failed = AgentFailed(
            speaker=name,
            error_kind=exc.kind,
            message=scrub(str(exc))[:500],
            retryable=exc.retryable,
            breaker_state=exc.breaker_state,
            attempts=exc.attempts,
            request_id=exc.request_id,
        )
        reason = (
            "provider_unavailable" if isinstance(exc, ProviderUnavailable) else "provider_error"
        )
        ended = ConversationEnded(reason=reason, detail=scrub(f"{name}: {exc}")[:500], by=name)
        return await self._commit(state, [failed, ended])

    async def _commit(self, state: ConversationState, events: list[Event]) -> ConversationState:
        """Append after our claim; a conflict means our lease was taken over: re-read."""
        try:
            state = await self.append(state, events)
        except SequenceConflict:
            self.observer.conflict(state)
            return await self.catch_up(state)
        if state.is_ended:
            self.observer.conversation_ended(state)
        return state


def _message(name: str, reply: ChatReply, provider: str, latency_s: float) -> MessagePosted:
    return MessagePosted(
        sender=name,
        content=reply.content,
        model=reply.model,
        provider=reply.provider or provider,
        input_tokens=reply.usage.input_tokens,
        output_tokens=reply.usage.output_tokens,
        cost_usd=reply.cost_usd,
        latency_s=round(latency_s, 6),
        attempts=reply.attempts,
        cached=reply.cached,
        saved_usd=reply.saved_usd,
        finish_reason=reply.finish_reason,
        truncated=reply.truncated,
    )


def _provisional(state: ConversationState, offset: int, now: float, event: Event) -> Recorded:
    return _recorded(state.conversation_id, state.sequence + offset, 0, now, event)


def _recorded(
    conversation_id: str, sequence: int, position: int, at: float, event: Event
) -> Recorded:
    return Recorded(
        conversation_id=conversation_id, sequence=sequence, position=position, at=at, event=event
    )
