"""Simulated time: when each message would have been sent by a person who thinks and types.

In ``fast`` mode nothing sleeps: ``SimulatedTime`` is a conductor ``stamp`` that sets
``MessagePosted.simulated_at`` to the previous message's simulated time plus the sender's
thinking and typing delay (seeded, so every process computes the same times). In ``real`` mode
``RealTimeProvider`` actually waits that delay before answering, and the stamp is the clock.
Paces are looked up by the sender's persona; participants without one (e.g. the agent under
test) take their measured latency.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace

from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ConversationStarted, MessagePosted, PluginRef
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock


@dataclass(frozen=True, slots=True, kw_only=True)
class Pace:
    """How fast someone answers: thinking time, typing speed, and ± jitter (a share)."""

    thinking_s: float = 0.0
    typing_cps: float = 0.0
    jitter: float = 0.3

    def delay(self, content: str, rng: random.Random) -> float:
        """Seconds from reading the last message to sending ``content``."""
        typing = len(content) / self.typing_cps if self.typing_cps > 0 else 0.0
        spread = 1.0 + rng.uniform(-self.jitter, self.jitter)
        return max(0.0, (self.thinking_s + typing) * spread)


def message_delay(
    paces: Mapping[str, Pace], seed: str, sequence: int, sender: str, content: str, latency: float
) -> float:
    """The simulated delay of one message (its latency when the sender has no pace)."""
    pace = paces.get(sender)
    if pace is None:
        return latency
    return pace.delay(content, random.Random(f"{seed}|{sequence}|{sender}"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatedTime:
    """A conductor ``stamp`` that sets ``simulated_at`` without sleeping (pure).

    ``paces`` maps persona names to paces.
    """

    paces: Mapping[str, Pace] = field(default_factory=dict)
    mode: str = "fast"
    clock: Clock = SYSTEM_CLOCK

    def __call__(self, state: ConversationState, message: MessagePosted) -> MessagePosted:
        """``message`` stamped with its simulated time."""
        if self.mode == "real":
            return replace(message, simulated_at=self.clock.now())
        seed = f"{state.started.seed if state.started else ''}|{state.conversation_id}"
        paces = {
            p.name: self.paces[p.persona]
            for p in state.participants
            if p.persona is not None and p.persona in self.paces
        }
        at = state.started_at
        for earlier in state.messages:
            if not earlier.moderator:
                at += message_delay(
                    paces,
                    seed,
                    earlier.sequence,
                    earlier.sender,
                    earlier.content,
                    earlier.latency_s,
                )
        at += message_delay(
            paces,
            seed,
            state.sequence + 1,
            message.sender,
            message.content,
            message.latency_s,
        )
        return replace(message, simulated_at=round(at, 3))


class RealTimeProvider(ForwardingProvider):
    """Waits the thinking and typing delay of the request's persona, then answers (``real``)."""

    def __init__(
        self, inner: ChatProvider, paces: Mapping[str, Pace], *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        super().__init__(inner)
        self.paces = paces
        self.clock = clock

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The inner reply, after the delay a person would take to write it."""
        reply = await self.inner.complete(request, on_delta=on_delta)
        pace = self.paces.get(str(request.context.get("persona") or ""))
        if pace is None:
            return reply
        rng = random.Random(
            f"{request.context.get('conversation_id')}|{request.context.get('turn')}"
        )
        await self.clock.sleep(max(0.0, pace.delay(reply.content, rng) - reply.latency_s))
        return reply


#: The name of the stamp below among the ``aiconv.stamps`` plugins.
SIMULATED_TIME_STAMP = "simulated_time"


def time_stamp(paces: Mapping[str, Pace], mode: str) -> PluginRef:
    """What a conversation records so that any process stamps its messages alike."""
    return PluginRef(
        name=SIMULATED_TIME_STAMP,
        config={"time": mode, "paces": {name: asdict(p) for name, p in paces.items()}},
    )


def simulated_time(started: ConversationStarted) -> SimulatedTime:
    """The stamp of a simulated conversation (the ``simulated_time`` entry point of
    ``aiconv.stamps``), rebuilt from what it was started with."""
    assert started.stamp is not None
    recorded = started.stamp.config.get("paces") or {}
    paces = {name: Pace(**values) for name, values in recorded.items()}
    return SimulatedTime(paces=paces, mode=str(started.stamp.config.get("time", "fast")))
