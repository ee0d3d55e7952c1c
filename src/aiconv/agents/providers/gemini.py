"""``GeminiProvider``: Gemini through ``google-genai`` (the maintained SDK), its async surface
``Client(...).aio``.

The SDK retries only when ``retry_options`` are set, so we never set them and ``GuardedProvider``
sees every attempt. We always hand it an ``httpx2.AsyncClient`` (injectable for tests) so the
transport is known; ``base_url`` goes through ``HttpOptions``. The system prompt is the
``system_instruction``; roles are ``user`` and ``model``. Vendor errors are mapped in
``_map_error`` only.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from aiconv.agents.messages import ChatReply, ChatRequest, Usage
from aiconv.agents.pricing import cost_usd
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.errors import ProviderError, ProviderTimeout
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock
from aiconv.reliability.retry import error_for_status, retry_after_from

DEFAULT_MODEL = "gemini-3.8-flash"


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
        self.name = name
        self.model = model
        self.clock = clock
        self._http = http_client or httpx2.AsyncClient(timeout=timeout)
        options = types.HttpOptions(
            base_url=base_url, timeout=int(timeout * 1000), httpx_async_client=self._http
        )
        self._client = genai.Client(api_key=api_key, http_options=options).aio

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The next message; vendor errors become ``aiconv.errors.ProviderError``."""
        started = self.clock.monotonic()
        model = request.model or self.model
        try:
            if on_delta is None:
                response = await self._client.models.generate_content(**self._params(request))
                text, usage, finish = _text(response), response.usage_metadata, _finish(response)
                model = response.model_version or model
            else:
                text, usage, finish, model = await self._stream(request, on_delta)
        except (
            genai_errors.APIError,
            genai_errors.UnknownApiResponseError,
            httpx2.HTTPError,
            json.JSONDecodeError,
        ) as exc:
            raise self._map_error(exc) from exc
        counted = _usage(usage)
        return ChatReply(
            content=text,
            model=model,
            provider=self.name,
            usage=counted,
            cost_usd=_cost(self.name, model, request.model or self.model, counted),
            latency_s=self.clock.monotonic() - started,
            finish_reason=finish,
        )

    async def aclose(self) -> None:
        """Close the SDK client and the HTTP client."""
        await self._client.aclose()
        await self._http.aclose()

    async def _stream(
        self, request: ChatRequest, on_delta: DeltaCallback
    ) -> tuple[str, Any, str | None, str]:
        parts: list[str] = []
        usage: Any = None
        finish: str | None = None
        model = request.model or self.model
        async for chunk in await self._client.models.generate_content_stream(
            **self._params(request)
        ):
            piece = _text(chunk)
            if piece:
                parts.append(piece)
                on_delta(piece)
            usage = chunk.usage_metadata or usage
            finish = _finish(chunk) or finish
            model = chunk.model_version or model
        return "".join(parts), usage, finish, model

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        contents = [
            types.Content(
                role="model" if m.role == "assistant" else "user",
                parts=[types.Part(text=m.content)],
            )
            for m in request.messages
        ]
        config = types.GenerateContentConfig(
            system_instruction=request.system or None,
            max_output_tokens=request.max_tokens,
            temperature=request.temperature,
        )
        return {"model": request.model or self.model, "contents": contents, "config": config}

    def _map_error(self, exc: Exception) -> ProviderError:
        """The one place where google-genai (and transport) errors become ours."""
        if isinstance(exc, httpx2.TimeoutException):
            return ProviderTimeout(f"{self.name}: request timed out", provider=self.name)
        if isinstance(exc, genai_errors.APIError):
            headers = getattr(exc.response, "headers", None)
            hint = retry_after_from(headers.get, now=self.clock.now()) if headers else None
            return error_for_status(
                exc.code, exc.message or str(exc), provider=self.name, retry_after=hint
            )
        if isinstance(exc, httpx2.TransportError):
            return ProviderError(
                f"{self.name}: connection failed: {exc}", provider=self.name, retryable=True
            )
        return ProviderError(
            f"{self.name}: malformed response: {exc}", provider=self.name, retryable=True
        )


def _cost(vendor: str, answered: str, asked: str, usage: Usage) -> float | None:
    """Priced by the model version that answered, else by the model that was asked for."""
    known = cost_usd(vendor, answered, usage)
    return known if known is not None else cost_usd(vendor, asked, usage)


def _text(response: types.GenerateContentResponse) -> str:
    if not response.candidates:
        return ""
    content = response.candidates[0].content
    if content is None or not content.parts:
        return ""
    return "".join(p.text for p in content.parts if p.text and not p.thought)


def _finish(response: types.GenerateContentResponse) -> str | None:
    if not response.candidates or response.candidates[0].finish_reason is None:
        return None
    return str(response.candidates[0].finish_reason.value).lower()


def _usage(meta: types.GenerateContentResponseUsageMetadata | None) -> Usage:
    if meta is None:
        return Usage()
    output = (meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0)
    return Usage(input_tokens=meta.prompt_token_count or 0, output_tokens=output)
