"""``AnthropicProvider``: Claude through the async ``anthropic`` SDK (Messages API).

The SDK's own retries are off (``max_retries=0``) so every attempt is visible to
``GuardedProvider``; ``http_client`` (an ``httpx2.AsyncClient``, the SDK's HTTP library) and
``base_url`` are injectable. The system prompt goes in ``system=``; tool calls are ``tool_use``
blocks of the assistant and their results ``tool_result`` blocks first in the next user message
(consecutive messages of one role are merged, as the API requires). Prompt caching is on: the
system prompt (with the tools before it) and the history so far are cache breakpoints, so a
turn reads the previous turns' prompt at the cache rate. A structured request
(``response_format``) is forced tool use: one more tool, named after the schema, whose input
schema is the schema, and ``tool_choice`` naming it; the reply's content is the JSON text of
that tool's input, never a tool call of the conversation. Streaming reads the raw
events (``anthropic_stream``), so a stream cut short or out of order is a retryable
``MalformedResponse`` rather than an SDK assertion. Vendor errors are mapped in ``_map_error``.
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
from anthropic.types import Message

from aiconv.agents import pricing
from aiconv.agents.messages import (
    ChatMessage,
    ChatReply,
    ChatRequest,
    ToolCall,
    to_json,
)
from aiconv.agents.pricing import cost_usd
from aiconv.agents.provider import ChatProvider, DeltaCallback, key_alone
from aiconv.agents.providers import reply_fields
from aiconv.agents.providers.anthropic_stream import (
    StreamedMessage,
    answered,
    read_stream,
    usage_of,
)
from aiconv.errors import MalformedResponse, ProviderError, ProviderTimeout
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock
from aiconv.reliability.retry import error_for_status, retry_after_from

DEFAULT_MODEL = "claude-sonnet-5-5"

#: A mid-stream ``error`` event arrives with status 200: its type says what it really was.
STATUS_OF_ERROR_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}
_EPHEMERAL = {"type": "ephemeral"}
_TOOL_CHOICE = {"auto": {"type": "auto"}, "required": {"type": "any"}, "none": {"type": "none"}}


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
        api_key = key_alone(api_key, f"{name}: api_key")  # before any client is made
        self.name = name
        self.model = model
        self.clock = clock
        pricing.preload()
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
            http_client=http_client,
        )
        self.endpoint = str(self._client.base_url)

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The next message; vendor errors become ``aiconv.errors.ProviderError``."""
        started = self.clock.monotonic()
        try:
            fmt = request.response_format.name if request.response_format else None
            body = params(request, self.model)
            if on_delta is None:
                message = await self._client.messages.create(**body)
                streamed = _from_message(message, str(body["model"]), structured=fmt)
            else:
                events = await self._client.messages.create(**body, stream=True)
                async with events:
                    streamed = await read_stream(
                        events, on_delta, str(body["model"]), structured=fmt
                    )
        except Exception as exc:  # every SDK failure is mapped, unexpected ones included
            raise self._map_error(exc) from exc
        return self._reply(streamed, self.clock.monotonic() - started)

    async def aclose(self) -> None:
        """Close the SDK client (and its HTTP connections)."""
        await self._client.close()

    def _reply(self, message: StreamedMessage, latency: float) -> ChatReply:
        return ChatReply(
            content=message.text,
            model=message.model,
            provider=self.name,
            usage=message.usage,
            cost_usd=cost_usd(self.name, message.model, message.usage),
            latency_s=latency,
            finish_reason=message.stop_reason,
            tool_calls=message.tool_calls,
        )

    def _map_error(self, exc: Exception) -> ProviderError:
        """The one place where Anthropic (and mid-stream transport) errors become ours."""
        if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
            return ProviderTimeout(f"{self.name}: request timed out", provider=self.name)
        if isinstance(exc, anthropic.APIStatusError):
            return self._status_error(exc)
        if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
            return ProviderError(
                f"{self.name}: connection failed: {exc}", provider=self.name, retryable=True
            )
        return MalformedResponse(
            f"{self.name}: malformed response ({type(exc).__name__}: {str(exc)[:300]})",
            provider=self.name,
        )

    def _status_error(self, exc: anthropic.APIStatusError) -> ProviderError:
        status = exc.status_code
        body = exc.body if isinstance(exc.body, dict) else {}
        found = body.get("error")
        error: dict[str, Any] = found if isinstance(found, dict) else {}
        if status < 400:  # an error event inside a 200 stream
            status = STATUS_OF_ERROR_TYPE.get(str(error.get("type")), 500)
        hint = retry_after_from(exc.response.headers.get, now=self.clock.now())
        detail = str(error.get("message") or exc.message)
        mapped = error_for_status(status, detail, provider=self.name, retry_after=hint)
        mapped.request_id = exc.request_id
        return mapped


