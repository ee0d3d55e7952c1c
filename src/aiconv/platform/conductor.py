"""The agent loop: watch -> decide -> claim -> call the provider -> append.

Each participant runs as its own ``play`` coroutine (possibly in another process or machine).
Whose turn it is follows from the folded log; a ``TurnClaimed`` at the expected sequence makes
exactly one claimant win, and the message (with ``ConversationEnded`` when a rule fires) is
appended atomically right after the claim. When the next speaker plays in this process too (one
seat of that name), the message's append carries that speaker's claim (``claim_ahead``): the claim
is still stored before its model is asked, under the same sequence check, and a turn costs one
append instead of two; the seat then takes the turn it holds (``_holds_turn``). Its turn span is
opened and its admission entered when the claim is made, so the claim carries the turn's own
trace context and a stopping worker waits for it. ``SequenceConflict`` means re-read and
re-decide, never retry blindly. This module sees only the ``ChatProvider`` and
``ConversationLog`` ports.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from aiconv.agents.provider import ChatProvider
from aiconv.agents.toolbox import ToolBox, ToolKit, open_tools
from aiconv.errors import ConversationNotFound, LogLostEvents, SequenceConflict
from aiconv.platform import codec, referee
from aiconv.platform.admission import ADMIT_ALL, TurnAdmission
from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState, evolve, fold_ahead
from aiconv.platform.events import (
    ConversationEnded,
    ConversationStarted,
    Event,
    TurnClaimed,
)
from aiconv.platform.hooks import TurnHook
from aiconv.platform.observer import NULL_OBSERVER, ConductorObserver
from aiconv.platform.projections import index_entry
from aiconv.platform.prompts import ContextLimit
from aiconv.platform.seat_states import Handed, SeatStates
from aiconv.platform.termination import StopReason, wall_clock
from aiconv.platform.text_memo import WindowMemo
from aiconv.platform.toolrounds import LeaseLost
from aiconv.platform.turn import Seat, Turn
from aiconv.platform.turns import may_speak, next_speaker, wake_after
from aiconv.queues.log import ConversationLog
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock

#: Called with every event a conductor reads or writes, and the state after it.
EventCallback = Callable[[Recorded, ConversationState], None]
#: Called with (speaker, chunk, after) as a streaming provider produces text: ``after`` is the
#: sequence of the last event appended before the request (the text follows every event up to
#: it, so a reader of the log can place it).
SpeakerDeltaCallback = Callable[[str, str, int], None]
#: The verdict on a state whose last message was just posted (see ``referee.judge_for``).
Judge = referee.Judge
#: Given the state before it, returns the message to post (e.g. with ``simulated_at`` set).
MessageStamp = referee.MessageStamp


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
        shared: bool = False,
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
        #: This process runs a seat of a conversation others run too (``aic join``): a failure
        #: of its own provider releases the turn and raises instead of ending the conversation.
        self.shared = shared
        #: Seats of this process playing one conversation share what one of them folded.
        self._states = SeatStates()

    async def start(
        self,
        conversation_id: str,
        started: ConversationStarted,
        also: Sequence[Event] = (),
    ) -> ConversationState:
        """Create the conversation: its first event, and ``also`` in the same atomic append
        (e.g. the initial state of its environment)."""
        initial = ConversationState(conversation_id=conversation_id)
        state = await self.append(initial, [started, *also])
        if not started.detached:  # a detached one starts where its first turn is claimed
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
        state = self._states.known(state)
        for stored in await self.log.read(state.conversation_id, after=state.sequence):
            state = evolve(state, codec.decode(stored))
        self._states.learn(state)
        return state

    async def append(
        self,
        state: ConversationState,
        events: Sequence[Event],
        *,
        folded: ConversationState | None = None,
    ) -> ConversationState:
        """Append ``events`` right after ``state``; raises SequenceConflict if someone was first.

        ``folded``: ``state`` provisionally folded over the first of ``events`` already (what a
        judge saw), continued for the index entry rather than folded again.
        """
        index = None
        if not all(isinstance(e, TurnClaimed) for e in events):  # a claim leaves the index as is
            index = index_entry(fold_ahead(state, events, self.clock.now(), folded=folded))
        with self._states.appending(state.conversation_id):
            try:
                stored = await self.log.append(
                    state.conversation_id,
                    state.sequence,
                    [codec.encode(e) for e in events],
                    index=index,
                )
            except SequenceConflict as conflict:
                if conflict.actual is not None and conflict.actual < state.sequence:
                    # behind what it acknowledged: re-reading after our sequence finds nothing
                    raise LogLostEvents(
                        state.conversation_id, state.sequence, conflict.actual
                    ) from conflict
                raise
        for item, event in zip(stored, events, strict=True):
            state = evolve(state, codec.recorded(item, event))
        self._states.learn(state)
        return state

    async def commit(
        self,
        state: ConversationState,
        events: list[Event],
        *,
        folded: ConversationState | None = None,
    ) -> ConversationState:
        """Append within a claimed turn (``folded`` as for ``append``); a conflict means the
        lease was taken over: re-read."""
        try:
            state = await self.append(state, events, folded=folded)
        except SequenceConflict:
            self.observer.conflict(state)
            self._states.forget_handed(state.conversation_id)  # no claim rode along
            return await self.catch_up(state)
        if state.is_ended:
            self.observer.conversation_ended(state)
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
        self,
        conversation_id: str,
        name: str,
        provider: ChatProvider,
        *,
        tools: ToolBox | None = None,
    ) -> ConversationState:
        """Run participant ``name`` until the conversation ends; the final state.

        ``tools`` are what its model may call (several rounds a turn, each call recorded before
        it runs and its result after). When not given, the tool sources the participant was
        started with (``ParticipantSpec.tools``) are opened here and closed at the end, so a
        worker or ``aic join`` gives it the same tools; without any, a model asking for a tool
        is told there is none, and the exchange is recorded all the same.
        """
        with self._states.playing(conversation_id, name):  # from the load on: seats share a fold
            state = await self.load(conversation_id)
            references = state.participant(name).tools  # KeyError for a name that is no one
            opened = await open_tools(references) if tools is None and references else None
            seat = Seat(provider=provider, tools=tools or opened or ToolKit(()))
            try:
                return await self._play(state, name, seat)
            finally:
                if opened is not None:
                    await opened.aclose()

    async def _play(self, state: ConversationState, name: str, seat: Seat) -> ConversationState:
        conversation_id = state.conversation_id
        with self.observer.playing(conversation_id):
            # Each step starts from the freshest state a seat of this process has folded.
            while not (state := self._states.known(state)).is_ended:
                now = self.clock.now()
                late = wall_clock(state, now)
                if late is not None:
                    state = await self.end(state, late, by=name)
                elif self.sticky and self._served_elsewhere(state, now):
                    assert state.last_claim is not None and state.started is not None
                    until = state.last_claim.at + state.started.lease_s
                    raise ServedElsewhere(conversation_id, until)
                elif self._holds_turn(state, name, now):  # claimed with the message before
                    state = await self._take_turn(state, name, seat, held=True)
                elif may_speak(state, name, now):
                    state = await self._take_turn(state, name, seat)
                else:
                    wake = wake_after(state, now)
                    woken = await self.log.wait(conversation_id, state.sequence, wake)
                    if self._states.is_appending(conversation_id):
                        await self._states.settled(conversation_id)
                    if self._states.known(state) is state:  # not woken by a seat of ours
                        state = await self.catch_up(state)
                    if not woken:
                        await self._check_not_behind(state)
        return state

    async def _check_not_behind(self, state: ConversationState) -> None:
        """After a wait in vain: the log must still hold every event this process saw; one
        that lost acknowledged events would leave this seat waiting after a sequence that
        no longer comes (``LogLostEvents`` instead)."""
        actual = await self.log.last_sequence(state.conversation_id)
        if actual < state.sequence:
            raise LogLostEvents(state.conversation_id, state.sequence, actual)

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

    def _holds_turn(self, state: ConversationState, name: str, now: float) -> bool:
        """Whether seat ``name`` holds the turn by a live claim of this instance: one appended
        ahead for it (``claim_ahead``), or one whose turn died in this process (its append's
        reply was lost, say, and the seat plays again). Being the one seat of that name here
        and not in a turn (it is asking), nobody else can be answering it."""
        claim = state.claim
        return (
            claim is not None
            and claim.speaker == name
            and claim.instance_id == self.instance_id
            and claim.is_live(now)
            and self._states.plays_alone(state.conversation_id, name)
        )

    def claim_ahead(self, ahead: ConversationState) -> TurnClaimed | None:
        """The claim of the next turn to append with the message that ends this one, when its
        speaker plays in this process (one seat of that name) and the admission hook admits
        that turn now: one append a turn instead of two. ``ahead``: the state after that
        message's append. The turn's admission is entered here and left by the turn."""
        if self.turn_hook is not None or ahead.is_ended:
            return None
        name = next_speaker(ahead)
        cid = ahead.conversation_id
        if name is None or not self._states.plays_alone(cid, name):
            return None
        assert ahead.started is not None
        try:  # a refusal (or a failing hook) is met by that turn's own seat, not this message
            admitted = self.admission.admit(cid, name)
            admitted.__enter__()
        except Exception:
            return None
        opening = self.observer.open_turn(ahead, name)
        self._states.hand(cid, name, Handed(opening, admitted))
        return TurnClaimed(
            speaker=name,
            instance_id=self.instance_id,
            lease_expires_at=self.clock.now() + ahead.started.lease_s,
            trace_context=dict(opening.trace_context),
        )

    async def _take_turn(
        self, state: ConversationState, name: str, seat: Seat, *, held: bool = False
    ) -> ConversationState:
        """Claim the turn (unless ``held``: claimed ahead) and take it."""
        assert state.started is not None
        began = self.clock.monotonic()
        cid = state.conversation_id
        handed = self._states.take(cid, name) if held else None
        if handed is None:  # a turn opened for this seat whose claim lapsed: its admission is left
            self._states.discard(cid, name)
        # a live claim that is not ours: a dead claimant's, whose turn this one takes over
        parent = state.claim.trace_context if state.claim and not held else {}
        with (
            handed if handed else self.admission.admit(cid, name),
            self.observer.turn(
                state, name, parent, handed.opening if handed else None
            ) as trace_context,
        ):
            if handed is None:
                # a detached conversation begins with its first claim, which one instance wins
                first = state.started.detached and not state.has_begun
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
                if first:
                    self.observer.conversation_started(state)
            last_at = state.messages[-1].at if state.messages else state.started_at
            # claimed with the message before it: the hand-off is how long this seat took to
            # start; else how long after that message the claim was stored
            claimed_at = self.clock.now() if held else state.updated_at
            self.observer.turn_claimed(state, name, max(0.0, claimed_at - last_at))
            try:
                return await Turn(self, name, seat, began).take(state)
            except LeaseLost:
                self.observer.conflict(state)
                return await self.catch_up(state)

    def stamp_of(self, state: ConversationState) -> MessageStamp | None:
        """The explicit stamp, else the one the conversation was started with (if any)."""
        if self.stamp is not None:
            return self.stamp
        assert state.started is not None
        return referee.stamp_for(state.started)

    def memo_of(self, conversation_id: str) -> WindowMemo:
        """The memo of text views the conversation is judged with (see ``text_memo``)."""
        return self._states.memo(conversation_id)

    def judge_of(self, state: ConversationState) -> Judge:
        """The explicit judge, else the one the conversation was started with (cheap to make)."""
        if self.judge is not None:
            return self.judge
        assert state.started is not None
        return referee.judge_for(state.started)
