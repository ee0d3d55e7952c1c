"""A scripted conversation wired exactly as the CLI wires it: instrumented providers and log,
the telemetry observer, a fresh registry and an in-memory span exporter."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from aiconv.agents.instrumented import InstrumentedProvider
from aiconv.agents.provider import ChatProvider
from aiconv.observability.metrics import Metrics
from aiconv.observability.observer import TelemetryObserver
from aiconv.observability.tracing_sdk import new_tracer_provider
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ParticipantSpec, StopConfig
from aiconv.queues.instrumented import InstrumentedLog
from aiconv.queues.log import ConversationLog
from aiconv.queues.memory import InMemoryLog


@dataclass
class Rig:
    """Telemetry for one test: registry, metrics, tracer, exporter, observer."""

    registry: CollectorRegistry
    metrics: Metrics
    provider: TracerProvider
    exporter: InMemorySpanExporter
    observer: TelemetryObserver

    def sample(self, name: str, **labels: str) -> float:
        """A sample's value (0 when the series does not exist)."""
        return self.registry.get_sample_value(name, labels) or 0.0

    def spans(self) -> list[ReadableSpan]:
        """Every finished span so far."""
        return list(self.exporter.get_finished_spans())

    def log(self, inner: ConversationLog | None = None) -> InstrumentedLog:
        """An instrumented log (in memory unless given)."""
        return InstrumentedLog(
            inner or InMemoryLog(), metrics=self.metrics, tracer=self.provider.get_tracer("t")
        )

    def instrument(self, provider: ChatProvider) -> InstrumentedProvider:
        """``provider`` instrumented with this rig."""
        return InstrumentedProvider(
            provider, metrics=self.metrics, tracer=self.provider.get_tracer("t")
        )

    async def converse(
        self,
        seats: Mapping[str, ChatProvider],
        *,
        log: ConversationLog | None = None,
        max_turns: int = 4,
        agents: Mapping[str, str] | None = None,
    ) -> ConversationState:
        """Create a conversation between ``seats`` and play it to the end in this process;
        ``agents`` are the recorded agent ids (each seat's provider name by default)."""
        log = log or self.log()
        conductor = Conductor(log, observer=self.observer)
        agents = agents or {}
        specs = [
            ParticipantSpec(name=n, agent=agents.get(n, p.name), model=p.model)
            for n, p in seats.items()
        ]
        state = await session.create(
            conductor, topic="t", participants=specs, stop=StopConfig(max_turns=max_turns)
        )
        instrumented = {name: self.instrument(p) for name, p in seats.items()}
        return await session.play_all(conductor, state.conversation_id, instrumented)


@pytest.fixture
def rig() -> Iterator[Rig]:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    exporter = InMemorySpanExporter()
    provider = new_tracer_provider(processors=(SimpleSpanProcessor(exporter),))
    observer = TelemetryObserver(metrics, tracer=provider.get_tracer("t"))
    yield Rig(registry, metrics, provider, exporter, observer)
    provider.shutdown()
