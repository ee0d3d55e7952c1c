"""``InstrumentedProvider``: metrics, a GenAI span and a log line around every provider call.

Wrap the guarded provider (``InstrumentedProvider(GuardedProvider(adapter))``) so one span and
one request count cover a whole call, retries included; per-attempt facts come through the
guard hooks (``aiconv.observability.metrics.GuardMetrics``). Span attributes follow the
OpenTelemetry GenAI semantic conventions. Prompts and replies are never recorded.
"""

from __future__ import annotations

import asyncio
import time

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider
from aiconv.errors import ProviderError
from aiconv.observability.logs import get_logger
from aiconv.observability.metrics import Metrics

#: Our vendor names -> ``gen_ai.provider.name`` well-known values.
GEN_AI_PROVIDERS = {
    "anthropic": "anthropic",
    "openai": "openai",
    "gemini": "gcp.gemini",
    "xai": "x_ai",
    "grok": "x_ai",
    "perplexity": "perplexity",
}


class InstrumentedProvider(ForwardingProvider):
    """A ``ChatProvider`` that records every call to ``inner``."""

    def __init__(
        self, inner: ChatProvider, *, metrics: Metrics, tracer: trace.Tracer | None = None
    ) -> None:
        super().__init__(inner)
        self.metrics = metrics
        self.tracer = tracer or trace.NoOpTracer()
        self.gen_ai_provider = GEN_AI_PROVIDERS.get(inner.name, inner.name)
        self.log = get_logger("aiconv.provider")

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The inner reply; counted, timed, traced and logged."""
        model = request.model or self.model
        with self.tracer.start_as_current_span(
            f"chat {model}",
            kind=SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": self.gen_ai_provider,
                "gen_ai.system": self.gen_ai_provider,
                "gen_ai.request.model": model,
                "gen_ai.request.max_tokens": request.max_tokens,
            },
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            started = time.perf_counter()
            try:
                reply = await self.inner.complete(request, on_delta=on_delta)
            except ProviderError as exc:
                self._failed(span, model, exc.kind, time.perf_counter() - started, exc)
                raise
            except BaseException as exc:  # cancelled (a signal) or a bug: still accounted for
                kind = "cancelled" if isinstance(exc, asyncio.CancelledError) else "error"
                self._failed(span, model, kind, time.perf_counter() - started, exc)
                raise
            self._succeeded(span, model, reply, time.perf_counter() - started)
            return reply

    def _succeeded(self, span: trace.Span, model: str, reply: ChatReply, seconds: float) -> None:
        m = self.metrics
        m.provider_requests.labels(self.name, model, "ok").inc()
        m.provider_duration.labels(self.name, model).observe(seconds)
        usage = reply.usage
        m.provider_tokens.labels(self.name, model, "input").inc(usage.input_tokens)
        m.provider_tokens.labels(self.name, model, "output").inc(usage.output_tokens)
        if reply.cost_usd:
            m.provider_cost.labels(self.name, model).inc(reply.cost_usd)
        if span.is_recording():
            span.set_attribute("gen_ai.response.model", reply.model)
            span.set_attribute("gen_ai.usage.input_tokens", usage.input_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)
            if reply.finish_reason:
                span.set_attribute("gen_ai.response.finish_reasons", [reply.finish_reason])
            span.set_attribute("aiconv.attempts", reply.attempts)
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
        )

    def _failed(
        self, span: trace.Span, model: str, kind: str, seconds: float, exc: BaseException
    ) -> None:
        self.metrics.provider_requests.labels(self.name, model, kind).inc()
        self.metrics.provider_duration.labels(self.name, model).observe(seconds)
        span.set_attribute("error.type", kind)
        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        self.log.warning(
            "provider.call",
            provider=self.name,
            model=model,
            outcome=kind,
            latency_s=round(seconds, 6),
            error=f"{type(exc).__name__}: {exc}"[:500],
            attempts=exc.attempts if isinstance(exc, ProviderError) else None,
        )
