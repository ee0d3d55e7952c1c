"""OpenTelemetry tracing: the tracer provider, W3C trace context in events, conversation ids.

A conversation's trace id is derived from its id (a uuid4 hex id *is* the trace id), and its
root span has a span id derived the same way. So every process that takes a turn, a minute or a
day later, parents its turn span to the same conversation span without any coordination; the
process that ends the conversation emits that root span covering the whole conversation. Turn
claims carry the turn's W3C ``traceparent`` (``TurnClaimed.trace_context``); a turn taken over
from a dead claimant links to it. Export is configured from the standard ``OTEL_*`` variables,
passed in as a mapping (only ``aiconv.settings`` reads the environment): none set, nothing is
exported. This module knows no aiconv types.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import urllib.parse
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

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
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from aiconv.errors import ConfigError

INSTRUMENTATION = "aiconv"
#: Our vendor names -> ``gen_ai.provider.name`` well-known values (others pass as they are).
GEN_AI_PROVIDERS = {
    "anthropic": "anthropic",
    "openai": "openai",
    "gemini": "gcp.gemini",
    "xai": "x_ai",
    "grok": "x_ai",
    "perplexity": "perplexity",
}
_PROPAGATOR = TraceContextTextMapPropagator()
_FORCED_IDS: ContextVar[tuple[int, int] | None] = ContextVar("aiconv_forced_ids", default=None)


class ConversationIdGenerator(RandomIdGenerator):
    """Random ids, except inside ``forced_ids`` (used for a conversation's root span)."""

    def generate_span_id(self) -> int:
        """The forced span id, else a random one."""
        forced = _FORCED_IDS.get()
        return forced[1] if forced is not None else super().generate_span_id()

    def generate_trace_id(self) -> int:
        """The forced trace id, else a random one."""
        forced = _FORCED_IDS.get()
        return forced[0] if forced is not None else super().generate_trace_id()


@contextlib.contextmanager
def forced_ids(trace_id: int, span_id: int) -> Iterator[None]:
    """Root spans started inside get exactly these ids (needs ``ConversationIdGenerator``)."""
    token = _FORCED_IDS.set((trace_id, span_id))
    try:
        yield
    finally:
        _FORCED_IDS.reset(token)


def conversation_trace_id(conversation_id: str) -> int:
    """The conversation's trace id: the id itself when it is 32 hex digits, else a hash of it."""
    if len(conversation_id) == 32:
        try:
            value = int(conversation_id, 16)
        except ValueError:
            value = 0
        if value:
            return value
    digest = hashlib.sha256(conversation_id.encode()).digest()
    return int.from_bytes(digest[:16], "big") or 1


def conversation_span_id(conversation_id: str) -> int:
    """The span id of the conversation's root span."""
    digest = hashlib.sha256(b"aiconv.conversation:" + conversation_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") or 1


def conversation_context(conversation_id: str, *, sampled: bool = True) -> Context:
    """A context whose (remote) parent is the conversation's root span."""
    parent = SpanContext(
        trace_id=conversation_trace_id(conversation_id),
        span_id=conversation_span_id(conversation_id),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT),
    )
    return trace.set_span_in_context(NonRecordingSpan(parent))


def inject(span: trace.Span) -> dict[str, str]:
    """``span``'s W3C trace context (``traceparent``), empty when it is not valid."""
    carrier: dict[str, str] = {}
    if span.get_span_context().is_valid:
        _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
    return carrier


def extract(carrier: Mapping[str, str]) -> SpanContext | None:
    """The span context in a W3C carrier, None when absent or malformed."""
    if not carrier:
        return None
    span_context = trace.get_current_span(_PROPAGATOR.extract(dict(carrier))).get_span_context()
    return span_context if span_context.is_valid else None


def trace_id_hex(span: trace.Span) -> str | None:
    """32 hex digits of ``span``'s trace id, None for an invalid span."""
    context = span.get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceConfig:
    """What the ``OTEL_*`` variables ask for (see ``from_env``)."""

    disabled: bool = False
    exporters: tuple[str, ...] = ()
    endpoint: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    service_name: str = "aiconv"
    resource: dict[str, str] = field(default_factory=dict)
    sampler: Sampler = field(default_factory=lambda: ParentBased(ALWAYS_ON))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TraceConfig:
        """Parse the standard variables; OTLP is used only when an endpoint is configured."""
        traces_endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        endpoint = traces_endpoint or (base.rstrip("/") + "/v1/traces" if base else None)
        default = "otlp" if endpoint else "none"
        names = env.get("OTEL_TRACES_EXPORTER", default).lower()
        exporters = tuple(n.strip() for n in names.split(",") if n.strip() not in ("", "none"))
        for name in exporters:
            if name not in ("otlp", "console"):
                raise ConfigError(f"OTEL_TRACES_EXPORTER={name!r}: use otlp, console or none")
        protocol = env.get(
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", env.get("OTEL_EXPORTER_OTLP_PROTOCOL", "")
        )
        if "otlp" in exporters and protocol not in ("", "http/protobuf"):
            raise ConfigError(
                f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r} is not supported; use http/protobuf "
                "(the collector's port 4318)"
            )
        if "otlp" in exporters and endpoint is None:
            endpoint = "http://localhost:4318/v1/traces"
        headers = env.get(
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS", env.get("OTEL_EXPORTER_OTLP_HEADERS")
        )
        return cls(
            disabled=env.get("OTEL_SDK_DISABLED", "").lower() == "true",
            exporters=exporters,
            endpoint=endpoint,
            headers=_pairs(headers or ""),
            service_name=env.get("OTEL_SERVICE_NAME") or "aiconv",
            resource=_pairs(env.get("OTEL_RESOURCE_ATTRIBUTES", "")),
            sampler=_sampler(env.get("OTEL_TRACES_SAMPLER"), env.get("OTEL_TRACES_SAMPLER_ARG")),
        )


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
        resource=resource, sampler=config.sampler, id_generator=ConversationIdGenerator()
    )
    for processor in (*_exporting(config), *processors):
        provider.add_span_processor(processor)
    return provider


