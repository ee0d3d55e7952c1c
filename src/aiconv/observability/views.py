"""What the observer reads of the platform's values, as structural protocols.

``aiconv.observability`` sits below ``aiconv.platform`` and may not import it; these protocols
name the few attributes the telemetry observer reads, and ``ConversationState``, ``Message`` and
the events satisfy them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class ParticipantView(Protocol):
    """What the observer reads of a participant."""

    @property
    def name(self) -> str: ...
    @property
    def agent(self) -> str: ...


class EndedView(Protocol):
    """What the observer reads of ``ConversationEnded``."""

    @property
    def reason(self) -> str: ...


class LoopView(Protocol):
    """What the observer reads of ``LoopDetected``."""

    @property
    def loop_kind(self) -> str: ...
    @property
    def sequences(self) -> tuple[int, ...]: ...


class MessageView(Protocol):
    """What the observer reads of a posted message."""

    @property
    def sequence(self) -> int: ...
    @property
    def sender(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def truncated(self) -> bool: ...
    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cost_usd(self) -> float | None: ...


class StateView(Protocol):
    """What the observer reads of ``ConversationState``."""

    @property
    def conversation_id(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def started_at(self) -> float: ...
    @property
    def turns(self) -> int: ...
    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cost_usd(self) -> float: ...
    @property
    def ended(self) -> EndedView | None: ...
    @property
    def loops(self) -> Sequence[LoopView]: ...
    @property
    def participants(self) -> Sequence[ParticipantView]: ...
