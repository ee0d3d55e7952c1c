"""OpenTelemetry tracing: the tracer provider, W3C trace context in events, conversation ids.

A conversation's trace id is derived from its id (a uuid4 hex id *is* the trace id), and its
root span has a span id derived the same way. So every process that takes a turn, a minute or a
day later, parents its turn span to the same conversation span without any coordination; the
process that ends the conversation emits that root span covering the whole conversation. Turn
claims carry the turn's W3C ``traceparent`` (``TurnClaimed.trace_context``); a turn taken over
from a dead claimant links to it. Export is configured from the standard ``OTEL_*`` variables,
passed in as a mapping (only ``aiconv.settings`` reads the environment): none set, nothing is
exported. This module needs only ``opentelemetry-api`` (a core dependency); the SDK's parts
(the tracer provider, samplers, exporters) live in ``tracing_sdk`` and come with the ``otel``
extra. This module knows no aiconv types.
"""

from __future__ import annotations

import contextlib
import hashlib
import urllib.parse
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from aiconv.errors import ConfigError
from aiconv.extras import is_installed, require_extra
from aiconv.observability.redaction import redact_url

if TYPE_CHECKING:  # the SDK comes with the otel extra; it is imported only when it is there
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

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
#: The ``OTEL_TRACES_SAMPLER`` names understood (the SDK builds them: ``tracing_sdk``).
SAMPLERS = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)
_PROPAGATOR = TraceContextTextMapPropagator()
_FORCED_IDS: ContextVar[tuple[int, int] | None] = ContextVar("aiconv_forced_ids", default=None)


@contextlib.contextmanager
def forced_ids(trace_id: int, span_id: int) -> Iterator[None]:
    """Root spans started inside get exactly these ids (with the SDK's tracer provider of
    ``open_tracer_provider``, whose id generator reads them: see ``forced``)."""
    token = _FORCED_IDS.set((trace_id, span_id))
    try:
        yield
    finally:
        _FORCED_IDS.reset(token)


def forced() -> tuple[int, int] | None:
    """The (trace id, span id) that ``forced_ids`` asks for here, if any."""
    return _FORCED_IDS.get()


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
    #: One of ``SAMPLERS`` (``OTEL_TRACES_SAMPLER``) and its ratio (``OTEL_TRACES_SAMPLER_ARG``).
    sampler: str = "parentbased_always_on"
    sampler_ratio: float = 1.0

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
        if "otlp" in exporters and endpoint is not None:
            _check_endpoint(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
                if traces_endpoint
                else "OTEL_EXPORTER_OTLP_ENDPOINT",
                traces_endpoint or base or endpoint,
            )
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
            sampler=_sampler(env.get("OTEL_TRACES_SAMPLER")),
            sampler_ratio=_ratio(env.get("OTEL_TRACES_SAMPLER_ARG")),
        )


def open_tracer_provider(
    config: TraceConfig, *, processors: tuple[SpanProcessor, ...] = ()
) -> TracerProvider | None:
    """The SDK's tracer provider for ``config`` (see ``tracing_sdk``); None when tracing is
    disabled, or when the SDK (the ``otel`` extra) is not installed and nothing asks to export:
    spans are then no-ops and events carry no trace context. Asking to export without the SDK
    is a ``MissingExtra``."""
    if config.disabled:
        return None
    if config.exporters or processors:
        require_extra(
            "otel", f"exporting traces (OTEL_TRACES_EXPORTER={','.join(config.exporters)})"
        )
    elif not is_installed("opentelemetry.sdk"):
        return None
    from aiconv.observability.tracing_sdk import new_tracer_provider

    return new_tracer_provider(config, processors=processors)


def tracer_from(config: TraceConfig, provider: TracerProvider | None) -> trace.Tracer:
    """The aiconv tracer of ``provider``; a no-op tracer when the SDK is disabled."""
    if config.disabled or provider is None:
        return trace.NoOpTracer()
    return provider.get_tracer(INSTRUMENTATION)


def _check_endpoint(variable: str, url: str) -> None:
    """ConfigError unless ``url`` (of ``variable``) is an http(s) URL with a host and, if any,
    a port from 1 to 65535: the exporter took any text and failed only when it first exported,
    at the end of the work, every span lost."""
    try:
        parts = urllib.parse.urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is no number, an unclosed IPv6 bracket
        usable = False
    if not usable or any(char.isspace() or ord(char) < 32 for char in url):
        raise ConfigError(
            f"{variable}={redact_url(url)!r} must look like http://host:4318 (an OTLP/HTTP"
            " collector)"
        )


def _pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            pairs[urllib.parse.unquote(key.strip())] = urllib.parse.unquote(value.strip())
    return pairs


def _ratio(arg: str | None) -> float:
    try:
        ratio = float(arg) if arg else 1.0
    except ValueError:
        ratio = -1.0
    if not 0.0 <= ratio <= 1.0:
        raise ConfigError(f"OTEL_TRACES_SAMPLER_ARG={arg!r} must be a number in [0, 1]")
    return ratio


def _sampler(name: str | None) -> str:
    key = (name or "parentbased_always_on").lower()
    if key not in SAMPLERS:
        raise ConfigError(f"OTEL_TRACES_SAMPLER={name!r}: use one of {', '.join(SAMPLERS)}")
    return key


def is_sampled(tracer: trace.Tracer, trace_id: int) -> bool:
    """Whether ``tracer``'s sampler keeps a root span of ``trace_id`` (so every process agrees);
    a tracer without a sampler (no-op, or not the SDK's) keeps everything."""
    sampler = getattr(tracer, "sampler", None)
    if sampler is None:
        return True
    from aiconv.observability.tracing_sdk import keeps

    return keeps(sampler, trace_id)


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
