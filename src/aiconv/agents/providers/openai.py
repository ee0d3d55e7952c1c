"""``OpenAIProvider``: OpenAI Chat Completions through the async ``openai`` SDK, and every
compatible server (Grok, Perplexity, Ollama, vLLM, LM Studio, OpenRouter, a company gateway)
configured by ``base_url``, key and ``name``.

SDK retries are off (``max_retries=0``) so ``GuardedProvider`` sees every attempt;
``http_client`` (an ``httpx2.AsyncClient``) is injectable. The system prompt is the first
message; tools are ``tools``/``tool_choice``, a call is an assistant message's ``tool_calls``
and each result a ``tool`` message with its ``tool_call_id``. Streaming asks for the usage
chunk (``stream_options.include_usage``); replies are read in ``openai_stream``. A structured
request (``response_format``) is a ``json_schema`` response format (``openai_schema``); servers
without it (``structured="instruction"``) get the schema as an instruction in the system
prompt instead. Vendor errors are mapped in ``_map_error`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import httpx2
import openai

from aiconv.agents import pricing
from aiconv.agents.messages import ChatReply, ChatRequest, to_json
from aiconv.agents.pricing import cost_usd
from aiconv.agents.provider import ChatProvider, DeltaCallback, key_alone
from aiconv.agents.providers.openai_schema import response_format
from aiconv.agents.providers.openai_stream import from_chunks, from_completion
from aiconv.agents.structured import with_json_instruction
from aiconv.errors import MalformedResponse, ProviderError, ProviderTimeout
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock
from aiconv.reliability.retry import error_for_status, retry_after_from

DEFAULT_MODEL = "gpt-6.2-sol"

#: Which body field carries the output limit: OpenAI's current models want
#: ``max_completion_tokens``; many compatible servers only know ``max_tokens``.
MaxTokensField = Literal["max_completion_tokens", "max_tokens"]
#: How a structured reply is asked for: the ``json_schema`` response format (OpenAI, Grok), or
#: a JSON instruction in the system prompt (servers that lack or vary in native support).
StructuredMode = Literal["json_schema", "instruction"]


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
        structured: StructuredMode = "json_schema",
    ) -> None:
        # None, or "" for a server at base_url (Ollama; a key variable read with "" as default):
        # a server that takes no key; the SDK wants one all the same
        keyless = api_key is None or (api_key == "" and base_url is not None)
        key = "no-key" if keyless else key_alone(api_key or "", f"{name}: api_key")
        self.name = name
        self.structured = structured
        self.model = model
        self.clock = clock
        pricing.preload()
        self.max_tokens_field = max_tokens_field
        self._client = openai.AsyncOpenAI(
            api_key=key,
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
            http_client=http_client,
            default_headers=default_headers,
        )
        self.endpoint = str(self._client.base_url)

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The next message; vendor errors become ``aiconv.errors.ProviderError``."""
        started = self.clock.monotonic()
        if self.structured == "instruction":
            request = with_json_instruction(request)
        body = params(request, self.model, self.max_tokens_field)
        try:
            if on_delta is None:
                completion = await self._client.chat.completions.create(**body)
                read = from_completion(completion, str(body["model"]))
            else:
                stream = await self._client.chat.completions.create(
                    **body, stream=True, stream_options={"include_usage": True}
                )
                async with stream:
                    read = await from_chunks(stream, str(body["model"]), on_delta)
        except Exception as exc:  # every SDK failure is mapped, unexpected ones included
            raise self._map_error(exc) from exc
        return ChatReply(
            content=read.text,
            model=read.model,
            provider=self.name,
            usage=read.usage,
            cost_usd=cost_usd(self.name, read.model, read.usage),
            latency_s=self.clock.monotonic() - started,
            finish_reason=read.finish_reason,
            tool_calls=read.tool_calls,
        )

    async def aclose(self) -> None:
        """Close the SDK client (and its HTTP connections)."""
        await self._client.close()

    def _map_error(self, exc: Exception) -> ProviderError:
        """The one place where OpenAI (and mid-stream transport) errors become ours."""
        if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
            return ProviderTimeout(f"{self.name}: request timed out", provider=self.name)
        if isinstance(exc, openai.APIStatusError):
            hint = retry_after_from(exc.response.headers.get, now=self.clock.now())
            mapped = error_for_status(
                exc.status_code, _detail(exc), provider=self.name, retry_after=hint
            )
            mapped.request_id = exc.request_id
            return mapped
        if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
            return ProviderError(
                f"{self.name}: connection failed: {exc}", provider=self.name, retryable=True
            )
        return MalformedResponse(
            f"{self.name}: malformed response ({type(exc).__name__}: {str(exc)[:300]})",
            provider=self.name,
        )


def _detail(exc: openai.APIStatusError) -> str:
    """The vendor's own message (the SDK's exception text repeats the status: 'Error code: 401
    - …'); a body without one says just that."""
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, str) and message.strip():
        return message.strip()
    return "no error message in the reply"


def params(request: ChatRequest, default_model: str, limit_field: str) -> dict[str, Any]:
    """The Chat Completions body for ``request``."""
    body: dict[str, Any] = {
        "model": request.model or default_model,
        "messages": messages(request),
        limit_field: request.max_tokens,
    }
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.seed is not None:
        body["seed"] = request.seed
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": dict(t.parameters),
                },
            }
            for t in request.tools
        ]
        if request.tool_choice != "auto":  # the default; some compatible servers know no other
            body["tool_choice"] = request.tool_choice
    if request.response_format is not None:
        body["response_format"] = response_format(request.response_format)
    return body


def messages(request: ChatRequest) -> list[dict[str, Any]]:
    """The system prompt first, then the history; a tool message per result."""
    out: list[dict[str, Any]] = []
    if request.system:
        out.append({"role": "system", "content": request.system})
    for m in request.messages:
        if m.role == "tool":
            out += [
                {
                    "role": "tool",
                    "tool_call_id": r.call_id,
                    "content": f"Error: {r.content}" if r.is_error else r.content,
                }
                for r in m.tool_results
            ]
        elif m.role == "assistant" and m.tool_calls:
            out.append(
                {
                    "role": "assistant",
                    "content": m.content or None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": to_json(c.arguments)},
                        }
                        for c in m.tool_calls
                    ],
                }
            )
        else:
            out.append({"role": m.role, "content": m.content})
    return out
