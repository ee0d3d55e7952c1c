"""The OpenTelemetry SDK's side of tracing: the tracer provider, its samplers, exporters and
conversation ids, and tracers that only hand out ids while no span would be exported. It
comes with the ``otel`` extra and is imported only through ``tracing.open_tracer_provider``
(and ``tracing.is_sampled`` for a tracer of its own), so the core needs nothing but
``opentelemetry-api``. It knows no aiconv types.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence

from opentelemetry import trace
from opentelemetry.context import Context
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
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from opentelemetry.util.types import Attributes

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


class ConversationTracerProvider(TracerProvider):
    """The SDK's tracer provider, whose tracers record nothing while no span processor is
    attached: a recorded span would go nowhere, and recording one costs ~100 µs. Their spans
    still get the ids and the sampled flag the SDK would give them (see ``IdsOnlyTracer``), so
    events and logs quote the same trace ids either way."""

    has_processors = False

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        """Attach ``span_processor``; from now on every tracer of this provider records."""
        super().add_span_processor(span_processor)
        self.has_processors = True

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: Attributes = None,
    ) -> trace.Tracer:
        """The SDK's tracer; while no processor is attached, an ``IdsOnlyTracer`` around it."""
        sdk = super().get_tracer(
            instrumenting_module_name, instrumenting_library_version, schema_url, attributes
        )
        return sdk if self.has_processors else IdsOnlyTracer(self, sdk)


class IdsOnlyTracer(trace.Tracer):
    """Spans with the ids and sampling decision of ``provider``'s SDK tracer, never recorded
    (``NonRecordingSpan``), while ``provider`` has no span processor; ``sdk``'s own once it
    has one. Like the SDK's, a span continues a valid parent's trace, else gets a new trace id
    (``ConversationIdGenerator``: forced ids included), and is sampled as the provider's
    sampler decides (``OTEL_TRACES_SAMPLER``; a sampled remote parent is kept by the
    ``parentbased_*`` samplers)."""

    def __init__(self, provider: ConversationTracerProvider, sdk: trace.Tracer) -> None:
        self.provider = provider
        self.sdk = sdk

    @property
    def sampler(self) -> Sampler:
        """The provider's sampler (``tracing.is_sampled`` asks it about a conversation)."""
        return self.provider.sampler

    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[trace.Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace.Span:
        """An unrecorded span with the SDK's ids and flags (the SDK's span with a processor)."""
        if self.provider.has_processors:
            return self.sdk.start_span(
                name, context, kind, attributes, links, start_time, record_exception,
                set_status_on_exception,
            )  # fmt: skip
        ids = self.provider.id_generator
        parent = trace.get_current_span(context).get_span_context()
        if parent.is_valid:
            trace_id, random_id = parent.trace_id, parent.trace_flags.random_trace_id
        else:
            trace_id, random_id = ids.generate_trace_id(), ids.is_trace_id_random()
        result = self.sampler.should_sample(context, trace_id, name, kind, attributes, links)
        sampled = result.decision is Decision.RECORD_AND_SAMPLE
        flags = TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT
        if random_id:
            flags |= TraceFlags.RANDOM_TRACE_ID
        span_id = ids.generate_span_id()
        own = SpanContext(trace_id, span_id, False, TraceFlags(flags), result.trace_state)
        return NonRecordingSpan(own)

    @contextlib.contextmanager  # the API's own decorator (also for coroutines) is private
    def start_as_current_span(  # type: ignore[override]
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[trace.Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> Iterator[trace.Span]:
        """``start_span``'s span as the current span for the block."""
        span = self.start_span(
            name, context, kind, attributes, links, start_time, record_exception,
            set_status_on_exception,
        )  # fmt: skip
        with trace.use_span(span, end_on_exit, record_exception, set_status_on_exception):
            yield span


def new_tracer_provider(
    config: TraceConfig | None = None, *, processors: tuple[SpanProcessor, ...] = ()
) -> ConversationTracerProvider:
    """A tracer provider with conversation ids, the configured exporters and extra processors.

    With no exporter and no processor, spans are not recorded (they would go nowhere) but get
    their ids and sampled flag, for the trace ids in events and logs.
    """
    config = config or TraceConfig()
    resource = Resource.create({**config.resource, "service.name": config.service_name})
    provider = ConversationTracerProvider(
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
