"""Conversations this server plays: a person's seat fed over HTTP, facing an agent.

``Seats.open`` builds the agent (before anything is written), creates the conversation and runs
both seats as a task of this process. ``Seats.say`` hands the person's message to their seat
when it is their turn, and returns once the log holds it; ``Seats.leave`` ends the conversation
with ``left_seat``. When the server stops, the running conversations are interrupted (recorded
as ``interrupted``, like any other run stopped by a signal).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiconv.agents.human import LEFT_SEAT, HumanProvider, Inbox, human_of
from aiconv.agents.provider import ChatProvider
from aiconv.agents.registry import AgentSpec, Registry
from aiconv.errors import ConfigError
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import MessagePosted, ParticipantSpec, StopConfig
from aiconv.platform.observer import NULL_OBSERVER, ConductorObserver
from aiconv.platform.termination import StopReason
from aiconv.platform.turns import next_speaker
from aiconv.queues.log import ConversationLog

_log = logging.getLogger(__name__)

#: How long ``say`` waits for the seat to post a message it was handed.
POST_DEADLINE_S = 30.0


class NotYourTurn(Exception):
    """The person may not speak now (answered with 409)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteAccess:
    """What the write API needs: its bearer token and how to build an agent (the caller's
    registry and guards, e.g. ``aic serve``'s runtime)."""

    token: str
    registry: Registry
    build: Callable[[AgentSpec], ChatProvider]
    #: The vendor variables (``OLLAMA_HOST`` …) that say where an agent's server is: one on
    #: this machine that does not answer is refused before anything is written.
    env: Mapping[str, str] = field(default_factory=dict)
    #: Spans and metrics of the conversations played here (the server's telemetry).
    observer: ConductorObserver = NULL_OBSERVER


@dataclass(slots=True, kw_only=True)
class Seat:
    """One conversation played here: the person's name and inbox, and the running task."""

    person: str
    inbox: Inbox = field(default_factory=Inbox)
    task: asyncio.Task[ConversationState] | None = None
    #: Held while a message is handed over and posted: one message per turn.
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(frozen=True, slots=True, kw_only=True)
class Opening:
    """What a new conversation needs besides its agent."""

    topic: str
    person: str
    agent_name: str
    person_first: bool = True
    max_turns: int = 50
    system: str | None = None
    persona: str | None = None


class Seats:
    """The conversations with a person's seat that this server runs, by id."""

    def __init__(self, log: ConversationLog, access: WriteAccess) -> None:
        self.log = log
        self.access = access
        self.conductor = Conductor(log, observer=access.observer)
        self._seats: dict[str, Seat] = {}

    def build_agent(self, agent: str) -> tuple[AgentSpec, ChatProvider]:
        """Resolve, check and build ``agent`` (ConfigError says what is wrong)."""
        spec = self.access.registry.resolve(agent)
        _check_path(spec)
        self.access.registry.preflight(spec)
        provider = self.access.build(spec)
        if human_of(provider) is not None:
            raise ConfigError("agent must be an agent: the person's seat is the other one")
        return spec, provider

    async def open(self, opening: Opening, agent: str) -> ConversationState:
        """Create the conversation and start playing both seats. ProviderUnavailable, nothing
        written, when the agent's server is on this machine and does not answer (as ``aic
        start`` refuses it: the agent runs here, so it could never reply)."""
        spec, provider = await asyncio.to_thread(self.build_agent, agent)  # preflight reads files
        people = [
            ParticipantSpec(name=opening.person, agent="human", model="person"),
            ParticipantSpec(
                name=opening.agent_name,
                agent=agent,
                model=spec.model,
                system=opening.system,
                persona=opening.persona,
            ),
        ]
        try:
            await self.access.registry.require_server(spec, self.access.env)
            state = await session.create(
                self.conductor,
                topic=opening.topic,
                participants=people,
                first=opening.person if opening.person_first else opening.agent_name,
                stop=StopConfig(max_turns=opening.max_turns),
            )
        except BaseException:
            await provider.aclose()
            raise
        seat = Seat(person=opening.person)
        players = {opening.person: HumanProvider(seat.inbox), opening.agent_name: provider}
        seat.task = asyncio.create_task(self._play(state.conversation_id, players, provider))
        self._seats[state.conversation_id] = seat
        return state

    async def _play(
        self, cid: str, players: dict[str, ChatProvider], agent: ChatProvider
    ) -> ConversationState:
        try:
            return await session.play_all(self.conductor, cid, players)
        except Exception:
            _log.exception("conversation %s stopped on an error", cid)
            raise
        finally:
            await agent.aclose()
            self._seats.pop(cid, None)

    def seat(self, cid: str) -> Seat:
        """The seat of ``cid``; NotYourTurn when this server does not play it."""
        seat = self._seats.get(cid)
        if seat is None:
            raise NotYourTurn(f"conversation {cid} has no person's seat on this server")
        return seat

    async def say(self, cid: str, text: str) -> tuple[int, ConversationState]:
        """Post ``text`` as the person's turn: its sequence and the state once it is logged."""
        ended = (await self.conductor.load(cid)).ended
        if ended is not None:
            raise NotYourTurn(f"conversation {cid} has ended ({ended.reason})")
        seat = self.seat(cid)
        if seat.turn.locked():
            raise NotYourTurn("a message of this person is being posted; wait for it")
        async with seat.turn:
            state = await self.conductor.load(cid)
            speaker = next_speaker(state)
            if speaker != seat.person:
                raise NotYourTurn(_why_not(state, seat.person, speaker))
            if not seat.inbox.offer(text):
                raise NotYourTurn("a message of this person is waiting to be posted")
            sequence = await self._posted(state, seat.person)
        return sequence, await self.conductor.load(cid)

    async def _posted(self, state: ConversationState, person: str) -> int:
        """The sequence of ``person``'s next message, once it is in the log."""
        steps = session.follow(self.log, state.conversation_id, after=state.sequence)
        async with asyncio.timeout(POST_DEADLINE_S), contextlib.aclosing(steps):
            async for recorded, now in steps:
                event = recorded.event
                if isinstance(event, MessagePosted) and event.sender == person:
                    return recorded.sequence
                if now.is_ended:
                    break
        raise NotYourTurn(f"conversation {state.conversation_id} ended before the message")

    async def leave(self, cid: str) -> ConversationState:
        """The person leaves: the conversation ends with ``left_seat``, its seats stop."""
        seat = self.seat(cid)
        state = await self.conductor.load(cid)
        stop = StopReason(reason=LEFT_SEAT, detail=f"{seat.person} left the seat")
        state = await self.conductor.end(state, stop, by=seat.person)
        await self._stop(seat)
        return state

    async def _stop(self, seat: Seat) -> None:
        if seat.task is not None and not seat.task.done():
            seat.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await seat.task

    async def aclose(self) -> None:
        """Interrupt every conversation still running (the server is stopping)."""
        for seat in list(self._seats.values()):
            await self._stop(seat)


def _check_path(spec: AgentSpec) -> None:
    """A file-backed agent (``script:``, ``flow:`` …) named over HTTP must be a file under the
    server's working directory: a client may pick a served flow, not read the server's files."""
    path = spec.options.get("path")
    if path is None:
        return
    root = Path.cwd().resolve()
    if not (root / path).resolve().is_relative_to(root):
        raise ConfigError(f"agent {spec.agent_id!r}: over HTTP, files must be under {root}")


def _why_not(state: ConversationState, person: str, speaker: str | None) -> str:
    if state.ended is not None:
        return f"conversation {state.conversation_id} has ended ({state.ended.reason})"
    return f"not {person}'s turn: waiting for {speaker}"
