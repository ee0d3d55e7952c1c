"""The OpenTelemetry SDK's side of tracing: the tracer provider, its samplers, exporters and
conversation ids. It comes with the ``otel`` extra and is imported only through
``tracing.open_tracer_provider`` (and ``tracing.is_sampled`` for a tracer of its own), so the
core needs nothing but ``opentelemetry-api``. It knows no aiconv types.
"""

from __future__ import annotations

import sys

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
)

from aiconv.observability.tracing import TraceConfig, forced


class ConversationIdGenerator(RandomIdGenerator):
    """Random ids, except inside ``tracing.forced_ids`` (used for a conversation's root span)."""

    def generate_span_id(self) -> int:
        """The forced span id, else a random one."""
        ids = forced()
        return ids[1] if ids is not None else super().generate_span_id()

    def generate_trace_id(self) -> int:
        """The forced trace id, else a random one."""
        ids = forced()
        return ids[0] if ids is not None else super().generate_trace_id()


def new_tracer_provider(
    config: TraceConfig | None = None, *, processors: tuple[SpanProcessor, ...] = ()
) -> TracerProvider:
    """A tracer provider with conversation ids, the configured exporters and extra processors.

    With no exporter and no processor, spans are created (for trace ids in events and logs) but
    go nowhere.
    """
    config = config or TraceConfig()
    resource = Resource.create({**config.resource, "service.name": config.service_name})
    provider = TracerProvider(
        resource=resource, sampler=sampler_of(config), id_generator=ConversationIdGenerator()
    )
    for processor in (*_exporting(config), *processors):
        provider.add_span_processor(processor)
    return provider


def sampler_of(config: TraceConfig) -> Sampler:
    """The SDK sampler that ``config.sampler`` names (one of ``tracing.SAMPLERS``)."""
    ratio = config.sampler_ratio
    samplers: dict[str, Sampler] = {
        "always_on": ALWAYS_ON,
        "always_off": ALWAYS_OFF,
        "traceidratio": TraceIdRatioBased(ratio),
        "parentbased_always_on": ParentBased(ALWAYS_ON),
        "parentbased_always_off": ParentBased(ALWAYS_OFF),
        "parentbased_traceidratio": ParentBased(TraceIdRatioBased(ratio)),
    }
    return samplers[config.sampler]


def keeps(sampler: object, trace_id: int) -> bool:
    """Whether ``sampler`` (a tracer's, when it is the SDK's) keeps a root span of
    ``trace_id``."""
    if not isinstance(sampler, Sampler):
        return True
    decision = sampler.should_sample(None, trace_id, "conversation").decision
    return decision in (Decision.RECORD_AND_SAMPLE,)


def _exporting(config: TraceConfig) -> list[SpanProcessor]:
    processors: list[SpanProcessor] = []
    if config.disabled:
        return processors
    for name in config.exporters:
        if name == "console":
            processors.append(SimpleSpanProcessor(ConsoleSpanExporter(out=sys.stderr)))
        else:
            processors.append(BatchSpanProcessor(_otlp_exporter(config)))
    return processors


def _otlp_exporter(config: TraceConfig) -> SpanExporter:
    # Imported lazily: the exporter pulls in requests and protobuf, not needed without OTLP.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=config.endpoint, headers=config.headers or None)
