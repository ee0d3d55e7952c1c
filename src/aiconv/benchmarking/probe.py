"""The measuring observer and the standard workload: two ``mock`` participants talking.

``TurnProbe`` hangs off the conductor's own measurement points: ``turn_claimed`` (hand-off:
previous message stored -> this claim stored) and ``message_posted`` (the turn's wall time, from
which the provider's recorded latency is subtracted to get the platform's overhead).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from aiconv.agents.providers.offline import MockOptions, MockProvider
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState, Message
from aiconv.platform.events import ParticipantSpec, StopConfig
from aiconv.platform.observer import NullObserver

TOPIC = "Is a hot dog a sandwich?"
SEATS = ("alice", "bob")
#: A seed for each conversation of the process, so that no two say the same words: as in real
#: traffic, each message is a text the detectors have not seen (when all conversations said the
#: same words, their caches answered for a thousand conversations at once, which no real
#: workload does: CPU a turn 0.22 ms instead of 0.65 ms at the time, 1,000 in memory).
_SEEDS = itertools.count(1)


@dataclass(slots=True)
class TurnProbe(NullObserver):
    """Collects hand-offs, overheads and turn times (seconds) as the conductor reports them."""

    handoffs: list[float] = field(default_factory=list)
    overheads: list[float] = field(default_factory=list)
    turns: list[float] = field(default_factory=list)
    posted: int = 0

    def turn_claimed(self, state: ConversationState, speaker: str, handoff_s: float) -> None:
        """Record the hand-off (only for claims that follow a message)."""
        if state.messages:
            self.handoffs.append(handoff_s)

    def message_posted(self, state: ConversationState, message: Message, turn_s: float) -> None:
        """Record the turn and its platform overhead (turn minus provider time)."""
        self.posted += 1
        self.turns.append(turn_s)
        self.overheads.append(max(0.0, turn_s - message.latency_s))

    def reset(self) -> None:
        """Forget everything recorded so far (after a warm-up)."""
        self.handoffs.clear()
        self.overheads.clear()
        self.turns.clear()
        self.posted = 0


def mock_provider(latency_s: float = 0.0) -> MockProvider:
    """``mock:latency=<latency_s>,turns=0``: never ends by itself."""
    return MockProvider(MockOptions(turns=0, latency=(latency_s, latency_s)))


async def new_conversation(conductor: Conductor, max_turns: int, *, detached: bool = False) -> str:
    """A fresh two-participant conversation on the mock agent, with its own seed; its id."""
    participants = [ParticipantSpec(name=name, agent="mock", model="mock-chat") for name in SEATS]
    state = await session.create(
        conductor,
        topic=TOPIC,
        participants=participants,
        stop=StopConfig(max_turns=max_turns),
        seed=next(_SEEDS),
        detached=detached,
    )
    return state.conversation_id


async def converse(conductor: Conductor, max_turns: int, latency_s: float = 0.0) -> int:
    """Create one conversation and run both seats to the end in this process; turns taken."""
    conversation_id = await new_conversation(conductor, max_turns)
    provider = mock_provider(latency_s)
    final = await session.play_all(conductor, conversation_id, dict.fromkeys(SEATS, provider))
    return final.turns
