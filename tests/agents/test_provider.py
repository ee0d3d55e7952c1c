"""ForwardingProvider: the base of every provider wrapper forwards the whole port."""

from __future__ import annotations

from aiconv.agents.guarded import GuardedProvider
from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.provider import ForwardingProvider
from aiconv.testing.providers import ScriptedProvider

REQUEST = ChatRequest(model="", system="", messages=(ChatMessage(role="user", content="hi"),))


class Closing(ScriptedProvider):
    closed = 0

    async def aclose(self) -> None:
        self.closed += 1


async def test_a_forwarding_provider_forwards_name_model_complete_and_aclose() -> None:
    inner = Closing(["hello"], name="anthropic", model="claude-x")
    wrapped = ForwardingProvider(inner)
    assert (wrapped.name, wrapped.model) == ("anthropic", "claude-x")
    reply = await wrapped.complete(REQUEST)
    assert reply.content == "hello"
    assert inner.requests == [REQUEST]
    await wrapped.aclose()
    assert inner.closed == 1


async def test_wrappers_stack_and_the_reply_names_the_provider() -> None:
    inner = Closing(["hello"], name="anthropic", model="claude-x")
    wrapped = ForwardingProvider(GuardedProvider(inner))
    reply = await wrapped.complete(REQUEST)
    assert (reply.provider, reply.attempts) == ("anthropic", 1)
    await wrapped.aclose()
    assert inner.closed == 1
