"""Telemetry for long-running commands: ``--metrics-port``, ``--log-level``, ``--log-format``.

``setup_telemetry`` configures structlog (secrets from the vendor variables are redacted), builds
the tracer from the ``OTEL_*`` variables (none set: spans go nowhere), starts the ``/metrics``
endpoint when a port is given (0 picks a free one; the address is printed on stderr) and hands
out the instrumented wrappers and the conductor observer. ``close`` flushes and stops it all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click
from opentelemetry import trace
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector

from aiconv.agents.instrumented import InstrumentedProvider
from aiconv.agents.provider import ChatProvider
from aiconv.cli.options import option
from aiconv.cli.values import HOST, PORT
from aiconv.cli.wiring import Runtime
from aiconv.errors import ConfigError
from aiconv.observability.logs import configure_logging
from aiconv.observability.metrics import GuardMetrics, Metrics, MetricsServer, serve_metrics
from aiconv.observability.observer import TelemetryObserver
from aiconv.observability.tracing import TraceConfig, open_tracer_provider, tracer_from
from aiconv.platform.loops import LOOP_KINDS
from aiconv.queues.instrumented import InstrumentedLog
from aiconv.queues.log import ConversationLog
from aiconv.settings import Settings, load_settings, secret_values

if TYPE_CHECKING:  # the SDK comes with the otel extra (see observability.tracing)
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

F = TypeVar("F", bound=Callable[..., Any])

LOG_LEVELS = ("debug", "info", "warning", "error")


def telemetry_options(default_level: str = "info") -> Callable[[F], F]:
    """``--metrics-port``, ``--metrics-host``, ``--log-level`` and ``--log-format``."""

    def decorate(func: F) -> F:
        func = option(
            "--log-format",
            type=click.Choice(["auto", "json", "console"]),
            default="auto",
            show_default=True,
            help="Log format on stderr (auto: console on a terminal, else JSON).",
        )(func)
        func = option(
            "--log-level",
            type=click.Choice(LOG_LEVELS, case_sensitive=False),
            default=default_level,
            show_default=True,
            help="Least severe log level written to stderr.",
        )(func)
        func = option(
            "--metrics-host",
            type=HOST,
            default="127.0.0.1",
            show_default=True,
            help="Address the /metrics endpoint listens on (0.0.0.0 in containers).",
        )(func)
        return option(
            "--metrics-port",
            type=PORT,
            help="Serve Prometheus metrics on this port (0 picks a free port and prints it).",
        )(func)

    return decorate


@dataclass(frozen=True, slots=True, kw_only=True)
class TelemetryOptions:
    """The values of ``telemetry_options``."""

    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    log_level: str = "info"
    log_format: str = "auto"

    @classmethod
    def of(cls, kw: Mapping[str, Any]) -> TelemetryOptions:
        """From a command's keyword arguments (the edge where click hands them over)."""
        return cls(
            metrics_port=kw["metrics_port"],
            metrics_host=kw["metrics_host"],
            log_level=kw["log_level"],
            log_format=kw["log_format"],
        )


@dataclass(slots=True, kw_only=True)
class Telemetry:
    """Metrics, tracing and the observer of one command run."""

    registry: CollectorRegistry
    metrics: Metrics
    tracer_provider: TracerProvider | None
    tracer: trace.Tracer
    observer: TelemetryObserver
    #: Hooks for ``Guards(observer=...)``: retries, attempts, limiter waits, breaker states.
    guard_observer: GuardMetrics
    server: MetricsServer | None = None

    def instrument(self, provider: ChatProvider) -> ChatProvider:
        """``provider`` with metrics, spans and logs."""
        return InstrumentedProvider(provider, metrics=self.metrics, tracer=self.tracer)

    def instrument_all(self, providers: Mapping[str, ChatProvider]) -> dict[str, ChatProvider]:
        """Every provider of a seat map, instrumented."""
        return {name: self.instrument(p) for name, p in providers.items()}

    def instrument_log(self, log: ConversationLog) -> ConversationLog:
        """``log`` with append latency, conflicts and spans."""
        return InstrumentedLog(log, metrics=self.metrics, tracer=self.tracer)

    def close(self) -> None:
        """Flush spans and stop the metrics endpoint."""
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()
        if self.server is not None:
            self.server.stop()


def setup_telemetry(
    options: TelemetryOptions,
    *,
    settings: Settings | None = None,
    span_processors: tuple[SpanProcessor, ...] = (),
) -> Telemetry:
    """Logs, tracing and metrics for a command, from its telemetry ``options``."""
    settings = settings or load_settings()
    try:
        configure_logging(
            level=options.log_level.lower(),
            fmt=_format(options.log_format),
            secrets=secret_values(settings.vendor_env),
        )
    except ValueError as exc:
        raise ConfigError(f"{exc} (--log-level / --log-format or AIC_LOG_*)") from exc
    config = TraceConfig.from_env(dict(settings.otel_env))
    provider = open_tracer_provider(config, processors=span_processors)
    tracer = tracer_from(config, provider)
    registry = CollectorRegistry()
    for collector in (ProcessCollector, PlatformCollector, GCCollector):
        collector(registry=registry)
    metrics = Metrics(registry, loop_kinds=LOOP_KINDS)
    telemetry = Telemetry(
        registry=registry,
        metrics=metrics,
        tracer_provider=provider,
        tracer=tracer,
        observer=TelemetryObserver(metrics, tracer=tracer),
        guard_observer=GuardMetrics(metrics),
    )
    if options.metrics_port is not None:
        _serve_metrics(telemetry, options.metrics_port, options.metrics_host)
    return telemetry


def _serve_metrics(telemetry: Telemetry, port: int, host: str) -> None:
    """Serve ``/metrics`` on ``host:port`` and print its URL; ConfigError (telemetry closed)
    when it cannot listen."""
    try:
        telemetry.server = serve_metrics(telemetry.registry, port, host)
    except OSError as exc:
        telemetry.close()
        raise ConfigError(f"--metrics-port {port}: cannot listen on {host}: {exc}") from exc
    print(f"metrics: {telemetry.server.url}", file=sys.stderr, flush=True)


def _format(name: str | None) -> str | None:
    return None if name in (None, "", "auto") else name


def start_telemetry(options: TelemetryOptions, runtime: Runtime) -> Telemetry:
    """``setup_telemetry`` for a command's runtime, with the runtime's guards reporting to it
    (retries, attempts, breaker changes) and a flow's stage agents instrumented, so no command
    can forget to attach them."""
    telemetry = setup_telemetry(options, settings=runtime.settings)
    runtime.observe_guards(telemetry.guard_observer)
    runtime.instrument_part = telemetry.instrument  # a flow's stage agents, each on its own
    return telemetry
