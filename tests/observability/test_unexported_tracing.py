"""Tracing with no exporter (the CLI's default): nothing is recorded, since a recorded span
would go nowhere, yet events and logs quote the same trace ids and sampled flags as when
spans are exported."""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from aiconv.agents.instrumented import InstrumentedProvider
from aiconv.agents.messages import ChatRequest
from aiconv.observability import tracing
from aiconv.observability.logs import processors
from aiconv.observability.metrics import Metrics
from aiconv.observability.observer import TelemetryObserver
from aiconv.observability.tracing import TraceConfig, open_tracer_provider, tracer_from
from aiconv.observability.tracing_sdk import new_tracer_provider
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ParticipantSpec, StopConfig, TurnClaimed
from aiconv.queues.instrumented import InstrumentedLog
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.providers import FunctionProvider

CID = "0af7651916cd43dd8448eb211c80319c"


async def converse_as_the_cli(env: dict[str, str]) -> tuple[list[TurnClaimed], list[bool]]:
    """Two seats, four turns, wired as ``aic`` wires them for ``env``'s ``OTEL_*`` variables;
    the claims and whether each provider call ran inside a recording span."""
    config = TraceConfig.from_env(env)
    tracer = tracer_from(config, open_tracer_provider(config))
    metrics = Metrics(CollectorRegistry())
    recording: list[bool] = []

    def reply(request: ChatRequest) -> str:
        recording.append(trace.get_current_span().is_recording())
        return f"turn {len(recording)}"

    log = InMemoryLog()
    conductor = Conductor(
        InstrumentedLog(log, metrics=metrics, tracer=tracer),
        observer=TelemetryObserver(metrics, tracer=tracer),
    )
    specs = [ParticipantSpec(name=n, agent="function") for n in ("alice", "bob")]
    state = await session.create(
        conductor, topic="t", participants=specs, stop=StopConfig(max_turns=4)
    )
    seat = InstrumentedProvider(FunctionProvider(reply), metrics=metrics, tracer=tracer)
    await session.play_all(conductor, state.conversation_id, {"alice": seat, "bob": seat})
    events = [r.event for r in codec.decode_all(await log.read(state.conversation_id))]
    return [e for e in events if isinstance(e, TurnClaimed)], recording


async def test_without_an_exporter_nothing_records_but_claims_and_logs_keep_trace_ids() -> None:
    with capture_logs(processors=processors()) as captured:
        async with asyncio.timeout(10):
            claims, recording = await converse_as_the_cli({})
    assert recording == [False] * 4
    cid = claims[0].trace_context["traceparent"].split("-")[1]
    parents = [c.trace_context["traceparent"] for c in claims]
    assert all(p.startswith(f"00-{cid}-") and p.endswith("-01") for p in parents)  # sampled
    assert len({tracing.extract(c.trace_context).span_id for c in claims}) == 4  # type: ignore[union-attr]
    in_turns = [e for e in captured if e["event"] == "provider.call"]
    assert [e["trace_id"] for e in in_turns] == [cid] * 4
    assert in_turns[0]["conversation_id"] == cid  # the conversation's id is its trace id


async def test_a_sampler_that_drops_marks_the_claims_unsampled() -> None:
    async with asyncio.timeout(10):
        claims, _ = await converse_as_the_cli({"OTEL_TRACES_SAMPLER": "always_off"})
    assert all(c.trace_context["traceparent"].endswith("-00") for c in claims)


@pytest.mark.parametrize("sampler", tracing.SAMPLERS)
@pytest.mark.parametrize("parent", ["root", "sampled", "unsampled"])
def test_unrecorded_spans_get_the_ids_and_flags_a_recorded_span_gets(
    sampler: str, parent: str
) -> None:
    config = TraceConfig(sampler=sampler, sampler_ratio=0.5)
    unrecorded = new_tracer_provider(config)
    recorded = new_tracer_provider(
        config, processors=(SimpleSpanProcessor(InMemorySpanExporter()),)
    )
    context = (
        None if parent == "root" else tracing.conversation_context(CID, sampled=parent == "sampled")
    )
    contexts = []
    for provider in (unrecorded, recorded):
        with tracing.forced_ids(int(CID, 16), 0x1234):  # the same ids from both generators
            span = provider.get_tracer("t").start_span("invoke_agent alice", context=context)
        contexts.append(span.get_span_context())
    assert contexts[0] == contexts[1]
    assert contexts[0].trace_flags == contexts[1].trace_flags
    assert tracing.is_sampled(unrecorded.get_tracer("t"), int(CID, 16)) == tracing.is_sampled(
        recorded.get_tracer("t"), int(CID, 16)
    )


def test_a_processor_attached_later_makes_every_tracer_record() -> None:
    provider = new_tracer_provider()
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("before") as span:
        assert not span.is_recording()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with tracer.start_as_current_span("after") as span:
        assert span.is_recording()
    assert [s.name for s in exporter.get_finished_spans()] == ["after"]