def params(request: ChatRequest, default_model: str) -> dict[str, Any]:
    """The Messages API body for ``request``."""
    history = messages(request.messages)
    if history:  # the conversation so far is read from the cache next turn
        history[-1]["content"][-1]["cache_control"] = _EPHEMERAL
    body: dict[str, Any] = {
        "model": request.model or default_model,
        "max_tokens": request.max_tokens,
        "messages": history,
    }
    if request.system:  # tools and system prompt: the same every turn
        body["system"] = [{"type": "text", "text": request.system, "cache_control": _EPHEMERAL}]
    # No temperature: the Messages API of the installed SDK (anthropic 2.x) has no sampling
    # parameters, and the SDK refuses unknown keywords; a seat's temperature does not apply.
    fmt = request.response_format
    tools = [
        {"name": t.name, "description": t.description, "input_schema": dict(t.parameters)}
        for t in request.tools
        if fmt is None or t.name != fmt.name  # the forced tool's name is the schema's
    ]
    if fmt is not None:  # forced tool use: the model answers by "calling" the schema
        description = f"Give the reply as one {fmt.name} object."
        tools.append(
            {"name": fmt.name, "description": description, "input_schema": dict(fmt.schema)}
        )
        body["tool_choice"] = {"type": "tool", "name": fmt.name}
    elif tools:
        body["tool_choice"] = _TOOL_CHOICE[request.tool_choice]
    if tools:
        body["tools"] = tools
    return body


def messages(history: tuple[ChatMessage, ...]) -> list[dict[str, Any]]:
    """User/assistant messages of content blocks; consecutive ones of a role are merged."""
    merged: list[dict[str, Any]] = []
    for message in history:
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message)
        if not blocks:
            continue
        if merged and merged[-1]["role"] == role:
            merged[-1]["content"].extend(blocks)
        else:
            merged.append({"role": role, "content": blocks})
    return merged


def _blocks(message: ChatMessage) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "tool_result",
            "tool_use_id": r.call_id,
            # The API refuses an error result without content (raise ToolError("")).
            "content": r.content or (f"{r.name} failed" if r.is_error else ""),
            "is_error": r.is_error,
        }
        for r in message.tool_results
    ]
    if message.content.strip():  # the API refuses a text block of whitespace
        blocks.append({"type": "text", "text": message.content})
    blocks += [
        {"type": "tool_use", "id": c.id, "name": c.name, "input": dict(c.arguments)}
        for c in message.tool_calls
    ]
    return blocks


def _from_message(
    message: Message, asked: str, *, structured: str | None = None
) -> StreamedMessage:
    """The message's text and tool calls; the input of the ``structured`` tool, if any, is the
    whole text (JSON), and no call. ``asked``: the model asked for, if the reply names none."""
    text: list[str] = []
    answer: str | None = None
    calls: list[ToolCall] = []
    for block in message.content:
        if block.type == "text":
            text.append(reply_fields.text(block.text, "text", required=True))
        elif block.type == "tool_use" and _is_answer(block.name, structured) and answer is None:
            answer = block.input if isinstance(block.input, str) else to_json(block.input)
        elif block.type == "tool_use":
            calls.append(reply_fields.call(block.id, block.name, block.input))
    return StreamedMessage(
        text="".join(text) if answer is None else answer,
        model=reply_fields.model(message.model, asked),
        usage=usage_of(message.usage),
        stop_reason=message.stop_reason if answer is None else answered(message.stop_reason),
        tool_calls=tuple(calls),
    )


def _is_answer(name: object, structured: str | None) -> bool:
    """A ``tool_use`` of the forced tool of a structured request (a block without a name is
    none: it is a malformed call)."""
    return structured is not None and name == structured
