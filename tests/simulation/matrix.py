"""A 4 × 5 scenario whose outcome per conversation is known in advance, and its providers.

Personas have no double-texting so turn counts are exact. The agent under test answers by a
table from conversation id to outcome: ``resolved`` (says "refunded" and ends), ``escalated``
(says "supervisor" and ends) or ``abandoned`` (stalls with distinct lines until max_turns: 4
messages).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aiconv.agents.messages import ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.simulation.casting import conversation_id
from aiconv.simulation.scenario import Scenario, Seat, load_scenario
from aiconv.testing.providers import FunctionProvider

PERSONAS = ("calm", "angry", "slow", "quick")
INTENTS = ("refund", "cancel", "upgrade", "address", "invoice")

SCENARIO = """\
name = "known"
repeat = 10
seed = 3
{personas}
{extra}

[limits]
max_turns = 4

[agent]
name = "support"
agent = "function"

[customer]
agent = "function"

{intents}

[[outcomes]]
slug = "resolved"
success = true

[[outcomes]]
slug = "escalated"

[[outcomes]]
slug = "abandoned"

[evaluator]
default = "abandoned"

[[evaluator.rules]]
outcome = "escalated"
keywords = ["supervisor"]
sender = "support"

[[evaluator.rules]]
outcome = "resolved"
keywords = ["refunded"]
sender = "support"
"""


def scenario_text(extra: str = "", repeat: int = 10) -> str:
    """The scenario file text."""
    personas = (
        "personas = [" + ", ".join(f'{{ name = "{p}", interrupts = 0.0 }}' for p in PERSONAS) + "]"
    )
    intents = "\n".join(
        f'[[intents]]\nname = "{i}"\ndescription = "Help me with my {i}"\n' for i in INTENTS
    )
    text = SCENARIO.format(extra=extra, personas=personas, intents=intents)
    return text.replace("repeat = 10", f"repeat = {repeat}")


def write_scenario(directory: Path, extra: str = "", repeat: int = 10) -> Path:
    """Write the scenario to ``directory/scenario.toml``."""
    path = directory / "scenario.toml"
    path.write_text(scenario_text(extra, repeat), encoding="utf-8")
    return path


def expected_outcome(persona: str, repetition: int) -> str:
    """angry -> escalated; slow -> resolved only in repetition 0; others -> resolved."""
    if persona == "angry":
        return "escalated"
    if persona == "slow" and repetition > 0:
        return "abandoned"
    return "resolved"


def outcome_table(scenario: Scenario, run_id: str, repeat: int) -> dict[str, str]:
    """Conversation id -> the outcome the agent will produce."""
    return {
        conversation_id(run_id, cell, rep): expected_outcome(cell.persona.name, rep)
        for cell in scenario.cells()
        for rep in range(repeat)
    }


REPLIES = {
    "resolved": "Your money is refunded.\n<END>",
    "escalated": "Let me get my supervisor.\n<END>",
}
#: Distinct lines so that neither loop nor closing detection ends an abandoned conversation.
STALLING = (
    "Which store did you buy it from?",
    "Our systems are slow today, one moment please.",
    "Could you spell your surname for me?",
)
CUSTOMER = (
    "I am {persona} and need: {topic}",
    "My order number is 12345, bought last Tuesday.",
    "Can you check again with the warehouse?",
)


def own_turn(request: ChatRequest) -> int:
    """How many messages the speaker has already posted."""
    return sum(1 for m in request.messages if m.role == "assistant")


def customer_reply(request: ChatRequest) -> str:
    """The customer says who it is and what it wants, then adds details."""
    line = CUSTOMER[own_turn(request) % len(CUSTOMER)]
    return line.format(persona=request.context.get("persona"), topic=request.context.get("topic"))


def factory(table: dict[str, str]) -> Callable[[Seat], ChatProvider]:
    """Providers for the scenario's seats, the agent answering by ``table``."""

    def agent_reply(request: ChatRequest) -> str:
        outcome = table[str(request.context["conversation_id"])]
        if outcome == "abandoned":
            return STALLING[own_turn(request) % len(STALLING)]
        return REPLIES[outcome]

    def build(seat: Seat) -> ChatProvider:
        function = agent_reply if seat.role == "agent" else customer_reply
        return FunctionProvider(function, name=seat.name)

    return build


def load(directory: Path, extra: str = "", repeat: int = 10) -> Scenario:
    """Write and load the scenario."""
    return load_scenario(write_scenario(directory, extra, repeat))
