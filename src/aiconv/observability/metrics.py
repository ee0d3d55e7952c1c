"""Prometheus metrics: every series aiconv emits, on an injected ``CollectorRegistry``.

Names follow ``aiconv_<noun>_<unit>`` with base units (seconds, USD, ``_total`` for counters).
Label values are bounded: provider and model ids, participant and tool names (the first
``NAMES_PER_LABEL`` distinct ones, then ``other``), error kinds, end reasons, backends. This
module knows no aiconv types; callers pass plain values. ``serve_metrics`` starts the
``/metrics`` HTTP endpoint in a daemon thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

#: Provider calls take from tens of milliseconds (local models) to minutes (long answers).
PROVIDER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0, 300.0)
#: A turn is a provider call plus two appends; a hand-off is a wake-up plus a claim.
TURN_BUCKETS = PROVIDER_BUCKETS
HANDOFF_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: A log append is a local transaction or one round trip to Redis.
APPEND_BUCKETS = (0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)

BREAKER_STATES = ("closed", "half_open", "open")

#: Distinct participant (or tool) names a process keeps as label values. Names come from users
#: (scenario files, the write API, MCP servers), so they are counted as ``other`` past this many:
#: a client naming a fresh participant per conversation must not grow a series per name.
NAMES_PER_LABEL = 200
OTHER = "other"


class BoundedLabel:
    """The values of one user-named label: the first ``limit`` distinct ones as they are, any
    later new one as ``other`` (the series a scrape returns stay bounded)."""

    __slots__ = ("limit", "seen")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def __call__(self, value: str) -> str:
        """``value``, or ``other`` once ``limit`` other names have been seen."""
        if value in self.seen:
            return value
        if len(self.seen) >= self.limit:
            return OTHER
        self.seen.add(value)
        return value


class Metrics:
    """Every aiconv metric, registered on ``registry`` (a fresh one per test)."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        loop_kinds: Iterable[str] = (),
        names_per_label: int = NAMES_PER_LABEL,
    ) -> None:
        """``loop_kinds`` are created at zero, so rates over them exist before the first loop;
        participant and tool names beyond ``names_per_label`` distinct ones count as ``other``."""
        self.registry = registry
        self.participant = BoundedLabel(names_per_label)
        self.tool = BoundedLabel(names_per_label)
        r = registry
        # Providers
        self.provider_requests = Counter(
            "aiconv_provider_requests_total",
            "Provider calls (after retries) by outcome: ok or the error kind.",
            ["provider", "model", "outcome"],
            registry=r,
        )
        self.provider_duration = Histogram(
            "aiconv_provider_request_duration_seconds",
            "Wall time of a provider call, retries included.",
            ["provider", "model"],
            buckets=PROVIDER_BUCKETS,
            registry=r,
        )
        self.provider_attempts = Counter(
            "aiconv_provider_attempts_total",
            "Single attempts at a provider by outcome (each retry is an attempt).",
            ["provider", "outcome"],
            registry=r,
        )
        self.provider_retries = Counter(
            "aiconv_provider_retries_total",
            "Retries scheduled, by the error kind that caused them.",
            ["provider", "reason"],
            registry=r,
        )
        self.provider_rate_limit_wait = Counter(
            "aiconv_provider_rate_limit_wait_seconds_total",
            "Time calls were held back by the client-side rate limiter.",
            ["provider"],
            registry=r,
        )
        self.provider_tokens = Counter(
            "aiconv_provider_tokens_total",
            "Tokens reported by providers, by direction (input or output).",
            ["provider", "model", "direction"],
            registry=r,
        )
        self.provider_cost = Counter(
            "aiconv_provider_cost_usd_total",
            "Cost of provider calls in US dollars (calls of unknown price add nothing).",
            ["provider", "model"],
            registry=r,
        )
        self.cache_lookups = Counter(
            "aiconv_cache_lookups_total",
            "Response cache lookups by result (hit or miss).",
            ["provider", "model", "result"],
            registry=r,
        )
        self.cache_saved = Counter(
            "aiconv_cache_saved_usd_total",
            "What the replies served from the response cache cost when they were recorded.",
            ["provider", "model"],
            registry=r,
        )
        self.breaker_state = Gauge(
            "aiconv_provider_breaker_state",
            "1 for the circuit breaker's current state (closed, half_open, open), else 0.",
            ["provider", "state"],
            registry=r,
        )
        # Conversations and turns
        self.conversations_started = Counter(
            "aiconv_conversations_started_total",
            "Conversations this instance began running (created here to run, or a detached one "
            "whose first turn it claimed).",
            registry=r,
        )
        self.conversations_active = Gauge(
            "aiconv_conversations_active",
            "Conversations in which this instance currently runs at least one participant.",
            registry=r,
        )
        self.conversations_ended = Counter(
            "aiconv_conversations_ended_total",
            "Conversations ended by this instance, by stop reason.",
            ["reason"],
            registry=r,
        )
        self.conversation_idle = Gauge(
            "aiconv_conversation_idle_max_seconds",
            "Longest time any conversation this instance plays has gone without its progress.",
            registry=r,
        )
        self.turns = Counter(
            "aiconv_turns_total",
            "Messages posted, by participant and provider.",
            ["participant", "provider"],
            registry=r,
        )
        self.turn_duration = Histogram(
            "aiconv_turn_duration_seconds",
            "Whole turn: claim, provider call and append.",
            ["provider"],
            buckets=TURN_BUCKETS,
            registry=r,
        )
        self.handoff = Histogram(
            "aiconv_turn_handoff_seconds",
            "From the previous message being stored to the next speaker's claim.",
            buckets=HANDOFF_BUCKETS,
            registry=r,
        )
        self.turn_conflicts = Counter(
            "aiconv_turn_conflicts_total",
            "Claims or posts that lost a race (SequenceConflict) and were re-decided.",
            registry=r,
        )
        self.loops = Counter(
            "aiconv_loops_detected_total",
            "Loops detected in conversations, by kind.",
            ["kind"],
            registry=r,
        )
        for kind in loop_kinds:
            self.loops.labels(kind)
        # Tools
        self.tool_calls = Counter(
            "aiconv_tool_calls_total",
            "Tool calls that returned, by tool and outcome (ok, error, timeout, unknown).",
            ["tool", "outcome"],
            registry=r,
        )
        self.tool_duration = Histogram(
            "aiconv_tool_call_duration_seconds",
            "Wall time of one tool call.",
            ["tool"],
            registry=r,
        )
        # Storage
        self.log_append_duration = Histogram(
            "aiconv_log_append_duration_seconds",
            "Wall time of one append to the conversation log.",
            ["backend"],
            buckets=APPEND_BUCKETS,
            registry=r,
        )
        self.log_events = Counter(
            "aiconv_log_events_appended_total",
            "Events appended to the conversation log.",
            ["backend"],
            registry=r,
        )
        self.log_conflicts = Counter(
            "aiconv_log_conflicts_total",
            "Appends rejected because another writer was first (SequenceConflict).",
            ["backend"],
            registry=r,
        )


