"""``SeatStates``: what the seats of one process playing the same conversation share.

Any state of a conversation at a given sequence is the same fold of the same events, so a seat
may continue from the state another seat of its process appended or read instead of reading,
decoding and folding those events again (a conversation served by one ``aic worker`` or
``aic-start`` reads each event once, not once per seat). Only states folded from stored events
are shared, never a provisional one; a conversation is forgotten when its last seat leaves.

A seat woken while another seat of its process is appending to the same conversation first
waits for that append to settle (``settled``): a log may deliver the wake-up for an append
before the append's own reply (Redis: the blocking reader's connection is not the writer's),
and reading back what a seat of ours is about to learn would cost a round trip for nothing.

It also knows which seat names play here (a claim is appended ahead only for a name exactly one
seat of this process plays) and keeps each turn claimed ahead (``Handed``) until its seat takes
it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aiconv.platform.conversation import ConversationState
from aiconv.platform.observer import TurnOpening
from aiconv.platform.text_memo import WindowMemo


@dataclass(frozen=True, slots=True)
class Handed:
    """A turn claimed ahead for a seat of this process: the observer's opening of it, and its
    admission, entered at the claim and left when the turn is over (or its claim did not land,
    or the seat left without taking it)."""

    opening: TurnOpening
    admitted: contextlib.AbstractContextManager[None]

    def __enter__(self) -> None:
        """The turn begins: its admission was entered when it was claimed."""

    def __exit__(self, *exc_info: Any) -> bool | None:
        """The turn is over: leave its admission."""
        return self.admitted.__exit__(*exc_info)


class SeatStates:
    """The freshest state of each conversation some seat of this process is playing."""

    def __init__(self) -> None:
        self._latest: dict[str, ConversationState] = {}
        self._players: collections.Counter[str] = collections.Counter()
        self._seats: collections.Counter[tuple[str, str]] = collections.Counter()
        self._handed: dict[tuple[str, str], Handed] = {}
        self._appending: dict[str, _Appending] = {}
        self._memos: dict[str, WindowMemo] = {}

    @contextlib.contextmanager
    def playing(self, conversation_id: str, name: str) -> Iterator[None]:
        """Seat ``name`` plays ``conversation_id`` for the duration."""
        seat = (conversation_id, name)
        self._players[conversation_id] += 1
        self._seats[seat] += 1
        try:
            yield
        finally:
            self._seats[seat] -= 1
            if not self._seats[seat]:
                del self._seats[seat]
                self._drop(seat)
            self._players[conversation_id] -= 1
            if not self._players[conversation_id]:
                del self._players[conversation_id]
                self._latest.pop(conversation_id, None)
                self._memos.pop(conversation_id, None)

    def plays_alone(self, conversation_id: str, name: str) -> bool:
        """Whether exactly one seat of this process plays ``name`` in the conversation (the
        one a claim appended ahead for ``name`` is meant for)."""
        return self._seats.get((conversation_id, name), 0) == 1

    def hand(self, conversation_id: str, name: str, turn: Handed) -> None:
        """Keep the turn opened for seat ``name`` (its claim is being appended ahead)."""
        self._drop((conversation_id, name))
        self._handed[(conversation_id, name)] = turn

    def take(self, conversation_id: str, name: str) -> Handed | None:
        """The turn opened for seat ``name``, once (its admission is the taker's to leave)."""
        return self._handed.pop((conversation_id, name), None)

    def discard(self, conversation_id: str, name: str) -> None:
        """Drop the turn opened for seat ``name``, if any (its claim lapsed before the seat
        took it: the seat claims its turn anew)."""
        self._drop((conversation_id, name))

    def forget_handed(self, conversation_id: str) -> None:
        """Drop the turns opened for the conversation's seats (their claims did not land)."""
        for seat in [seat for seat in self._handed if seat[0] == conversation_id]:
            self._drop(seat)

    def _drop(self, seat: tuple[str, str]) -> None:
        turn = self._handed.pop(seat, None)
        if turn is not None:
            try:
                turn.opening.abandon()  # its span ends, never entered
            finally:
                turn.admitted.__exit__(None, None, None)

    def known(self, state: ConversationState) -> ConversationState:
        """The freshest state of ``state``'s conversation seen here (``state`` if none is
        fresher)."""
        latest = self._latest.get(state.conversation_id)
        return latest if latest is not None and latest.sequence > state.sequence else state

    def learn(self, state: ConversationState) -> None:
        """Remember ``state`` (a fold of stored events) for the other seats playing it."""
        conversation_id = state.conversation_id
        if self._players[conversation_id]:
            latest = self._latest.get(conversation_id)
            if latest is None or latest.sequence < state.sequence:
                self._latest[conversation_id] = state

    def memo(self, conversation_id: str) -> WindowMemo:
        """The views of the texts the conversation is judged on (see ``text_memo``): kept while
        a seat of this process plays it, a fresh one (kept nowhere) otherwise."""
        memo = self._memos.get(conversation_id)
        if memo is None:
            memo = WindowMemo()
            if self._players[conversation_id]:
                self._memos[conversation_id] = memo
        return memo

    def appending(self, conversation_id: str) -> contextlib.AbstractContextManager[None]:
        """A seat appends to ``conversation_id`` for the duration (noted only when another
        seat of this process plays it too, and for the first of appends in flight together)."""
        if self._players[conversation_id] < 2 or conversation_id in self._appending:
            return _UNNOTED
        return _Appending(self._appending, conversation_id)

    def is_appending(self, conversation_id: str) -> bool:
        """Whether a seat of this process has an append in flight on the conversation (most
        wake-ups find none: then ``settled`` need not be awaited at all)."""
        return conversation_id in self._appending

    async def settled(self, conversation_id: str) -> None:
        """Until the append a seat of this process has in flight on the conversation (if any)
        has settled (written or not)."""
        appending = self._appending.get(conversation_id)
        if appending is not None:
            await appending.waiter()


_UNNOTED = contextlib.nullcontext()


class _Appending:
    """The note of one append in flight (a plain class: this is entered twice a turn).

    Each seat waiting for it gets a future of its own (``waiter``), awaited directly: cheaper
    than ``asyncio.wait`` on a shared one (no callbacks, no extra step of the loop), and a
    waiter cancelled cancels only its own future.
    """

    __slots__ = ("_appending", "_conversation_id", "_waiters")

    def __init__(self, appending: dict[str, _Appending], conversation_id: str) -> None:
        self._appending = appending
        self._conversation_id = conversation_id
        self._waiters: list[asyncio.Future[None]] = []

    def waiter(self) -> asyncio.Future[None]:
        """A future resolved when the append settles."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return waiter

    def __enter__(self) -> None:
        self._appending[self._conversation_id] = self

    def __exit__(self, *exc_info: object) -> None:
        del self._appending[self._conversation_id]
        for waiter in self._waiters:
            if not waiter.done():  # a cancelled waiter's future is done already
                waiter.set_result(None)
