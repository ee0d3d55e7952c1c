"""``SeatStates``: what the seats of one process playing the same conversation share.

Any state of a conversation at a given sequence is the same fold of the same events, so a seat
may continue from the state another seat of its process appended or read instead of reading,
decoding and folding those events again (a conversation served by one ``aic worker`` or
``aic-start`` reads each event once, not once per seat). Only states folded from stored events
are shared, never a provisional one; a conversation is forgotten when its last seat leaves.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Iterator

from aiconv.platform.conversation import ConversationState


class SeatStates:
    """The freshest state of each conversation some seat of this process is playing."""

    def __init__(self) -> None:
        self._latest: dict[str, ConversationState] = {}
        self._players: collections.Counter[str] = collections.Counter()

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
