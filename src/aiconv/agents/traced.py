"""``TracedProvider``: one OpenTelemetry ``chat`` span per call to the provider it wraps.

Put inside the guard (``GuardedProvider.wrap_attempts``), it makes a span per attempt, so a
retried call shows each try with its outcome. Attributes follow the OpenTelemetry GenAI
semantic conventions of the installed ``opentelemetry-semantic-conventions`` (``gen_ai.*``,
``server.address``/``server.port``, ``error.type``; never the deprecated ``gen_ai.system``).
Prompts and replies are never recorded.
"""

from __future__ import annotations

import asyncio
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider, HasEndpoint
from aiconv.errors import ProviderError
from aiconv.observability.tracing import gen_ai_provider, server_of


class TracedProvider(ForwardingProvider):
    """A ``chat {model}`` CLIENT span around every call to ``inner``."""

    def __init__(self, inner: ChatProvider, *, tracer: trace.Tracer) -> None:
        super().__init__(inner)
        self.tracer = tracer
        self.server = server_of(inner.endpoint if isinstance(inner, HasEndpoint) else None)

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The inner reply, inside its span."""
        model = request.model or self.model
        with self.tracer.start_as_current_span(
            f"chat {model}",
            kind=SpanKind.CLIENT,
            attributes=self._request_attributes(request, model, streamed=on_delta is not None),
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                reply = await self.inner.complete(request, on_delta=on_delta)
            except BaseException as exc:
                span.set_attribute("error.type", error_type(exc))
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            if span.is_recording():
                span.set_attributes(response_attributes(reply))
            return reply

    def _request_attributes(
        self, request: ChatRequest, model: str, *, streamed: bool
    ) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": gen_ai_provider(self.name),
            "gen_ai.request.model": model,
            "gen_ai.request.max_tokens": request.max_tokens,
            "gen_ai.request.stream": streamed,
            **self.server,
        }
        if request.temperature is not None:
            attributes["gen_ai.request.temperature"] = request.temperature
        return attributes


def response_attributes(reply: ChatReply) -> dict[str, Any]:
    """The GenAI attributes of a reply: model, finish reason and usage."""
    usage = reply.usage
    attributes: dict[str, Any] = {
        "gen_ai.response.model": reply.model,
        "gen_ai.usage.input_tokens": usage.input_tokens,
        "gen_ai.usage.output_tokens": usage.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": usage.cache_read_tokens,
        "gen_ai.usage.cache_creation.input_tokens": usage.cache_write_tokens,
        "gen_ai.usage.reasoning.output_tokens": usage.reasoning_tokens,
    }
    if reply.finish_reason:
        attributes["gen_ai.response.finish_reasons"] = [reply.finish_reason]
    return attributes


def error_type(exc: BaseException) -> str:
    """``error.type``: our error kind, ``cancelled``, or the exception's class name."""
    if isinstance(exc, ProviderError):
        return exc.kind
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    return type(exc).__name__
