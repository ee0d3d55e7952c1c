"""Whole conversations: create one, run a set of participants in this process, follow the log,
interrupt and resume. Built on the conductor; still sees only the ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Literal, overload

from aiconv.agents.provider import ChatProvider
from aiconv.agents.toolbox import ToolBox
from aiconv.errors import (
    ConfigError,
    ConversationAlreadyEnded,
    ConversationNotFound,
    OutputClosed,
    SequenceConflict,
)
from aiconv.observability.redaction import scrub
from aiconv.platform import codec
from aiconv.platform.cancellation import wait_all
from aiconv.platform.codec import Recorded
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState, evolve
from aiconv.platform.events import (
    ConversationResumed,
    ConversationStarted,
    Event,
    ParticipantSpec,
    PluginRef,
    StopConfig,
)
from aiconv.platform.termination import StopReason
from aiconv.platform.turns import resolve_policy
from aiconv.queues.log import ConversationLog, EventStore
from aiconv.validation import check_name

#: End reasons after which ``resume`` may continue a conversation.
RESUMABLE = frozenset({"interrupted", "provider_unavailable", "provider_error", "error"})


def new_conversation_id() -> str:
    """A fresh, sortable-enough, unique conversation id."""
    return uuid.uuid4().hex


def validate_participants(participants: Sequence[ParticipantSpec], first: str | None) -> str:
    """The first speaker; ConfigError for a bad or duplicate name, fewer than two, or a bad
    ``first``."""
    names = [p.name for p in participants]
    for name in names:
        try:
            check_name(name)
        except ValueError as exc:
            raise ConfigError(f"participant name {name!r} {exc}") from None
    if len(names) < 2:
        raise ConfigError("a conversation needs at least two participants")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"participant names must be unique; repeated: {', '.join(duplicates)}")
    if first is None:
        return names[0]
    if first not in names:
        raise ConfigError(
            f"--first {first!r} is not a participant; choose one of: {', '.join(names)}"
        )
    return first


async def create(
    conductor: Conductor,
    *,
    topic: str,
    participants: Sequence[ParticipantSpec],
    first: str | None = None,
    stop: StopConfig | None = None,
    seed: int | None = None,
    lease_s: float = 60.0,
    turn_policy: str = "round_robin",
    detached: bool = False,
    metadata: Mapping[str, object] | None = None,
    conversation_id: str | None = None,
    judge: PluginRef | None = None,
    stamp: PluginRef | None = None,
    also: Sequence[Event] = (),
) -> ConversationState:
    """Validate and append ``ConversationStarted`` for a new conversation."""
    stop = stop or StopConfig()
    if stop.max_turns < 1:
        raise ConfigError("--max-turns must be at least 1")
    if not topic.strip():
        raise ConfigError("--topic must not be empty")
    resolve_policy(turn_policy)
    started = ConversationStarted(
        topic=topic,
        participants=tuple(participants),
        first_speaker=validate_participants(participants, first),
        turn_policy=turn_policy,
        stop=stop,
        seed=seed,
        lease_s=lease_s,
        detached=detached,
        metadata=dict(metadata or {}),
        judge=judge,
        stamp=stamp,
    )
    return await conductor.start(conversation_id or new_conversation_id(), started, also)


async def play_all(
    conductor: Conductor,
    conversation_id: str,
    seats: Mapping[str, ChatProvider],
    *,
    tools: Mapping[str, ToolBox] | None = None,
) -> ConversationState:
    """Run ``seats`` (participant name -> provider) until the conversation ends.

    ``tools`` gives a seat tools opened by the caller (else the recorded ones are opened).

    On cancellation (Ctrl+C, SIGTERM) the turns in flight are abandoned and
    ``ConversationEnded(reason="interrupted")`` is appended before the cancellation propagates.
    """
    try:
        async with asyncio.TaskGroup() as group:
            played = [
                group.create_task(
                    conductor.play(conversation_id, name, provider, tools=(tools or {}).get(name))
                )
                for name, provider in seats.items()
            ]
            await wait_all(played)  # a seat that loses its cancellation is cancelled again
    except asyncio.CancelledError:
        await asyncio.shield(interrupt(conductor, conversation_id, by="signal"))
        raise
    except BaseExceptionGroup as group:
        # One seat failing cancels the others; callers handle the first real error, as if
        # the seats had run one by one, and the log records that the run crashed.
        error = _first_error(group)
        if isinstance(error, OutputClosed):  # the reader went away: as a signal would
            await asyncio.shield(interrupt(conductor, conversation_id, by="closed output"))
        elif isinstance(error, Exception):
            await asyncio.shield(record_crash(conductor, conversation_id, error))
        raise error from None
    if not played:
        return await conductor.load(conversation_id)
    # The freshest final state of a seat, and whatever was appended since (usually nothing):
    # the same state as a fresh load, without reading and folding the whole stream again.
    return await conductor.catch_up(max((t.result() for t in played), key=_sequence))


def _sequence(state: ConversationState) -> int:
    return state.sequence


async def record_crash(conductor: Conductor, conversation_id: str, error: Exception) -> None:
    """End the conversation with the resumable reason ``error`` (best effort: the original
    error matters more than a failure to record it)."""
    with contextlib.suppress(Exception):
        state = await conductor.load(conversation_id)
        stop = StopReason(reason="error", detail=scrub(f"{type(error).__name__}: {error}")[:300])
        await conductor.end(state, stop, by=conductor.instance_id)


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first


def first_exception(error: BaseException) -> Exception:
    """The first leaf of an exception group (or ``error`` itself), as an ``Exception``."""
    if isinstance(error, BaseExceptionGroup):
        error = _first_error(error)
    return error if isinstance(error, Exception) else RuntimeError(str(error))


async def interrupt(conductor: Conductor, conversation_id: str, *, by: str) -> ConversationState:
    """End an unfinished conversation with reason ``interrupted`` (no-op when it has ended)."""
    state = await conductor.load(conversation_id)
    stop = StopReason(reason="interrupted", detail=f"interrupted by {by} after {state.turns} turns")
    return await conductor.end(state, stop, by=by)


def check_resumable(state: ConversationState) -> None:
    """``ConversationAlreadyEnded`` unless ``state`` is active or ended in a way ``resume``
    can reopen (interrupted, a provider failure)."""
    if state.ended is not None and state.ended.reason not in RESUMABLE:
        raise ConversationAlreadyEnded(
            f"conversation {state.conversation_id} ended ({state.ended.reason}: "
            f"{state.ended.detail}); only a conversation whose end reason is one of "
            f"{', '.join(sorted(RESUMABLE))} can be resumed"
        )


async def resume(
    conductor: Conductor, conversation_id: str, *, by: str = "resume"
) -> ConversationState:
    """Reopen an interrupted (or provider-failed) conversation; others cannot be resumed."""
    state = await conductor.load(conversation_id)
    while state.is_ended:
        check_resumable(state)
        try:
            state = await conductor.append(state, [ConversationResumed(by=by)])
        except SequenceConflict:
            state = await conductor.catch_up(state)
    return state


#: One step of ``follow``: an event and the state after it.
Step = tuple[Recorded, ConversationState]


@overload
def follow(
    log: ConversationLog,
    conversation_id: str,
    *,
    after: int = 0,
    idle_s: float = 5.0,
    batch: int | None = None,
    pings: Literal[False] = False,
) -> AsyncGenerator[Step, None]: ...


@overload
def follow(
    log: ConversationLog,
    conversation_id: str,
    *,
    after: int = 0,
    idle_s: float = 5.0,
    batch: int | None = None,
    pings: Literal[True],
) -> AsyncGenerator[Step | None, None]: ...


async def follow(
    log: ConversationLog,
    conversation_id: str,
    *,
    after: int = 0,
    idle_s: float = 5.0,
    batch: int | None = None,
    pings: bool = False,
) -> AsyncGenerator[Step | None, None]:
    """Every event of the conversation with ``sequence > after`` and the state after it, live,
    until the conversation has ended and every event is out.

    ``batch`` bounds each read (a long conversation is never read whole at once); with ``pings``
    a ``None`` comes whenever ``idle_s`` passes with nothing new (a live view's keep-alive).
    """
    state = ConversationState(conversation_id=conversation_id)
    while True:
        stored = await log.read(conversation_id, after=state.sequence, limit=batch)
        for recorded in codec.decode_all(stored):
            state = evolve(state, recorded)
            if recorded.sequence > after:
                yield recorded, state
        if batch is not None and len(stored) == batch:
            continue
        if state.is_ended:
            return
        if not await log.wait(conversation_id, state.sequence, idle_s) and pings:
            yield None


async def load_recorded(
    log: EventStore, conversation_id: str
) -> tuple[ConversationState, list[Recorded]]:
    """The folded state and every decoded event, from one read; ConversationNotFound if none."""
    events = codec.decode_all(await log.read(conversation_id))
    state = ConversationState(conversation_id=conversation_id)
    for recorded in events:
        state = evolve(state, recorded)
    if state.started is None:
        raise ConversationNotFound(conversation_id)
    return state, events