def tracer_from(config: TraceConfig, provider: TracerProvider | None) -> trace.Tracer:
    """The aiconv tracer of ``provider``; a no-op tracer when the SDK is disabled."""
    if config.disabled or provider is None:
        return trace.NoOpTracer()
    return provider.get_tracer(INSTRUMENTATION)


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


def _pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            pairs[urllib.parse.unquote(key.strip())] = urllib.parse.unquote(value.strip())
    return pairs


def _sampler(name: str | None, arg: str | None) -> Sampler:
    try:
        ratio = float(arg) if arg else 1.0
    except ValueError:
        raise ConfigError(f"OTEL_TRACES_SAMPLER_ARG={arg!r} must be a number in [0, 1]") from None
    samplers: dict[str, Sampler] = {
        "always_on": ALWAYS_ON,
        "always_off": ALWAYS_OFF,
        "traceidratio": TraceIdRatioBased(ratio),
        "parentbased_always_on": ParentBased(ALWAYS_ON),
        "parentbased_always_off": ParentBased(ALWAYS_OFF),
        "parentbased_traceidratio": ParentBased(TraceIdRatioBased(ratio)),
    }
    key = (name or "parentbased_always_on").lower()
    if key not in samplers:
        raise ConfigError(f"OTEL_TRACES_SAMPLER={name!r}: use one of {', '.join(samplers)}")
    return samplers[key]


def is_sampled(tracer: trace.Tracer, trace_id: int) -> bool:
    """Whether ``tracer``'s sampler keeps a root span of ``trace_id`` (so every process agrees)."""
    sampler = getattr(tracer, "sampler", None)
    if not isinstance(sampler, Sampler):
        return True
    decision = sampler.should_sample(None, trace_id, "conversation").decision
    return decision in (Decision.RECORD_AND_SAMPLE,)


def gen_ai_provider(vendor: str) -> str:
    """The ``gen_ai.provider.name`` of one of our vendor names."""
    return GEN_AI_PROVIDERS.get(vendor, vendor)


def agent_span() -> trace.Span | None:
    """The current span when it is an ``invoke_agent`` span (a turn), else ``None``."""
    span = trace.get_current_span()
    attributes = getattr(span, "attributes", None) or {}
    if span.is_recording() and attributes.get("gen_ai.operation.name") == "invoke_agent":
        return span
    return None


def server_of(url: str | None) -> dict[str, str | int]:
    """``server.address`` and ``server.port`` of an endpoint URL (empty when there is none)."""
    if not url:
        return {}
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return {}
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {"server.address": parts.hostname, "server.port": port}
