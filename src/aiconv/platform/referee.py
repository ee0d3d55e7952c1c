"""The referee: after each message, which extra events to record and whether to stop (pure).

It combines the stop rules (``termination``), loop detection (``loops``) and closing detection
(``closing``) under the policies the conversation was started with.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiconv.platform import termination
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import Event
from aiconv.platform.termination import StopReason


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """Events to append with the message, and the reason to stop (if any)."""

    events: tuple[Event, ...] = ()
    stop: StopReason | None = None


def judge(state: ConversationState, now: float) -> Verdict:
    """The verdict on ``state``, whose last message was just posted."""
    return Verdict(stop=termination.check(state, now))
