"""The human seat: a participant whose turns a person takes (``--agent1 human``).

``HumanProvider`` is a provider like any other to the conductor: it is asked for the next
message and answers with what the person typed. It waits on a ``HumanInput`` (the terminal's
prompt, or an ``Inbox`` the HTTP API fills) without blocking the event loop, for as long as the
person needs: no timeout, retry or breaker applies to a person (``unguarded`` takes the wrappers
off). When the person leaves the seat (Ctrl+D, or the API's ``leave``) the reply asks the
conductor to end the conversation with the recorded reason ``left_seat``.

Built through the registry like every agent (the ``aiconv.providers`` entry point ``human``);
the factory leaves the input unattached: the command that has a terminal, or the web app that
has the API, attaches one, and a seat left without one fails with a one-line error.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider
from aiconv.agents.registry import AgentSpec, Vendor
from aiconv.errors import ConfigError

#: The end reason recorded when the person leaves the seat.
LEFT_SEAT = "left_seat"
#: The two ways a person can take a seat.
WAYS = (
    "run aic-start in a terminal, or talk over the HTTP API "
    "(AIC_API_TOKEN=… aic serve, then POST /api/conversations)"
)
#: The error of a human seat that has no way to reach a person.
NO_INPUT = f"agent 'human' needs a person and stdin is not a terminal: {WAYS}"


class HumanInput(Protocol):
    """Where a person's messages come from."""

    async def next_message(self, request: ChatRequest) -> str | None:
        """The person's next message for ``request`` (its history is what they have seen so
        far); None when they leave the seat."""
        ...


class HumanProvider(ChatProvider):
    """A participant played by a person through ``source``."""

    name = "human"

    def __init__(self, source: HumanInput | None = None, *, model: str = "person") -> None:
        self.source = source
        self.model = model

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """What the person says next (an empty reply with ``stop`` when they leave)."""
        if self.source is None:
            raise ConfigError(NO_INPUT)
        text = await self.source.next_message(request)
        if text is None:
            return ChatReply(content="", model=self.model, provider=self.name, stop=LEFT_SEAT)
        # a person's words cost no API money: a known zero keeps the conversation's cost known
        return ChatReply(content=text, model=self.model, provider=self.name, cost_usd=0.0)

    async def aclose(self) -> None:
        """Nothing to release."""


class Inbox(HumanInput):
    """Messages handed over one at a time (by the HTTP API): at most one waits to be taken."""

    def __init__(self) -> None:
        self._waiting: asyncio.Queue[str | None] = asyncio.Queue(maxsize=1)

    def offer(self, text: str | None) -> bool:
        """Hand over the person's next message (None: they leave); False if one is waiting."""
        try:
            self._waiting.put_nowait(text)
        except asyncio.QueueFull:
            return False
        return True

    async def next_message(self, request: ChatRequest) -> str | None:
        """The next message handed over, once there is one."""
        return await self._waiting.get()


def human_of(provider: ChatProvider) -> HumanProvider | None:
    """The ``HumanProvider`` inside ``provider``'s wrappers, if it is one."""
    while isinstance(provider, ForwardingProvider):
        provider = provider.inner
    return provider if isinstance(provider, HumanProvider) else None


def unguarded(provider: ChatProvider) -> ChatProvider:
    """A human seat without its wrappers (a person is no service to time out or retry);
    any other provider as it is."""
    return human_of(provider) or provider


def _human(spec: AgentSpec, key: str | None) -> HumanProvider:
    return HumanProvider(model=spec.model)


HUMAN_VENDORS = (
    Vendor(
        name="human",
        aliases=("person",),
        default_model="person",
        factory=_human,
        offline=True,
        description="a person takes the turns: in the terminal, or over the HTTP API",
    ),
)