class GuardMetrics:
    """The ``GuardObserver`` hooks of ``aiconv.agents.guarded``, recorded as metrics.

    Structurally a ``GuardObserver`` (this layer cannot import it): retries by reason, attempts
    by outcome, rate-limiter waits and breaker states.
    """

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._seen: set[str] = set()

    def on_attempt(self, provider: str, outcome: str, seconds: float) -> None:
        """One attempt at the inner provider ended (the first one shows its breaker closed)."""
        if provider not in self._seen:
            self._seen.add(provider)
            if (
                self.metrics.registry.get_sample_value(
                    "aiconv_provider_breaker_state", {"provider": provider, "state": "open"}
                )
                is None
            ):
                set_breaker_state(self.metrics, provider, "closed")
        self.metrics.provider_attempts.labels(provider, outcome).inc()

    def on_retry(self, provider: str, reason: str, delay: float) -> None:
        """A retry follows because of ``reason``."""
        self.metrics.provider_retries.labels(provider, reason).inc()

    def on_breaker_change(self, provider: str, state: str) -> None:
        """The provider's breaker moved to ``state``."""
        self._seen.add(provider)
        set_breaker_state(self.metrics, provider, state)

    def on_rate_limited(self, provider: str, waited: float) -> None:
        """The limiter held a call back for ``waited`` seconds."""
        self.metrics.provider_rate_limit_wait.labels(provider).inc(waited)


class CacheMetrics:
    """The ``CacheObserver`` of ``aiconv.agents.cache``, recorded as metrics."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def lookup(self, provider: str, model: str, result: str, saved_usd: float) -> None:
        """One lookup: ``hit`` (and what it saved) or ``miss``."""
        self.metrics.cache_lookups.labels(provider, model, result).inc()
        if saved_usd:
            self.metrics.cache_saved.labels(provider, model).inc(saved_usd)


def set_breaker_state(metrics: Metrics, provider: str, state: str) -> None:
    """Mark ``state`` as the breaker's current one (1) and every other state 0."""
    for candidate in BREAKER_STATES:
        metrics.breaker_state.labels(provider, candidate).set(1.0 if candidate == state else 0.0)


@dataclass(frozen=True, slots=True)
class MetricsServer:
    """A running ``/metrics`` endpoint."""

    host: str
    port: int
    server: WSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        """Where Prometheus scrapes it."""
        return f"http://{self.host}:{self.port}/metrics"

    def stop(self) -> None:
        """Stop serving and join the thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_metrics(registry: CollectorRegistry, port: int, host: str = "0.0.0.0") -> MetricsServer:
    """Serve ``registry`` on ``host:port`` (0 picks a free port, see ``MetricsServer.port``)."""
    server, thread = start_http_server(port, addr=host, registry=registry)
    return MetricsServer(host=host, port=int(server.server_port), server=server, thread=thread)
