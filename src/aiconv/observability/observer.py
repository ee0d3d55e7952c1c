"""``TelemetryObserver``: the conductor's observer port, as metrics, spans and log context.

It satisfies ``aiconv.platform.observer.ConductorObserver`` structurally: this layer may not
import the platform, so the state it reads is described by the protocols in ``views``. Every
hook is cheap (tens of microseconds a turn) and never raises into the conductor.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import structlog
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from aiconv.observability import tracing
from aiconv.observability.logs import get_logger
from aiconv.observability.metrics import Metrics
from aiconv.observability.views import MessageView, StateView


@dataclass(frozen=True, slots=True)
class OpenedTurn:
    """A turn span started ahead of its turn (``TelemetryObserver.open_turn``)."""

    trace_context: dict[str, str]
    span: trace.Span

    def abandon(self) -> None:
        """End the span of a turn that was never taken here (else it is never exported)."""
        self.span.set_attribute("aiconv.turn.abandoned", True)
        self.span.end()


class TelemetryObserver:
    """Metrics, spans and log context for the conductor's hooks."""

    def __init__(
        self,
        metrics: Metrics,
        *,
        tracer: trace.Tracer | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.metrics = metrics
        self.tracer = tracer or trace.NoOpTracer()
        self.clock = clock
        self.log = get_logger("aiconv.conversation")
        self._seats: dict[str, int] = {}
        self._progress: dict[str, float] = {}
        self._lock = threading.Lock()  # the scrape thread reads _progress
        self._contexts: dict[str, Context] = {}
        metrics.conversation_idle.set_function(self.idle_max_seconds)

    def conversation_started(self, state: StateView) -> None:
        """Count it and log it."""
        self.metrics.conversations_started.inc()
        self.log.info(
            "conversation.started",
            conversation_id=state.conversation_id,
            participants=[f"{p.name}={p.agent}" for p in state.participants],
        )

    @contextlib.contextmanager
    def playing(self, conversation_id: str) -> Iterator[None]:
        """This process runs a participant of the conversation for the duration.

        ``Conductor.play`` wraps itself in it; nested calls for one conversation are counted
        once. Feeds ``aiconv_conversations_active`` and ``aiconv_conversation_idle_max_seconds``.
        """
        cid = conversation_id
        with self._lock:
            self._seats[cid] = self._seats.get(cid, 0) + 1
            self._progress.setdefault(cid, self.clock())
            self.metrics.conversations_active.set(len(self._seats))
        try:
            yield
        finally:
            with self._lock:
                left = self._seats.get(cid, 1) - 1
                if left > 0:
                    self._seats[cid] = left
                else:
                    self._seats.pop(cid, None)
                    self._progress.pop(cid, None)
                    self._contexts.pop(cid, None)
                self.metrics.conversations_active.set(len(self._seats))

    def open_turn(self, state: StateView, speaker: str) -> OpenedTurn:
        """``speaker``'s next turn span, started now (its claim is appended with the message
        before it); ``turn`` enters and ends it."""
        span = self._turn_span(state, speaker, None)
        return OpenedTurn(tracing.inject(span), span)

    @contextlib.contextmanager
    def turn(
        self,
        state: StateView,
        speaker: str,
        parent: Mapping[str, str],
        opening: object | None = None,
    ) -> Iterator[dict[str, str]]:
        """A span for the turn under the conversation's span (the one ``open_turn`` started,
        when given); yields its ``traceparent``."""
        cid = state.conversation_id
        if isinstance(opening, OpenedTurn):
            span, context = opening.span, opening.trace_context
        else:
            span = self._turn_span(state, speaker, tracing.extract(parent))
            context = tracing.inject(span)
        bound = structlog.contextvars.bind_contextvars(
            conversation_id=cid,
            participant=speaker,
            turn=state.turns + 1,
            trace_id=tracing.trace_id_hex(span),
        )
        try:
            with trace.use_span(span, end_on_exit=False, record_exception=False):
                yield context
        except BaseException as exc:
            span.set_attribute("error.type", type(exc).__name__)
            span.set_status(Status(StatusCode.ERROR))
            raise
        finally:
            structlog.contextvars.reset_contextvars(**bound)
            span.end()

    def _turn_span(
        self, state: StateView, speaker: str, taken_over: trace.SpanContext | None
    ) -> trace.Span:
        cid = state.conversation_id
        return self.tracer.start_span(
            f"invoke_agent {speaker}",
            context=self._conversation_context(cid),
            kind=SpanKind.INTERNAL,
            attributes={
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": speaker,
                "gen_ai.conversation.id": cid,
                "aiconv.turn": state.turns + 1,
            },
            links=[Link(taken_over, {"aiconv.link": "taken_over"})] if taken_over else None,
        )

    @contextlib.contextmanager
    def tool_call(
        self, state: StateView, speaker: str, tool: str, call_id: str
    ) -> Iterator[dict[str, object]]:
        """An ``execute_tool`` span, the tool metrics and a log line around one tool call; the
        conductor fills the yielded dict with ``outcome`` and ``is_error``."""
        seen: dict[str, object] = {}
        started = self.clock()
        with self.tracer.start_as_current_span(
            f"execute_tool {tool}",
            kind=SpanKind.INTERNAL,
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": tool,
                "gen_ai.tool.call.id": call_id,
                "gen_ai.tool.type": "function",
                "gen_ai.conversation.id": state.conversation_id,
                "gen_ai.agent.name": speaker,
            },
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield seen
            finally:
                seconds = self.clock() - started
                outcome = str(seen.get("outcome", "cancelled"))
                named = self.metrics.tool(tool)
                self.metrics.tool_calls.labels(named, outcome).inc()
                self.metrics.tool_duration.labels(named).observe(seconds)
                if outcome != "ok":
                    span.set_attribute("error.type", outcome)
                    span.set_status(Status(StatusCode.ERROR, outcome))
                self.log.info(
                    "tool.returned",
                    tool=tool,
                    call_id=call_id,
                    outcome=outcome,
                    latency_s=round(seconds, 6),
                )

    def turn_claimed(self, state: StateView, speaker: str, handoff_s: float) -> None:
        """Hand-off latency; progress."""
        self.metrics.handoff.observe(handoff_s)
        self._touch(state.conversation_id)
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("aiconv.handoff_s", handoff_s)
            span.set_attribute("aiconv.sequence", state.sequence)

    def message_posted(self, state: StateView, message: MessageView, turn_s: float) -> None:
        """Turn count and duration by provider, loops detected on this message; progress.

        Called inside ``turn`` (its span is the current one); the provider is the message's own,
        or for a message recorded before messages kept it, the participant's agent's vendor.
        """
        provider = message.provider or _agent_vendor(state, message.sender)
        self.metrics.turns.labels(self.metrics.participant(message.sender), provider).inc()
        self.metrics.turn_duration.labels(provider).observe(turn_s)
        self._touch(state.conversation_id)
        for loop in reversed(state.loops):
            if not loop.sequences or loop.sequences[-1] < message.sequence:
                break
            if loop.sequences[-1] == message.sequence:
                self.metrics.loops.labels(loop.loop_kind).inc()
                self.log.info("loop.detected", kind=loop.loop_kind)
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("gen_ai.response.model", message.model)
            span.set_attribute("gen_ai.usage.input_tokens", message.input_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", message.output_tokens)
        if message.truncated:
            span.set_attribute("aiconv.truncated", True)
            self.log.warning("message.truncated", sequence=message.sequence, model=message.model)
        self.log.debug("turn.posted", turn_s=round(turn_s, 6), sequence=message.sequence)

    def conflict(self, state: StateView) -> None:
        """Someone else appended first."""
        self.metrics.turn_conflicts.inc()
        trace.get_current_span().add_event("sequence_conflict", {"aiconv.sequence": state.sequence})

    def conversation_ended(self, state: StateView) -> None:
        """Count the reason, emit the conversation's root span, log the summary."""
        reason = state.ended.reason if state.ended is not None else "unknown"
        self.metrics.conversations_ended.labels(reason).inc()
        self._emit_conversation_span(state, reason)
        self.log.info(
            "conversation.ended",
            conversation_id=state.conversation_id,
            reason=reason,
            turns=state.turns,
            input_tokens=state.input_tokens,
            output_tokens=state.output_tokens,
            cost_usd=round(state.cost_usd, 6),
        )

    def idle_max_seconds(self) -> float:
        """The longest time any conversation this process plays has gone without progress."""
        now = self.clock()
        with self._lock:
            oldest = min(self._progress.values(), default=now)
        return max(0.0, now - oldest)

    def _touch(self, conversation_id: str) -> None:
        with self._lock:
            if conversation_id in self._progress:
                self._progress[conversation_id] = self.clock()

    def _conversation_context(self, conversation_id: str) -> Context:
        context = self._contexts.get(conversation_id)
        if context is None:
            trace_id = tracing.conversation_trace_id(conversation_id)
            sampled = tracing.is_sampled(self.tracer, trace_id)
            context = tracing.conversation_context(conversation_id, sampled=sampled)
            if len(self._contexts) > 10_000:  # conversations ended elsewhere are never popped
                self._contexts.clear()
            self._contexts[conversation_id] = context
        return context

    def _emit_conversation_span(self, state: StateView, reason: str) -> None:
        cid = state.conversation_id
        ids = tracing.conversation_trace_id(cid), tracing.conversation_span_id(cid)
        with tracing.forced_ids(*ids):
            span = self.tracer.start_span(
                "conversation",
                context=Context(),
                kind=SpanKind.INTERNAL,
                start_time=int(state.started_at * 1e9) if state.started_at else None,
                attributes={
                    "gen_ai.conversation.id": cid,
                    "aiconv.participants": [p.name for p in state.participants],
                    "aiconv.turns": state.turns,
                    "aiconv.end_reason": reason,
                    "gen_ai.usage.input_tokens": state.input_tokens,
                    "gen_ai.usage.output_tokens": state.output_tokens,
                    "aiconv.cost_usd": state.cost_usd,
                },
            )
        span.end()


def _agent_vendor(state: StateView, name: str) -> str:
    for participant in state.participants:
        if participant.name == name:
            return participant.agent.split(":", 1)[0].lower()
    return "unknown"
