"""What the conductor reports as it works, for metrics, traces and logs to hang off.

The platform depends only on this protocol; ``aiconv.observability`` implements it. The null
observer costs nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from aiconv.platform.conversation import ConversationState, Message


class TurnOpening(Protocol):
    """A turn opened ahead of its claim (``ConductorObserver.open_turn``): the trace context
    its claim carries; the observer keeps what else it needs inside."""

    @property
    def trace_context(self) -> Mapping[str, str]:
        """What the turn's ``TurnClaimed`` stores (its W3C ``traceparent``)."""
        ...

    def abandon(self) -> None:
        """The turn was never taken here (its claim did not land, or its seat left first):
        close what was opened for it. Must never raise."""
        ...


class ConductorObserver(Protocol):
    """Hooks the conductor calls; each must be cheap and must never raise."""

    def conversation_started(self, state: ConversationState) -> None:
        """This process began running a conversation: it created it to run it, or took the
        first turn of a detached one (one instance in the fleet counts each)."""
        ...

    def open_turn(self, state: ConversationState, speaker: str) -> TurnOpening:
        """Open ``speaker``'s next turn now, for a claim appended ahead of it (with the message
        before it, when the speaker plays in this process); ``turn`` is then given it."""
        ...

    def turn(
        self,
        state: ConversationState,
        speaker: str,
        parent: Mapping[str, str],
        opening: TurnOpening | None = None,
    ) -> contextlib.AbstractContextManager[dict[str, str]]:
        """Wrap one turn (the one ``opening`` opened, if given); yields the trace context to
        store in ``TurnClaimed``."""
        ...

    def turn_claimed(self, state: ConversationState, speaker: str, handoff_s: float) -> None:
        """``speaker`` won the claim ``handoff_s`` after the previous message was posted."""
        ...

    def tool_call(
        self, state: ConversationState, speaker: str, tool: str, call_id: str
    ) -> contextlib.AbstractContextManager[dict[str, object]]:
        """Wrap one tool call; the conductor puts ``outcome`` and ``is_error`` in the dict."""
        ...

    def message_posted(self, state: ConversationState, message: Message, turn_s: float) -> None:
        """A message was appended; ``turn_s`` is the whole turn's wall time."""
        ...

    def conflict(self, state: ConversationState) -> None:
        """An append lost a race (``SequenceConflict``)."""
        ...

    def conversation_ended(self, state: ConversationState) -> None:
        """This process appended ``ConversationEnded``."""
        ...

    def playing(self, conversation_id: str) -> contextlib.AbstractContextManager[None]:
        """Wraps ``Conductor.play``: this process runs a participant of the conversation."""
        ...


class NullObserver(ConductorObserver):
    """Observes nothing."""

    def conversation_started(self, state: ConversationState) -> None:
        """Nothing."""

    def open_turn(self, state: ConversationState, speaker: str) -> TurnOpening:
        """Nothing (an empty trace context)."""
        return _NO_OPENING

    def turn(
        self,
        state: ConversationState,
        speaker: str,
        parent: Mapping[str, str],
        opening: TurnOpening | None = None,
    ) -> contextlib.AbstractContextManager[dict[str, str]]:
        """Nothing (an empty trace context)."""
        return contextlib.nullcontext({})

    def turn_claimed(self, state: ConversationState, speaker: str, handoff_s: float) -> None:
        """Nothing."""

    def tool_call(
        self, state: ConversationState, speaker: str, tool: str, call_id: str
    ) -> contextlib.AbstractContextManager[dict[str, object]]:
        """Nothing (a dict the conductor fills in for no one)."""
        return contextlib.nullcontext({})

    def message_posted(self, state: ConversationState, message: Message, turn_s: float) -> None:
        """Nothing."""

    def conflict(self, state: ConversationState) -> None:
        """Nothing."""

    def conversation_ended(self, state: ConversationState) -> None:
        """Nothing."""

    def playing(self, conversation_id: str) -> contextlib.AbstractContextManager[None]:
        """Nothing."""
        return contextlib.nullcontext()


@dataclass(frozen=True, slots=True)
class _NoOpening:
    trace_context: Mapping[str, str]

    def abandon(self) -> None:
        """Nothing was opened."""


_EMPTY: Mapping[str, str] = MappingProxyType({})
_NO_OPENING = _NoOpening(_EMPTY)

NULL_OBSERVER = NullObserver()
