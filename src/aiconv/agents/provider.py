"""The provider port: one narrow seam per vendor (``complete``), plus optional streaming, and
``ForwardingProvider``, the base of every wrapper around a provider.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.errors import MissingApiKey

#: Called with each chunk of text as it arrives from a streaming provider.
DeltaCallback = Callable[[str], None]


def key_alone(key: str, what: str) -> str:
    """``key``; MissingApiKey (``what`` names where it came from) when it is blank or holds a
    space, line break, control or non-ASCII character such as a zero-width space or a curly
    quote (a paste gone wrong; a header cannot carry it): no vendor key does, and the
    call would only fail after every retry, or put the line break into a request header (an
    empty one makes ``Bearer `` , which httpx refuses as a connection error). The message never
    repeats the key."""
    pasted = not (key.isascii() and key.isprintable()) or any(char.isspace() for char in key)
    if not key.strip() or pasted:
        problem = (
            "is blank"
            if not key.strip()
            else "holds spaces, line breaks, control or non-ASCII characters"
        )
        raise MissingApiKey(f"{what} {problem}: set it to the key alone")
    return key


@runtime_checkable
class ChatProvider(Protocol):
    """A model that answers a ``ChatRequest``.

    ``name`` is the vendor (``anthropic``, ``openai``, ``mock`` …) used for metrics, breakers and
    limits; ``model`` is the default model id. ``complete`` raises ``aiconv.errors.ProviderError``
    subclasses, never a vendor's own exception, and returns a reply whose ``provider`` is
    ``name``. When ``on_delta`` is given and the vendor streams, the provider calls it with each
    text chunk and still returns the whole reply.
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


@runtime_checkable
class HasEndpoint(Protocol):
    """A provider that talks to a server: ``endpoint`` is its base URL (for
    ``server.address`` / ``server.port`` on spans). Offline providers have none."""

    endpoint: str


class ForwardingProvider(ChatProvider):
    """A provider wrapped around ``inner``: ``name``, ``model``, ``complete`` and ``aclose`` are
    the inner provider's; a wrapper overrides only what it adds to.
    """

    def __init__(self, inner: ChatProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The inner provider's reply."""
        return await self.inner.complete(request, on_delta=on_delta)

    async def aclose(self) -> None:
        """Close the inner provider."""
        await self.inner.aclose()
