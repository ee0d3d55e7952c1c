"""The human seat in a terminal: ``aic-start --agent1 human`` lets the person at the keyboard
take that participant's turns.

The live transcript shows what everyone says; on the person's turn a prompt appears (after the
transcript has caught up with the turn, so it never lands above the message it answers) and one
line is read from the terminal without blocking the event loop (the loop is woken when the
terminal has input, and reads only what is there); lines that reach it together (a paste) are
one message. An empty line asks again; Ctrl+D leaves the seat, which ends the conversation with
the recorded reason ``left_seat``; Ctrl+C interrupts as for any run.
"""

from __future__ import annotations

import asyncio
import os
import re
import select
import sys
from collections.abc import Callable, MutableMapping, Sequence
from typing import TextIO

from rich.console import Console

from aiconv.agents.human import NO_INPUT, WAYS, HumanProvider, human_of
from aiconv.agents.messages import ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.cli.display import LiveTranscript
from aiconv.errors import ConfigError
from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import TurnClaimed

_CHUNK = 4096
#: What keys without a printable character put on the line (the terminal does no line editing
#: here): escape sequences (cursor and function keys: CSI, SS3, ESC + one character) and the
#: control characters (C0 and C1) other than tab and line break. They are no part of the message.
_KEYS = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1bO.|\x1b.?|[\x00-\x08\x0b-\x1f\x7f-\x9f]", re.DOTALL
)


class TerminalSeat:
    """A person's input from a terminal (``fd``), prompted on ``out``."""

    def __init__(self, person: str, *, fd: int | None = None, out: TextIO | None = None) -> None:
        self.person = person
        self.fd = sys.stdin.fileno() if fd is None else fd
        self.out = out or sys.stderr
        self._pending = bytearray()
        self._claims = 0
        self._asked = 0
        self._shown = asyncio.Event()
        self._ended = asyncio.Event()

    def saw(self, recorded: Recorded, state: ConversationState) -> None:
        """Told each event the transcript has shown (the person's own turn claims matter, and
        the end of the conversation)."""
        event = recorded.event
        if isinstance(event, TurnClaimed) and event.speaker == self.person:
            self._claims += 1
            self._shown.set()
        if state.ended is None:  # as the transcript last showed it
            self._ended.clear()
        else:
            self._ended.set()

    async def next_message(self, request: ChatRequest) -> str | None:
        """The person's next non-empty line; None on end of input (Ctrl+D), or once the
        conversation has ended while they were asked (its --timeout ran out, say): a person's
        turn has no timeout of its own, so the prompt would otherwise keep the command."""
        asking = asyncio.ensure_future(self._ask())
        ended = asyncio.ensure_future(self._ended.wait())
        try:
            await asyncio.wait({asking, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            asking.cancel()
            ended.cancel()
        if asking.done() and not asking.cancelled():
            return asking.result()
        self.out.write("\n")
        return None

    async def _ask(self) -> str | None:
        self._asked += 1
        while self._claims < self._asked:  # the transcript has not shown this turn yet
            self._shown.clear()
            await self._shown.wait()
        while True:
            self.out.write(f"{self.person}> ")
            self.out.flush()
            line = await self._line()
            if line is None:
                self.out.write("\n")
                return None
            if line.strip():
                return line.strip()

    async def _line(self) -> str | None:
        """What the person entered, without its last newline: a line, or every whole line that
        reached the terminal with it (a paste is one message); None once input has ended."""
        while b"\n" not in self._pending:
            chunk = await self._read()
            if not chunk:
                if not self._pending:
                    return None
                break  # Ctrl+D after some text sends that text
            self._pending.extend(chunk)
        else:
            self._take_queued()
        end = self._pending.rfind(b"\n")
        end = len(self._pending) if end < 0 else end
        text = bytes(self._pending[:end])
        del self._pending[: end + 1]
        return _KEYS.sub("", text.decode(errors="replace"))

    def _take_queued(self) -> None:
        """Add what the terminal already holds (the rest of a paste: a terminal hands it over a
        line a read); polled with no wait, so the loop is never blocked."""
        while select.select([self.fd], [], [], 0)[0]:
            chunk = os.read(self.fd, _CHUNK)
            if not chunk:  # end of input: the next read says so again
                return
            self._pending.extend(chunk)

    async def _read(self) -> bytes:
        """What the terminal has once it is readable (the read itself cannot block then)."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(self.fd, readable)
        try:
            await ready
        finally:
            loop.remove_reader(self.fd)
        return os.read(self.fd, _CHUNK)


class SeatedTranscript(LiveTranscript):
    """The live transcript, telling the seats what it has shown (their prompts come after)."""

    def __init__(self, console: Console, seats: Sequence[TerminalSeat]) -> None:
        super().__init__(console)
        self.seats = list(seats)

    def event(self, recorded: Recorded, state: ConversationState) -> None:
        """Show the event, then let the seats know."""
        super().event(recorded, state)
        for seat in self.seats:
            seat.saw(recorded, state)


def transcript_for(
    console: Console, seats: Sequence[TerminalSeat], *, live: bool
) -> LiveTranscript | None:
    """The live transcript, if any: always one with a person seated (they must see replies)."""
    if seats:
        return SeatedTranscript(console, seats)
    return LiveTranscript(console) if live else None


def seat_people(
    providers: MutableMapping[str, ChatProvider],
    *,
    interactive: bool,
    detached: bool = False,
    make: Callable[[str], TerminalSeat] = TerminalSeat,
) -> list[TerminalSeat]:
    """Give each human seat in ``providers`` the terminal (taking off the guards a person does
    not need); ConfigError when there is one but no terminal to take it, or nobody will run it."""
    people = [name for name, provider in providers.items() if human_of(provider) is not None]
    if not people:
        return []
    if detached:
        raise ConfigError(f"a human seat cannot be detached (nobody would take its turns); {WAYS}")
    if not interactive:
        raise ConfigError(NO_INPUT)
    if len(people) > 1:
        raise ConfigError(f"one terminal seats one person, not {len(people)}: {', '.join(people)}")
    seat = make(people[0])
    providers[people[0]] = HumanProvider(seat, model=providers[people[0]].model)
    return [seat]
