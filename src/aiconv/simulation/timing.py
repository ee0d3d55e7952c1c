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
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ConversationStarted, MessagePosted, PluginRef
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock


@dataclass(frozen=True, slots=True, kw_only=True)
class Pace:
    """How fast someone answers: thinking time, typing speed, and ± jitter (a share).

    ``delays`` and ``follow_ups``, when given, are evenly spaced quantiles of measured delays
    (learned from real conversations): a reply's delay is drawn from ``delays``, a message
    right after one's own (a double text) from ``follow_ups``, instead of the formula.
    """

    thinking_s: float = 0.0
    typing_cps: float = 0.0
    jitter: float = 0.3
    delays: tuple[float, ...] = ()
    follow_ups: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        # recorded paces come back from JSON with lists
        object.__setattr__(self, "delays", tuple(self.delays))
        object.__setattr__(self, "follow_ups", tuple(self.follow_ups))

    def delay(self, content: str, rng: random.Random, *, follow_up: bool = False) -> float:
        """Seconds from reading the last message (or sending one's own) to sending ``content``."""
        measured = self.follow_ups if follow_up and self.follow_ups else self.delays
        if measured:
            return sample_quantiles(measured, rng.random())
        typing = len(content) / self.typing_cps if self.typing_cps > 0 else 0.0
        spread = 1.0 + rng.uniform(-self.jitter, self.jitter)
        return max(0.0, (self.thinking_s + typing) * spread)


def sample_quantiles(quantiles: Sequence[float], u: float) -> float:
    """The value at probability ``u`` of evenly spaced ``quantiles`` (linear in between): an
    inverse-transform draw from an empirical distribution."""
    if not quantiles:
        return 0.0
    if len(quantiles) == 1:
        return float(quantiles[0])
    position = min(max(u, 0.0), 1.0) * (len(quantiles) - 1)
    low = min(int(position), len(quantiles) - 2)
    share = position - low
    return float(quantiles[low] + (quantiles[low + 1] - quantiles[low]) * share)


def message_delay(
    paces: Mapping[str, Pace],
    seed: str,
    sequence: int,
    sender: str,
    content: str,
    latency: float,
    *,
    follow_up: bool = False,
) -> float:
    """The simulated delay of one message (its latency when the sender has no pace)."""
    pace = paces.get(sender)
    if pace is None:
        return latency
    rng = random.Random(f"{seed}|{sequence}|{sender}")
    return pace.delay(content, rng, follow_up=follow_up)


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
        previous: str | None = None
        for earlier in state.messages:
            if not earlier.moderator:
                at += message_delay(
                    paces,
                    seed,
                    earlier.sequence,
                    earlier.sender,
                    earlier.content,
                    earlier.latency_s,
                    follow_up=earlier.sender == previous,
                )
                previous = earlier.sender
        at += message_delay(
            paces,
            seed,
            state.sequence + 1,
            message.sender,
            message.content,
            message.latency_s,
            follow_up=message.sender == previous,
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
        own_last = bool(request.messages) and request.messages[-1].role == "assistant"
        delay = pace.delay(reply.content, rng, follow_up=own_last)
        await self.clock.sleep(max(0.0, delay - reply.latency_s))
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
