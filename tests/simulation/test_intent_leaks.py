"""Hidden information never leaks on intent scenarios either, whoever speaks first: the agent
under test never reads the customer's persona, its own secret intent or its goal, also when the
agent opens the conversation (an agent-held intent, e.g. an outbound call)."""

from __future__ import annotations

from pathlib import Path

from aiconv.agents.catalog import default_registry
from aiconv.agents.provider import ChatProvider
from aiconv.platform.conductor import Conductor
from aiconv.queues.log import ListQuery
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.scenario import Seat, load_scenario
from aiconv.testing.providers import RecordingProvider

SCENARIO = """
name = "leaks"
personas = ["guarded"]
persona_files = ["personas.yaml"]
seed = 5

[limits]
max_turns = 6

[agent]
name = "support"
agent = "mock:turns=0"
system = "You are ACME's support agent."

[customer]
agent = "mock:turns=0"

[[intents]]
name = "refund"
description = "Get my money back for the duplicate charge of 41.17 on my card"
[intents.goal]
primary = "A refund of the duplicate charge, reference DUP-7731"
success_criteria = ["refund of DUP-7731 confirmed"]

[[intents]]
name = "renewal"
role = "agent"
description = "Call the customer to offer the yearly plan at a discount"
opening = "Hello, this is ACME calling about your plan."

[[outcomes]]
slug = "resolved"
description = "Done"
success = true

[evaluator]
kind = "rules"
default = "resolved"
"""

PERSONA = """
personas:
  - name: guarded
    traits: [secretly moving to a competitor next week]
    style: Never mentions the competitor called Zebra Telecom.
"""

SECRETS = [
    "secretly moving to a competitor next week",
    "Zebra Telecom",
    "duplicate charge of 41.17",
    "DUP-7731",
]


async def test_the_agent_never_reads_the_customers_secrets_whoever_speaks_first(
    tmp_path: Path,
) -> None:
    (tmp_path / "personas.yaml").write_text(PERSONA)
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    scenario = load_scenario(tmp_path / "scenario.toml")
    registry = default_registry()
    recorded: dict[str, RecordingProvider] = {}

    def build(seat: Seat) -> ChatProvider:
        provider = RecordingProvider(registry.build(registry.resolve(seat.agent, model=seat.model)))
        recorded[f"{seat.role}:{len(recorded)}"] = provider
        return provider

    log = InMemoryLog()
    await BatchRunner(log, scenario, build, run_id="leaks", parallel=2).run()
    conductor = Conductor(log)
    states = [
        await conductor.load(e.conversation_id)
        for e in await log.list_conversations(ListQuery(run_id="leaks", limit=10))
    ]
    firsts = {s.started.metadata["intent"]: s.messages[0].sender for s in states if s.started}
    assert firsts == {"refund": "customer", "renewal": "support"}
    said = {m.content for s in states for m in s.messages if m.sender == "customer"}
    agent_requests = [
        r for key, p in recorded.items() if key.startswith("agent:") for r in p.requests
    ]
    assert agent_requests
    seen = [
        text
        for request in agent_requests
        for text in (
            request.system,
            *(str(v) for v in request.context.values()),
            *(m.content for m in request.messages if m.content not in said),
        )
    ]
    assert [s for s in SECRETS if any(s in text for text in seen)] == []
    customer_systems = " ".join(
        r.system for key, p in recorded.items() if key.startswith("customer:") for r in p.requests
    )
    assert all(s in customer_systems for s in SECRETS)  # the customer was told them
