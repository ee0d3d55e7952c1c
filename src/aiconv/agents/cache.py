"""``CachedProvider``: a response cache around any ``ChatProvider``, content-addressed.

The key is the SHA-256 of the request as the vendor sees it: vendor and model (and the server's
URL for an agent reached at a URL of its own, such as an external agent over HTTP), system prompt,
every message (with names, tool calls and tool results), tools and tool choice, and the sampling
parameters (max tokens, temperature, and the conversation's seed, so the k repetitions of a
simulation stay k independent samples). Offline-agent hints in ``request.context`` (topic,
conversation id, turn) are not part of it: two conversations that ask the same thing get the same
answer, which is what lets a candidate run replay the baseline's simulated customer wherever the
conversation so far is identical.

Modes (per participant): ``off`` (not wrapped at all), ``use`` (answer from the cache, call and
store on a miss), ``record`` (always call, store or overwrite), ``replay`` (answer from the cache;
a miss raises ``CacheMiss``). A hit costs nothing: its reply says ``cached=True``, ``cost_usd``
0 and ``saved_usd`` what the recorded call cost; the conductor puts both on ``MessagePosted``.
Errors are never cached. Stores live in ``cache_stores.py``; the store is shared, so its owner
closes it (``aclose`` closes only the inner provider).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, replace
from typing import Any, Literal, Protocol

from aiconv.agents.messages import ChatReply, ChatRequest, Record, ToolCall, Usage
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider
from aiconv.errors import CacheMiss, ConfigError

CacheMode = Literal["off", "use", "record", "replay"]
MODES: tuple[CacheMode, ...] = ("off", "use", "record", "replay")
#: Bump when the key's recipe changes, so old entries are never read under a new meaning.
KEY_VERSION = 1


class CacheStore(Protocol):
    """Where cached replies live (SQLite, Redis, memory): bytes by key, shared by processes."""

    async def get(self, key: str) -> bytes | None:
        """The stored reply, or None."""
        ...

    async def put(self, key: str, value: bytes, *, overwrite: bool) -> None:
        """Store ``value`` (keep an existing entry unless ``overwrite``)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class CacheObserver(Protocol):
    """Told about every lookup (for metrics): ``hit`` or ``miss``, and dollars saved."""

    def lookup(self, provider: str, model: str, result: str, saved_usd: float) -> None:
        """One lookup's result."""
        ...


def check_mode(mode: str) -> CacheMode:
    """``mode`` if it is a cache mode; ConfigError otherwise."""
    for known in MODES:
        if mode == known:
            return known
    raise ConfigError(f"cache mode {mode!r} must be one of {', '.join(MODES)}")


def cache_key(vendor: str, model: str, request: ChatRequest, endpoint: str | None = None) -> str:
    """The content address of ``request`` sent to ``vendor``'s ``model`` (at ``endpoint``, the
    URL of an agent that has one of its own: two releases of an external agent at two URLs are
    both vendor ``http``, model ``external``, and must never answer for each other)."""
    payload = {
        "version": KEY_VERSION,
        "vendor": vendor,
        "model": request.model or model,
        "system": request.system,
        "messages": [asdict(m) for m in request.messages],
        "tools": [asdict(t) for t in request.tools],
        "tool_choice": request.tool_choice,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "seed": request.context.get("seed"),
    }
    if request.response_format is not None:  # absent otherwise: older keys stay valid
        payload["response_format"] = asdict(request.response_format)
    if request.records:  # absent otherwise: older keys stay valid
        payload["records"] = [asdict(r) for r in request.records]
    if endpoint is not None:  # absent otherwise: older keys stay valid
        payload["endpoint"] = endpoint
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def encode_reply(reply: ChatReply, vendor: str) -> bytes:
    """The stored form of a reply (what it said and what it cost, not how long it took)."""
    document = {
        "content": reply.content,
        "model": reply.model,
        "input_tokens": reply.usage.input_tokens,
        "output_tokens": reply.usage.output_tokens,
        "cost_usd": reply.cost_usd,
        "finish_reason": reply.finish_reason,
        "stop": reply.stop,
        "tool_calls": [asdict(c) for c in reply.tool_calls],
        "records": [{"kind": r.kind, "data": dict(r.data)} for r in reply.records],
        "vendor": vendor,
        "stored_at": time.time(),
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def decode_reply(data: bytes) -> ChatReply:
    """A stored reply as served from the cache: free, marked cached, saving its recorded cost."""
    document: dict[str, Any] = json.loads(data)
    return ChatReply(
        content=document["content"],
        model=document["model"],
        provider=document.get("vendor", ""),
        usage=Usage(input_tokens=document["input_tokens"], output_tokens=document["output_tokens"]),
        cost_usd=0.0,
        attempts=0,
        finish_reason=document.get("finish_reason"),
        stop=document.get("stop"),
        tool_calls=tuple(ToolCall(**c) for c in document.get("tool_calls", ())),
        records=tuple(Record(**r) for r in document.get("records", ())),
        cached=True,
        saved_usd=document.get("cost_usd"),
    )


class CachedProvider(ForwardingProvider):
    """A ``ChatProvider`` that answers from ``store`` according to ``mode``."""

    def __init__(
        self,
        inner: ChatProvider,
        store: CacheStore,
        *,
        mode: CacheMode,
        observer: CacheObserver | None = None,
        endpoint: str | None = None,
    ) -> None:
        if mode == "off":
            raise ValueError("mode 'off' means: do not wrap the provider")
        super().__init__(inner)
        self.store = store
        self.mode = mode
        self.observer = observer
        self.endpoint = endpoint

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The cached reply, or the inner provider's (stored on the way back)."""
        key = cache_key(self.name, self.model, request, self.endpoint)
        model = request.model or self.model
        if self.mode in ("use", "replay"):
            stored = await self.store.get(key)
            if stored is not None:
                reply = decode_reply(stored)
                self._observe(model, "hit", reply.saved_usd or 0.0)
                if on_delta is not None:
                    on_delta(reply.content)
                return reply
            self._observe(model, "miss", 0.0)
            if self.mode == "replay":
                raise CacheMiss(
                    f"{self.name}:{model}: no cached reply for this conversation so far "
                    f"(key {key[:12]}); it diverged from the recorded one (use mode 'use' to "
                    "call the provider on a miss)",
                    provider=self.name,
                )
        reply = await self.inner.complete(request, on_delta=on_delta)
        await self.store.put(key, encode_reply(reply, self.name), overwrite=self.mode == "record")
        return replace(reply, cached=False)

    def _observe(self, model: str, result: str, saved_usd: float) -> None:
        if self.observer is not None:
            self.observer.lookup(self.name, model, result, saved_usd)
