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
* ``openai`` — an OpenAI-compatible chat-completions endpoint (``url`` is the full endpoint).

Failures map into ``aiconv.errors`` like a provider's: a timeout is ``ProviderTimeout``, 429 is
``RateLimited`` (honouring ``Retry-After``), 408/5xx and dropped connections are retryable
``ProviderError``\\s, other 4xx are ``ProviderRejected``, and a malformed body is a
non-retryable ``ProviderError``. No httpx exception leaves this module.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx
import pydantic

from aiconv.agents.messages import ChatReply, ChatRequest, Usage
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.errors import ProviderError, ProviderRejected, ProviderTimeout, RateLimited

FORMATS = ("webhook", "openai")


class WebhookUsage(pydantic.BaseModel):
    """Optional token counts of a webhook reply."""

    input_tokens: int = 0
    output_tokens: int = 0


class WebhookReply(pydantic.BaseModel):
    """The body a webhook agent answers with."""

    content: str = ""
    end: bool = False
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
        self.format = format
        self.timeout_s = timeout_s
        self.headers = dict(headers or {})
        self.model = model
        self._owned = client is None
        self._client = client or httpx.AsyncClient()

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """Post the conversation, return the agent's reply."""
        body = webhook_body(request) if self.format == "webhook" else openai_body(request)
        began = time.monotonic()
        response = await self._post(body)
        data = _json(response, self.url)
        if self.format == "webhook":
            reply = _from_webhook(data, request, self.model, self.url)
        else:
            reply = _from_openai(data, self.model, self.url)
        if on_delta is not None and reply.content:
            on_delta(reply.content)
        return _with_latency(reply, time.monotonic() - began)

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
        if self._owned:
            await self._client.aclose()


def webhook_body(request: ChatRequest) -> dict[str, Any]:
    """The webhook request body for ``request``."""
    return {
        "conversation_id": request.context.get("conversation_id"),
        "speaker": request.context.get("speaker"),
        "turn": request.context.get("turn"),
        "system": request.system,
        "messages": [
            {"role": m.role, "name": m.name, "content": m.content} for m in request.messages
        ],
    }


def openai_body(request: ChatRequest) -> dict[str, Any]:
    """The chat-completions request body for ``request``."""
    messages = [{"role": "system", "content": request.system}] if request.system else []
    messages += [{"role": m.role, "content": m.content} for m in request.messages]
    body: dict[str, Any] = {"model": request.model or "default", "messages": messages}
    body["max_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    return body


def _check_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status < 400:
        return
    text = f"agent at {url} answered {status}: {response.text[:200]}"
    if status == 429:
        raise RateLimited(text, provider="http", retry_after=_retry_after(response))
    if status == 408 or status >= 500:
        raise ProviderError(text, provider="http", retryable=True, status=status)
    raise ProviderRejected(text, provider="http", status=status)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


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
    if body.end and not content:
        return ChatReply(content="", model=model, cost_usd=body.cost_usd, stop="agent_end")
    if not content:
        raise ProviderError(f"agent at {url} answered an empty content", provider="http")
    if body.end:
        content += "\n" + str(request.context.get("end_token") or "<END>")
    usage = Usage(input_tokens=body.usage.input_tokens, output_tokens=body.usage.output_tokens)
    return ChatReply(content=content, model=model, usage=usage, cost_usd=body.cost_usd)


def _from_openai(data: Any, model: str, url: str) -> ChatReply:
    try:
        content = str(data["choices"][0]["message"]["content"] or "")
        usage = data.get("usage") or {}
        tokens = Usage(
            input_tokens=int(usage.get("prompt_tokens", 0)),
            output_tokens=int(usage.get("completion_tokens", 0)),
        )
        answered = str(data.get("model") or model)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderError(
            f"agent at {url} answered no choices[0].message.content ({exc!r})", provider="http"
        ) from None
    return ChatReply(content=content, model=answered, usage=tokens, finish_reason="stop")


def _malformed(url: str, exc: pydantic.ValidationError) -> ProviderError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return ProviderError(
        f"agent at {url} answered a bad body: {where}: {first['msg']}", provider="http"
    )


def _with_latency(reply: ChatReply, latency: float) -> ChatReply:
    return ChatReply(
        content=reply.content,
        model=reply.model,
        usage=reply.usage,
        cost_usd=reply.cost_usd,
        latency_s=round(latency, 6),
        finish_reason=reply.finish_reason,
        stop=reply.stop,
    )
