"""``OpenAIProvider``: OpenAI Chat Completions through the async ``openai`` SDK, and every
compatible server (Grok, Perplexity, Ollama, vLLM, LM Studio, OpenRouter, a company gateway)
configured by ``base_url``, key and ``name``.

SDK retries are off (``max_retries=0``) so ``GuardedProvider`` sees every attempt;
``http_client`` (an ``httpx2.AsyncClient``) is injectable. The system prompt is the first
message. Streaming asks for the usage chunk (``stream_options.include_usage``). Vendor errors
are mapped in ``_map_error`` only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

import httpx2
import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from aiconv.agents.messages import ChatReply, ChatRequest, Usage
from aiconv.agents.pricing import cost_usd
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.errors import ProviderError, ProviderTimeout
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock
from aiconv.reliability.retry import error_for_status, retry_after_from

DEFAULT_MODEL = "gpt-6.2-sol"

#: Which body field carries the output limit: OpenAI's current models want
#: ``max_completion_tokens``; many compatible servers only know ``max_tokens``.
MaxTokensField = Literal["max_completion_tokens", "max_tokens"]


class OpenAIProvider(ChatProvider):
    """OpenAI or any Chat Completions-compatible server; streams when ``on_delta`` is given."""

    def __init__(
        self,
        *,
        api_key: str | None,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        http_client: httpx2.AsyncClient | None = None,
        timeout: float = 600.0,
        name: str = "openai",
        max_tokens_field: MaxTokensField = "max_completion_tokens",
        clock: Clock = SYSTEM_CLOCK,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.clock = clock
        self.max_tokens_field = max_tokens_field
        self._client = openai.AsyncOpenAI(
            api_key=api_key or "no-key",  # local servers (Ollama) take none; the SDK wants one
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
            http_client=http_client,
            default_headers=default_headers,
        )

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The next message; vendor errors become ``aiconv.errors.ProviderError``."""
        started = self.clock.monotonic()
        try:
            if on_delta is None:
                completion = await self._client.chat.completions.create(**self._params(request))
                reply = self._reply(completion)
            else:
                reply = await self._stream(request, on_delta)
        except (openai.OpenAIError, httpx2.HTTPError, json.JSONDecodeError) as exc:
            raise self._map_error(exc) from exc
        return _timed(reply, self.clock.monotonic() - started)

    async def aclose(self) -> None:
        """Close the SDK client (and its HTTP connections)."""
        await self._client.close()

    async def _stream(self, request: ChatRequest, on_delta: DeltaCallback) -> ChatReply:
        params = self._params(request) | {
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        stream = await self._client.chat.completions.create(**params)
        parts: list[str] = []
        model, finish, usage = request.model or self.model, None, Usage()
        async with stream:
            async for chunk in stream:
                model = chunk.model or model
                if chunk.usage is not None:
                    usage = _usage(chunk.usage)
                for choice in chunk.choices or ():
                    finish = choice.finish_reason or finish
                    if choice.delta.content:
                        parts.append(choice.delta.content)
                        on_delta(choice.delta.content)
        return self._make_reply("".join(parts), model, usage, finish)

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        messages: list[ChatCompletionMessageParam] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        for m in request.messages:
            if m.role == "assistant":
                messages.append({"role": "assistant", "content": m.content})
            else:
                messages.append({"role": "user", "content": m.content})
        params: dict[str, Any] = {
            "model": request.model or self.model,
            "messages": messages,
            self.max_tokens_field: request.max_tokens,
        }
        if request.temperature is not None:
            params["temperature"] = request.temperature
        return params

    def _reply(self, completion: ChatCompletion) -> ChatReply:
        choice = completion.choices[0] if completion.choices else None
        text = (choice.message.content or "") if choice is not None else ""
        usage = _usage(completion.usage) if completion.usage is not None else Usage()
        finish = choice.finish_reason if choice is not None else None
        return self._make_reply(text, completion.model, usage, finish)

    def _make_reply(self, text: str, model: str, usage: Usage, finish: str | None) -> ChatReply:
        return ChatReply(
            content=text,
            model=model,
            provider=self.name,
            usage=usage,
            cost_usd=cost_usd(self.name, model, usage),
            finish_reason=finish,
        )

    def _map_error(self, exc: Exception) -> ProviderError:
        """The one place where OpenAI (and mid-stream transport) errors become ours."""
        if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
            return ProviderTimeout(f"{self.name}: request timed out", provider=self.name)
        if isinstance(exc, openai.APIStatusError):
            hint = retry_after_from(exc.response.headers.get, now=self.clock.now())
            return error_for_status(
                exc.status_code, exc.message, provider=self.name, retry_after=hint
            )
        if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
            return ProviderError(
                f"{self.name}: connection failed: {exc}", provider=self.name, retryable=True
            )
        if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError):
            return ProviderError(
                f"{self.name}: malformed response: {exc}", provider=self.name, retryable=True
            )
        return ProviderError(f"{self.name}: {exc}", provider=self.name, retryable=False)


def _usage(usage: Any) -> Usage:
    return Usage(input_tokens=usage.prompt_tokens or 0, output_tokens=usage.completion_tokens or 0)


def _timed(reply: ChatReply, latency: float) -> ChatReply:
    return replace(reply, latency_s=latency)
