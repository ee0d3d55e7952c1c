"""``AnthropicProvider``: Claude through the async ``anthropic`` SDK (Messages API).

The SDK's own retries are off (``max_retries=0``) so every attempt is visible to
``GuardedProvider``; ``http_client`` (an ``httpx2.AsyncClient``, the SDK's HTTP library) and
``base_url`` are injectable. The system prompt goes in ``system=``; the history is already in
user/assistant roles starting with a user turn. Vendor errors are mapped in ``_map_error`` only.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx2
from anthropic.types import Message, MessageParam

from aiconv.agents.messages import ChatReply, ChatRequest, Usage
from aiconv.agents.pricing import cost_usd
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.errors import ProviderError, ProviderTimeout
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock
from aiconv.reliability.retry import error_for_status, retry_after_from

DEFAULT_MODEL = "claude-sonnet-5-5"


class AnthropicProvider(ChatProvider):
    """Claude models; streams when ``on_delta`` is given."""

    def __init__(
        self,
        *,
        api_key: str,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        http_client: httpx2.AsyncClient | None = None,
        timeout: float = 600.0,
        name: str = "anthropic",
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.name = name
        self.model = model
        self.clock = clock
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
            http_client=http_client,
        )

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The next message; vendor errors become ``aiconv.errors.ProviderError``."""
        started = self.clock.monotonic()
        try:
            if on_delta is None:
                message = await self._client.messages.create(**self._params(request))
            else:
                message = await self._stream(request, on_delta)
        except (anthropic.AnthropicError, httpx2.HTTPError, json.JSONDecodeError) as exc:
            raise self._map_error(exc) from exc
        return self._reply(message, self.clock.monotonic() - started)

    async def aclose(self) -> None:
        """Close the SDK client (and its HTTP connections)."""
        await self._client.close()

    async def _stream(self, request: ChatRequest, on_delta: DeltaCallback) -> Message:
        async with self._client.messages.stream(**self._params(request)) as stream:
            async for text in stream.text_stream:
                on_delta(text)
            return await stream.get_final_message()

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        messages: list[MessageParam] = []
        for m in request.messages:
            if m.role == "assistant":
                messages.append({"role": "assistant", "content": m.content})
            else:
                messages.append({"role": "user", "content": m.content})
        params: dict[str, Any] = {
            "model": request.model or self.model,
            "max_tokens": request.max_tokens,
            "messages": messages,
        }
        if request.system:
            params["system"] = request.system
        if request.temperature is not None:
            params["temperature"] = request.temperature
        return params

    def _reply(self, message: Message, latency: float) -> ChatReply:
        text = "".join(block.text for block in message.content if block.type == "text")
        u = message.usage
        cached = (u.cache_creation_input_tokens or 0) + (u.cache_read_input_tokens or 0)
        usage = Usage(input_tokens=u.input_tokens + cached, output_tokens=u.output_tokens)
        return ChatReply(
            content=text,
            model=message.model,
            provider=self.name,
            usage=usage,
            cost_usd=cost_usd(self.name, message.model, usage),
            latency_s=latency,
            finish_reason=message.stop_reason,
        )

    def _map_error(self, exc: Exception) -> ProviderError:
        """The one place where Anthropic (and mid-stream transport) errors become ours."""
        if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
            return ProviderTimeout(f"{self.name}: request timed out", provider=self.name)
        if isinstance(exc, anthropic.APIStatusError):
            hint = retry_after_from(exc.response.headers.get, now=self.clock.now())
            detail = exc.api_message or exc.message
            return error_for_status(exc.status_code, detail, provider=self.name, retry_after=hint)
        if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
            return ProviderError(
                f"{self.name}: connection failed: {exc}", provider=self.name, retryable=True
            )
        if isinstance(exc, anthropic.APIResponseValidationError | json.JSONDecodeError):
            return ProviderError(
                f"{self.name}: malformed response: {exc}", provider=self.name, retryable=True
            )
        return ProviderError(f"{self.name}: {exc}", provider=self.name, retryable=False)
