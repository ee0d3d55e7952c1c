"""The provider port: one narrow seam per vendor (``complete``), plus optional streaming."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from aiconv.agents.messages import ChatReply, ChatRequest

#: Called with each chunk of text as it arrives from a streaming provider.
DeltaCallback = Callable[[str], None]


@runtime_checkable
class ChatProvider(Protocol):
    """A model that answers a ``ChatRequest``.

    ``name`` is the vendor (``anthropic``, ``openai``, ``mock`` …) used for metrics, breakers and
    limits; ``model`` is the default model id. ``complete`` raises ``aiconv.errors.ProviderError``
    subclasses, never a vendor's own exception. When ``on_delta`` is given and the vendor streams,
    the provider calls it with each text chunk and still returns the whole reply.
    """

    name: str
    model: str

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The next message for ``request``."""
        ...

    async def aclose(self) -> None:
        """Release HTTP clients and other resources."""
        ...
