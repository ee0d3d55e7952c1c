"""The hybrid flow: the agent under test lives behind a URL, and this channel is its provider.

``HttpAgentProvider`` posts the conversation so far and reads the reply, in one of two formats:

* ``webhook`` — a simple JSON contract (documented in the README)::

      POST <url>  {"conversation_id": "…", "speaker": "support", "turn": 4,
                   "system": "…", "messages": [{"role": "user", "name": "customer",
                   "content": "…"}, {"role": "assistant", "name": "support", "content": "…"}]}
      200         {"content": "reply text", "end": false,
                   "usage": {"input_tokens": 0, "output_tokens": 0}, "cost_usd": null}

  ``messages`` are seen from the agent (its own lines are ``assistant``); ``end: true`` ends the
  conversation (after ``content``, when there is any); ``usage`` and ``cost_usd`` are optional.
  When the agent has tools, the body also has ``tools`` (``name``, ``description``,
  ``parameters``: a JSON schema), and the agent may answer ``"tool_calls": [{"id": "…",
  "name": "…", "arguments": {…}}]`` (with or without ``content``); its earlier calls come back
  as assistant messages with ``tool_calls``, their results as ``tool`` messages with
  ``tool_results`` (``call_id``, ``name``, ``content``, ``is_error``).
* ``openai`` — an OpenAI-compatible chat-completions endpoint (``url`` is the full endpoint,
  ``…/v1/chat/completions``, or its base, ``…/v1``), served by ``OpenAIProvider`` itself: the
  same request, reply, streaming and error mapping as any OpenAI-compatible vendor.

Failures map into ``aiconv.errors`` like a provider's, through the one status mapper
(``aiconv.reliability.retry.error_for_status``): a timeout is ``ProviderTimeout``, 429 is
``RateLimited`` (honouring ``retry-after`` and ``retry-after-ms``, seconds or an HTTP-date),
408/409/5xx and dropped connections are retryable ``ProviderError``\\s, other 4xx are
``ProviderRejected``, and a malformed body is a non-retryable ``ProviderError``. No httpx
exception leaves this module.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import httpx
import pydantic

from aiconv.agents.messages import ChatMessage, ChatReply, ChatRequest, Usage, tool_call_from
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.errors import ProviderError, ProviderTimeout
from aiconv.reliability.retry import error_for_status, retry_after_from

FORMATS = ("webhook", "openai")


class WebhookUsage(pydantic.BaseModel):
    """Optional token counts of a webhook reply."""

    input_tokens: int = 0
    output_tokens: int = 0


class WebhookToolCall(pydantic.BaseModel):
    """A tool call in a webhook reply; ``arguments`` should be a JSON object."""

    id: str = pydantic.Field(default_factory=lambda: f"call_{uuid.uuid4().hex[:20]}")
    name: str = pydantic.Field(min_length=1)
    arguments: Any = pydantic.Field(default_factory=dict)


class WebhookReply(pydantic.BaseModel):
    """The body a webhook agent answers with."""

    content: str = ""
    end: bool = False
    tool_calls: list[WebhookToolCall] = []
    usage: WebhookUsage = WebhookUsage()
    cost_usd: float | None = None


class HttpAgentProvider(ChatProvider):
    """An external agent over HTTP (``webhook`` or ``openai`` format)."""

    name = "http"

    def __init__(
        self,
        url: str,
        *,
        format: str = "webhook",
        timeout_s: float = 30.0,
        headers: Mapping[str, str] | None = None,
        model: str = "external",
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
        self.url = url
        self.endpoint = url  # for server.address / server.port on its spans
        self.format = format
        self.timeout_s = timeout_s
        self.headers = dict(headers or {})
        self.model = model
        self._owned = client is None
        self._client = client or httpx.AsyncClient()
        self._openai = _openai_adapter(self) if format == "openai" else None

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """Post the conversation, return the agent's reply."""
        if self._openai is not None:
            return await self._openai.complete(request, on_delta=on_delta)
        began = time.monotonic()
        response = await self._post(webhook_body(request))
        reply = _from_webhook(_json(response, self.url), request, self.model, self.url)
        if on_delta is not None and reply.content:
            on_delta(reply.content)
        return replace(reply, latency_s=round(time.monotonic() - began, 6))

    async def _post(self, body: dict[str, Any]) -> httpx.Response:
        try:
            response = await self._client.post(
                self.url, json=body, headers=self.headers, timeout=self.timeout_s
            )
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(
                f"agent at {self.url} did not answer within {self.timeout_s:g}s", provider="http"
            ) from exc
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"agent at {self.url} cannot be reached: {exc}", provider="http", retryable=True
            ) from exc
        _check_status(response, self.url)
        return response

    async def aclose(self) -> None:
        """Close the HTTP client when this provider created it."""
        if self._openai is not None:
            await self._openai.aclose()
        if self._owned:
            await self._client.aclose()


