"""The live counts of a batch run and the observer that keeps its cost up to date."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiconv.platform.conversation import ConversationState, Message
from aiconv.platform.observer import ConductorObserver


@dataclass(slots=True, kw_only=True)
class Tally:
    """Live counts of a batch (mutable on purpose: the progress display reads it)."""

    total: int
    done: int = 0
    skipped: int = 0
    running: int = 0
    failed: int = 0
    cost_usd: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def remaining(self) -> int:
        """Conversations neither done nor failed."""
        return self.total - self.done - self.failed


class CostObserver:
    """Adds each message's cost to the tally; forwards every hook (any the port grows) to
    ``inner``, e.g. the telemetry observer."""

    def __init__(self, tally: Tally, changed: Callable[[], None], inner: ConductorObserver) -> None:
        self.tally = tally
        self.changed = changed
        self.inner = inner

    def message_posted(self, state: ConversationState, message: Message, turn_s: float) -> None:
        self.inner.message_posted(state, message, turn_s)
        self.tally.cost_usd += message.cost_usd or 0.0
        self.changed()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
