"""Shipped test providers: ``ScriptedProvider`` (fixed replies or errors, in order),
``FunctionProvider`` (a function decides) and ``RecordingProvider`` (any real provider, every
request kept). They record every request they get.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterable

from aiconv.agents.messages import ChatReply, ChatRequest, Usage
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider
from aiconv.errors import ProviderError

Step = str | ChatReply | ProviderError


class ScriptedProvider(ChatProvider):
    """Answers with ``steps`` in order: a string, a full ``ChatReply``, or an error to raise.

    When the steps run out it answers ``then`` if given, else repeats the last string step,
    else raises ``ProviderError``.
    """

    def __init__(
        self,
        steps: Iterable[Step],
        *,
        name: str = "scripted",
        model: str = "scripted-1",
        delay: float = 0.0,
        then: Step | None = None,
    ) -> None:
        self.steps = list(steps)
        self.name = name
        self.model = model
        self.delay = delay
        self.then = then
        self.requests: list[ChatRequest] = []
        self._last_text: str | None = None

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The next step."""
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        step = self.steps.pop(0) if self.steps else (self.then or self._last_text)
        if isinstance(step, str):
            self._last_text = step
        if step is None:
            raise ProviderError(f"{self.name}: script exhausted", provider=self.name)
        if isinstance(step, ProviderError):
            raise step
        reply = step if isinstance(step, ChatReply) else _reply(step, self.model)
        if on_delta is not None:
            on_delta(reply.content)
        return reply

    async def aclose(self) -> None:
        """Nothing to release."""


class FunctionProvider(ChatProvider):
    """Answers with whatever ``function(request)`` returns (a string or a ``ChatReply``)."""

    def __init__(
        self,
        function: Callable[[ChatRequest], str | ChatReply | Awaitable[str | ChatReply]],
        *,
        name: str = "function",
        model: str = "function-1",
    ) -> None:
        self.function = function
        self.name = name
        self.model = model
        self.requests: list[ChatRequest] = []

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The function's answer."""
        self.requests.append(request)
        result = self.function(request)
        if isinstance(result, Awaitable):
            result = await result
        reply = result if isinstance(result, ChatReply) else _reply(result, self.model)
        if on_delta is not None:
            on_delta(reply.content)
        return reply

    async def aclose(self) -> None:
        """Nothing to release."""


class RecordingProvider(ForwardingProvider):
    """A real provider whose every request is kept in ``requests`` (e.g. to check that hidden
    information never reached an agent)."""

    def __init__(self, inner: ChatProvider) -> None:
        super().__init__(inner)
        self.requests: list[ChatRequest] = []

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The inner provider's reply, the request kept."""
        self.requests.append(request)
        return await self.inner.complete(request, on_delta=on_delta)


def _reply(text: str, model: str) -> ChatReply:
    return ChatReply(
        content=text,
        model=model,
        usage=Usage(input_tokens=10, output_tokens=max(1, len(text) // 4)),
        cost_usd=0.0,
    )


_WORDS = (
    "amber basil canyon dolphin ember falcon garnet harbor iris juniper kettle lantern meadow "
    "nectar orchard pebble quartz raven saffron thistle umber velvet willow xylophone yarrow "
    "zephyr anchor bramble cobalt drift estuary fjord glacier heron indigo jasper kelp lagoon "
    "marble nimbus opal prairie quiver ripple sequoia tundra upland vapor wharf yonder zinnia "
    "acorn beacon cinder dune eclipse fern grotto hollow islet jetty knoll lichen mesa nook "
    "oasis pylon quarry reef summit timber vista walnut apricot bison cedar delta elm fable "
    "gondola hazel ivory jungle koala lotus mango nutmeg olive papaya quince rhubarb sorrel "
    "tamarind vanilla wasabi barley clove dill endive fennel ginger hops kale leek millet oat "
    "parsley radish sage thyme turnip yam zucchini"
)
_VOCABULARY = _WORDS.split()


def varied_text(n: int, words: int = 9) -> str:
    """A sentence for message ``n`` that shares almost no words with any other ``n``.

    Test providers use it so that loop and closing detection never fire by accident.
    """
    rng = random.Random(n)
    return f"Note {n}: " + " ".join(rng.sample(_VOCABULARY, words)) + "."
