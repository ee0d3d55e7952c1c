"""A reply that asks for tools can come from the response cache too: the round's ``ToolCalled``
says so (``cached``, ``saved_usd``), and a report counts it among the hits and the dollars saved,
so a rerun of a tool-using suite costs as much "without the cache" as the run that paid."""

from __future__ import annotations

from pathlib import Path

import pytest

import aiconv
from aiconv.agents.cache import CachedProvider
from aiconv.agents.cache_stores import MemoryCache
from aiconv.agents.messages import ChatReply, ChatRequest, ToolCall, Usage
from aiconv.simulation.rows import row_of
from aiconv.testing.providers import FunctionProvider, ScriptedProvider

TOOLS = '''
def open_ticket(summary: str) -> str:
    """Open a support ticket.

    Args:
        summary: What the ticket is about.
    """
    return "ticket T-1 opened"
'''


def _support(calls: list[str]) -> FunctionProvider:
    """A priced agent: a tool round (0.25 $), then its message once the tool answered (0.5 $)."""

    def answer(request: ChatRequest) -> ChatReply:
        calls.append(request.messages[-1].role)
        if request.messages[-1].tool_results:
            return ChatReply(content="Ticket T-1 is open.", model="m-1", cost_usd=0.5)
        call = ToolCall(id="c1", name="open_ticket", arguments={"summary": "lost card"})
        usage = Usage(input_tokens=10, output_tokens=5)
        return ChatReply(content="", model="m-1", usage=usage, cost_usd=0.25, tool_calls=(call,))

    return FunctionProvider(answer, name="openai", model="m-1")


async def test_a_cached_tool_round_is_a_hit_with_what_it_saved(tmp_path: Path) -> None:
    tools = tmp_path / "desk.py"
    tools.write_text(TOOLS)
    calls: list[str] = []
    cache = MemoryCache()
    states = []
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        for _ in range(2):
            support = CachedProvider(_support(calls), cache, mode="use")
            result = await aiconv.run_conversation(
                log,
                participants=[
                    aiconv.Participant(
                        "customer", "mock", provider=ScriptedProvider(["I lost my card."])
                    ),
                    aiconv.Participant("support", "mock", provider=support, tools=[str(tools)]),
                ],
                topic="Lost card",
                max_turns=2,
                seed=3,
            )
            states.append(result.state)
    assert len(calls) == 2  # the first conversation called the agent twice; the second, never
    paid, rerun = (row_of(state) for state in states)
    assert (paid.cost_usd, paid.cached_messages, paid.saved_usd) == (0.75, 0, 0.0)
    called = states[1].tools[0].called
    assert (called.cached, called.saved_usd, called.cost_usd) == (True, 0.25, 0.0)
    assert rerun.cost_usd == 0.0
    assert rerun.cached_messages == 2  # the tool round's model call and the message
    assert rerun.saved_usd == pytest.approx(0.75)
    assert rerun.list_cost_usd == pytest.approx(paid.list_cost_usd)
