"""``extractor``: an offline agent that answers structured-output requests by reading the user's
words, so flows (and anything asking ``ChatRequest.response_format``) run without a key.

It behaves like a real extractor, never like an oracle: it reads only the request — the schema
and the latest user message (and, for a yes, the question it answers; the field just asked
about comes in ``context["asked"]``) — with keyword and pattern rules (``reading``), reports a
lower confidence for vague wording, and misses what it cannot read. The reply is JSON text, as a
vendor's would be, for ``ask_structured`` to parse and validate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiconv.agents.messages import ChatReply, ChatRequest, Usage, estimate_tokens, request_tokens
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.flows.reading import read_field


class ExtractorProvider(ChatProvider):
    """Reads fields out of the latest user message by the request's schema."""

    name = "extractor"

    def __init__(self, *, model: str = "extractor") -> None:
        self.model = model

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """One JSON object: each field of the schema with its value and confidence, or null."""
        if request.response_format is None:
            text = "I only answer structured-output requests (ChatRequest.response_format)."
        else:
            text = json.dumps(extract(request, request.response_format.schema))
        if on_delta is not None:
            on_delta(text)
        return ChatReply(
            content=text,
            model=request.model or self.model,
            provider=self.name,
            usage=Usage(input_tokens=request_tokens(request), output_tokens=estimate_tokens(text)),
            cost_usd=0.0,
            finish_reason="stop",
        )

    async def aclose(self) -> None:
        """Nothing to release."""


def extract(request: ChatRequest, schema: Mapping[str, Any]) -> dict[str, Any]:
    """Per property of ``schema``: ``{"value", "confidence"}`` read from the last user message,
    or null. A property whose schema has ``value`` inside is read by that inner schema."""
    users = [m for m in request.messages if m.role == "user"]
    said = users[-1].content if users and request.messages[-1].role == "user" else ""
    question = next((m.content for m in reversed(request.messages) if m.role == "assistant"), "")
    asked = {a.strip() for a in str(request.context.get("asked") or "").split(",") if a.strip()}
    found: dict[str, Any] = {}
    for name, prop in dict(schema.get("properties", {})).items():
        inner = prop.get("properties", {}).get("value", prop)
        read = (
            read_field(name, inner, said, asked=name in asked, question=question) if said else None
        )
        found[name] = None if read is None else {"value": read[0], "confidence": read[1]}
    return found
