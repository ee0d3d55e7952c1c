"""``InstrumentedProvider``: metrics, spans and a log line around every provider call.

Wrap the guarded provider (``InstrumentedProvider(GuardedProvider(adapter))``): one request
count, duration and log line cover a whole call, retries included, while the ``chat`` spans
(``TracedProvider``) go inside the guard, one per attempt, so retries are not folded into one
span; per-attempt metrics come through the guard hooks
(``aiconv.observability.metrics.GuardMetrics``). The call's outcome is the turn's: on the
enclosing ``invoke_agent`` span it sets ``gen_ai.provider.name`` and, when the call fails for
good, ``error.type`` and an error status. Prompts and replies are never recorded.
"""

from __future__ import annotations

import asyncio
import time

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from aiconv.agents.guarded import GuardedProvider
from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider
from aiconv.agents.traced import TracedProvider, error_type
from aiconv.errors import OutputClosed, ProviderError
from aiconv.observability import tracing
from aiconv.observability.logs import get_logger
from aiconv.observability.metrics import Metrics


class InstrumentedProvider(ForwardingProvider):
    """A ``ChatProvider`` that records every call to ``inner`` (spans per attempt)."""

    def __init__(
        self, inner: ChatProvider, *, metrics: Metrics, tracer: trace.Tracer | None = None
    ) -> None:
        super().__init__(inner)
        self.metrics = metrics
        self.tracer = tracer or trace.NoOpTracer()
        self.log = get_logger("aiconv.provider")
        if isinstance(inner, GuardedProvider):
            if not isinstance(inner.inner, TracedProvider):  # instrumented once only
                inner.wrap_attempts(lambda attempt: TracedProvider(attempt, tracer=self.tracer))
        else:
            self.inner = TracedProvider(inner, tracer=self.tracer)

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The inner reply; counted, timed, traced and logged."""
        model = request.model or self.model
        turn = tracing.agent_span()
        if turn is not None:
            turn.set_attribute("gen_ai.provider.name", tracing.gen_ai_provider(self.name))
        started = time.perf_counter()
        try:
            reply = await self.inner.complete(request, on_delta=on_delta)
        except BaseException as exc:  # cancelled (a signal) or a bug: still accounted for
            kind = (
                error_type(exc)
                if isinstance(exc, ProviderError | asyncio.CancelledError)
                else "cancelled"  # the reader of the live stream went away (`| head`)
                if isinstance(exc, OutputClosed)
                else "error"
            )
            self._failed(model, kind, time.perf_counter() - started, exc)
            if turn is not None and isinstance(exc, ProviderError):  # the turn fails with it
                turn.set_attribute("error.type", kind)
                turn.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        self._succeeded(model, reply, time.perf_counter() - started)
        if turn is not None:
            turn.set_attribute("aiconv.attempts", reply.attempts)
        return reply

    def _succeeded(self, model: str, reply: ChatReply, seconds: float) -> None:
        m = self.metrics
        m.provider_requests.labels(self.name, model, "ok").inc()
        m.provider_duration.labels(self.name, model).observe(seconds)
        usage = reply.usage
        m.provider_tokens.labels(self.name, model, "input").inc(usage.input_tokens)
        m.provider_tokens.labels(self.name, model, "output").inc(usage.output_tokens)
        if reply.cost_usd is not None:  # $0 is a known price (mock, local models): a series at 0
            m.provider_cost.labels(self.name, model).inc(reply.cost_usd)
        self.log.debug(
            "provider.call",
            provider=self.name,
            model=model,
            response_model=reply.model,
            outcome="ok",
            latency_s=round(seconds, 6),
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=reply.cost_usd,
            attempts=reply.attempts,
            truncated=reply.truncated,
        )

    def _failed(self, model: str, kind: str, seconds: float, exc: BaseException) -> None:
        self.metrics.provider_requests.labels(self.name, model, kind).inc()
        self.metrics.provider_duration.labels(self.name, model).observe(seconds)
        # a call cancelled on purpose (Ctrl+C, a lease given up) is no failure to warn about
        log = self.log.info if kind == "cancelled" else self.log.warning
        log(
            "provider.call",
            provider=self.name,
            model=model,
            outcome=kind,
            latency_s=round(seconds, 6),
            error=f"{type(exc).__name__}: {exc}"[:500],
            attempts=exc.attempts if isinstance(exc, ProviderError) else None,
        )
