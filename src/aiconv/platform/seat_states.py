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
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Iterator

from aiconv.platform.conversation import ConversationState


class SeatStates:
    """The freshest state of each conversation some seat of this process is playing."""

    def __init__(self) -> None:
        self._latest: dict[str, ConversationState] = {}
        self._players: collections.Counter[str] = collections.Counter()
        self._appending: dict[str, _Appending] = {}

    @contextlib.contextmanager
    def playing(self, conversation_id: str) -> Iterator[None]:
        """A seat plays ``conversation_id`` for the duration."""
        self._players[conversation_id] += 1
        try:
            yield
        finally:
            self._players[conversation_id] -= 1
            if not self._players[conversation_id]:
                del self._players[conversation_id]
                self._latest.pop(conversation_id, None)

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
