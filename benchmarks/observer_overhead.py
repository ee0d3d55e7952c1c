"""Per-turn cost of the telemetry observer (metrics + spans + log context), without exporting.

Run: ``.venv/bin/python -m benchmarks.observer_overhead``. Drives exactly the hooks the conductor
calls for one turn (``turn`` context, ``turn_claimed``, ``message_posted``) on a real
``ConversationState``, with the tracer the CLI builds when no ``OTEL_*`` variable is set (spans
with ids, not recorded: no processor), logs at ``info`` (the per-turn lines are ``debug``), and
compares with the null observer. Prints microseconds per turn.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

import structlog
from prometheus_client import CollectorRegistry

from aiconv.observability.metrics import Metrics
from aiconv.observability.observer import TelemetryObserver
from aiconv.observability.tracing import TraceConfig, tracer_from
from aiconv.observability.tracing_sdk import new_tracer_provider
from aiconv.platform.conversation import ConversationState, Message
from aiconv.platform.events import ConversationStarted, ParticipantSpec
from aiconv.platform.observer import NULL_OBSERVER, ConductorObserver

TURNS = 20_000


def one_turn(observer: ConductorObserver, state: ConversationState, message: Message) -> None:
    with observer.turn(state, "alice", {}):
        observer.turn_claimed(state, "alice", 0.002)
        observer.message_posted(state, message, 0.5)


def per_turn_us(observer: ConductorObserver, state: ConversationState, message: Message) -> float:
    run: Callable[[], None] = lambda: one_turn(observer, state, message)  # noqa: E731
    for _ in range(1000):
        run()
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(TURNS):
            run()
        best = min(best, (time.perf_counter() - started) / TURNS)
    return best * 1e6


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    started = ConversationStarted(
        topic="t",
        participants=(
            ParticipantSpec(name="alice", agent="anthropic"),
            ParticipantSpec(name="bob", agent="openai"),
        ),
        first_speaker="alice",
    )
    state = ConversationState(conversation_id=uuid.uuid4().hex, started=started, sequence=3)
    message = Message(sequence=3, at=0.0, sender="alice", content="hi", model="m")
    config = TraceConfig.from_env({})
    tracer = tracer_from(config, new_tracer_provider(config))
    telemetry = TelemetryObserver(Metrics(CollectorRegistry()), tracer=tracer)
    disabled = TelemetryObserver(Metrics(CollectorRegistry()))  # OTEL_SDK_DISABLED=true
    with telemetry.playing(state.conversation_id), disabled.playing(state.conversation_id):
        null = per_turn_us(NULL_OBSERVER, state, message)
        full = per_turn_us(telemetry, state, message)
        no_spans = per_turn_us(disabled, state, message)
    print(f"null observer                 {null:7.2f} us/turn")
    print(f"telemetry, no OTEL_* set      {full:7.2f} us/turn (span ids, nothing recorded)")
    print(f"telemetry, OTEL_SDK_DISABLED  {no_spans:7.2f} us/turn (metrics and log context only)")


if __name__ == "__main__":
    main()
