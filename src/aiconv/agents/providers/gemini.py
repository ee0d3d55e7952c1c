"""``GeminiProvider``: Gemini through ``google-genai`` (the maintained SDK), its async surface
``Client(...).aio``.

The SDK retries only when ``retry_options`` are set, so we never set them and ``GuardedProvider``
sees every attempt. We always hand it an ``httpx2.AsyncClient`` (injectable for tests) so the
transport is known; ``base_url`` goes through ``HttpOptions``. The system prompt is the
``system_instruction``; contents, tools and responses are mapped in ``gemini_content``.
Vendor errors are mapped in ``_map_error`` only.
"""

from __future__ import annotations

import httpx2
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from aiconv.agents import pricing
from aiconv.agents.messages import ChatReply, ChatRequest, Usage
from aiconv.agents.pricing import cost_usd
from aiconv.agents.provider import ChatProvider, DeltaCallback, key_alone
from aiconv.agents.providers.gemini_content import PromptBlocked, Reading, config, contents
from aiconv.errors import MalformedResponse, ProviderError, ProviderRejected, ProviderTimeout
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock
from aiconv.reliability.retry import error_for_status, retry_after_from

DEFAULT_MODEL = "gemini-3.8-flash"
#: Where the SDK sends requests when no base URL is given (the Gemini Developer API).
DEFAULT_ENDPOINT = "https://generativelanguage.googleapis.com/"


class GeminiProvider(ChatProvider):
    """Gemini models (Gemini Developer API); streams when ``on_delta`` is given."""

    def __init__(
        self,
        *,
        api_key: str,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        http_client: httpx2.AsyncClient | None = None,
        timeout: float = 600.0,
        name: str = "gemini",
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        api_key = key_alone(api_key, f"{name}: api_key")  # before any client is made
        self.name = name
        self.model = model
        self.clock = clock
        pricing.preload()
        self._http = http_client or httpx2.AsyncClient(timeout=timeout)
        options = types.HttpOptions(
            base_url=base_url, timeout=int(timeout * 1000), httpx_async_client=self._http
        )
        self._client = genai.Client(api_key=api_key, http_options=options).aio
        self.endpoint = base_url or DEFAULT_ENDPOINT

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The next message; vendor errors become ``aiconv.errors.ProviderError``."""
        started = self.clock.monotonic()
        asked = request.model or self.model
        history, settings = contents(request.messages), config(request)
        reading = Reading(model=asked)
        models = self._client.models
        try:
            if on_delta is None:
                reading.add(
                    await models.generate_content(model=asked, contents=history, config=settings)
                )
            else:
                async for chunk in await models.generate_content_stream(
                    model=asked, contents=history, config=settings
                ):
                    piece = reading.add(chunk)
                    if piece:
                        on_delta(piece)
            if reading.finish is None:  # a reply's (a stream's last chunk's) candidate has one
                raise ValueError("the reply ended before its finish reason")
        except Exception as exc:  # every SDK failure is mapped, unexpected ones included
            raise self._map_error(exc) from exc
        return ChatReply(
            content="".join(reading.text),
            model=reading.model,
            provider=self.name,
            usage=reading.usage,
            cost_usd=_cost(self.name, reading.model, asked, reading.usage),
            latency_s=self.clock.monotonic() - started,
            finish_reason=reading.finish,
            tool_calls=tuple(reading.calls),
        )

    async def aclose(self) -> None:
        """Close the SDK client and the HTTP client."""
        await self._client.aclose()
        await self._http.aclose()

    def _map_error(self, exc: Exception) -> ProviderError:
        """The one place where google-genai (and transport) errors become ours."""
        if isinstance(exc, httpx2.TimeoutException):
            return ProviderTimeout(f"{self.name}: request timed out", provider=self.name)
        if isinstance(exc, PromptBlocked):  # the same prompt is blocked again: no retry
            return ProviderRejected(f"{self.name}: {exc}", provider=self.name)
        if isinstance(exc, genai_errors.APIError):
            headers = getattr(exc.response, "headers", None)
            hint = retry_after_from(headers.get, now=self.clock.now()) if headers else None
            mapped = error_for_status(
                exc.code, exc.message or str(exc), provider=self.name, retry_after=hint
            )
            mapped.request_id = headers.get("x-request-id") if headers else None
            return mapped
        if isinstance(exc, httpx2.TransportError):
            return ProviderError(
                f"{self.name}: connection failed: {exc}", provider=self.name, retryable=True
            )
        return MalformedResponse(
            f"{self.name}: malformed response ({type(exc).__name__}: {str(exc)[:300]})",
            provider=self.name,
        )


def _cost(vendor: str, answered: str, asked: str, usage: Usage) -> float | None:
    """Priced by the model version that answered, else by the model that was asked for."""
    known = cost_usd(vendor, answered, usage)
    return known if known is not None else cost_usd(vendor, asked, usage)