def _openai_adapter(channel: HttpAgentProvider) -> ChatProvider:
    # Imported here: the openai SDK takes a second to import and webhook seats never need it.
    from aiconv.agents.providers.openai import OpenAIProvider

    return OpenAIProvider(
        api_key=None,
        model=channel.model,
        base_url=openai_base_url(channel.url),
        timeout=channel.timeout_s,
        name=channel.name,
        max_tokens_field="max_tokens",
        default_headers=channel.headers,
    )


def openai_base_url(url: str) -> str:
    """The SDK's base URL for a chat-completions endpoint (or a base URL, as it is)."""
    return url.rstrip("/").removesuffix("/chat/completions")


def webhook_body(request: ChatRequest) -> dict[str, Any]:
    """The webhook request body for ``request`` (``tools`` only when the agent has tools)."""
    body: dict[str, Any] = {
        "conversation_id": request.context.get("conversation_id"),
        "speaker": request.context.get("speaker"),
        "turn": request.context.get("turn"),
        "system": request.system,
        "messages": [_webhook_message(m) for m in request.messages],
    }
    if request.tools:
        body["tools"] = [
            {"name": t.name, "description": t.description, "parameters": dict(t.parameters)}
            for t in request.tools
        ]
    return body


def _webhook_message(message: ChatMessage) -> dict[str, Any]:
    shown: dict[str, Any] = {"role": message.role, "name": message.name, "content": message.content}
    if message.tool_calls:
        shown["tool_calls"] = [
            {"id": c.id, "name": c.name, "arguments": dict(c.arguments)} for c in message.tool_calls
        ]
    if message.tool_results:
        shown["tool_results"] = [
            {"call_id": r.call_id, "name": r.name, "content": r.content, "is_error": r.is_error}
            for r in message.tool_results
        ]
    return shown


def _check_status(response: httpx.Response, url: str) -> None:
    if response.status_code < 400:
        return
    hint = retry_after_from(response.headers.get, now=time.time())
    message = f"agent at {url} answered {response.text[:200]}"
    raise error_for_status(response.status_code, message, provider="http", retry_after=hint)


def _json(response: httpx.Response, url: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ProviderError(f"agent at {url} did not answer JSON", provider="http") from None


def _from_webhook(data: Any, request: ChatRequest, model: str, url: str) -> ChatReply:
    try:
        body = WebhookReply.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _malformed(url, exc) from None
    content = body.content.strip()
    calls = tuple(tool_call_from(c.id, c.name, c.arguments) for c in body.tool_calls)
    if body.end and not content and not calls:
        return ChatReply(content="", model=model, cost_usd=body.cost_usd, stop="agent_end")
    if not content and not calls:
        raise ProviderError(f"agent at {url} answered an empty content", provider="http")
    if body.end and not calls:
        content += "\n" + str(request.context.get("end_token") or "<END>")
    usage = Usage(input_tokens=body.usage.input_tokens, output_tokens=body.usage.output_tokens)
    return ChatReply(
        content=content,
        model=model,
        provider="http",
        usage=usage,
        cost_usd=body.cost_usd,
        finish_reason="tool_calls" if calls else "stop",
        tool_calls=calls,
    )


def _malformed(url: str, exc: pydantic.ValidationError) -> ProviderError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return ProviderError(
        f"agent at {url} answered a bad body: {where}: {first['msg']}", provider="http"
    )
