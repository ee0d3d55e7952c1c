"""Asking a stage's extractor for the fields in the latest messages: a structured-output request
(``ask_structured``) whose schema has, per field, the value (the field's own JSON schema) and a
confidence. A reply that cannot be used even after the repair attempt is a recorded failure,
never an exception: the flow then asks its question again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, RootModel

from aiconv.agents.messages import ChatMessage, ChatReply, ChatRequest, ResponseFormat
from aiconv.agents.provider import ChatProvider
from aiconv.agents.structured import ask_structured
from aiconv.errors import ProviderError
from aiconv.flows.engine import Guess
from aiconv.flows.model import FieldDef, Flow

_CONFIDENCE = {"type": "number", "minimum": 0, "maximum": 1}


class _Guess(BaseModel):
    value: Any = None
    confidence: float = Field(ge=0, le=1)


class Extracted(RootModel[dict[str, _Guess | None]]):
    """An extractor's reply: per field, a guess or null (not mentioned)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """What an extractor read: its guesses, the calls it took, and why it failed (if it did)."""

    guesses: tuple[Guess, ...] = ()
    replies: tuple[ChatReply, ...] = ()
    error: str | None = None


def response_schema(fields: Sequence[FieldDef]) -> dict[str, Any]:
    """The JSON schema of an extractor's reply for ``fields``."""
    properties = {
        f.name: {
            "type": ["object", "null"],
            "description": f.description or f.title,
            "properties": {"value": dict(f.schema), "confidence": _CONFIDENCE},
            "required": ["value", "confidence"],
            "additionalProperties": False,
        }
        for f in fields
    }
    return {"type": "object", "properties": properties, "additionalProperties": False}


def instructions(flow: Flow, fields: Sequence[FieldDef]) -> str:
    """The extractor's system prompt: what to read, how to rate its confidence."""
    lines = [
        f"You extract structured data for the '{flow.name}' flow from the user's messages.",
        "Report only what the user actually said; give null for a field they did not mention.",
        "Confidence (0-1): 0.9 when stated plainly, about 0.5 when vague, hedged or implied.",
        "Fields:",
        *(f"- {f.name} ({f.title}): {f.description or f.question}" for f in fields),
    ]
    return "\n".join(lines)


def extraction_request(
    flow: Flow, fields: Sequence[FieldDef], history: Sequence[ChatMessage], asked: str | None
) -> ChatRequest:
    """The request to the extractor: the last ``flow.history`` messages and the schema."""
    return ChatRequest(
        model="",
        system=instructions(flow, fields),
        messages=tuple(history[-flow.history :]),
        max_tokens=1024,
        response_format=ResponseFormat(name="extracted_fields", schema=response_schema(fields)),
        context={"asked": asked or "", "flow": flow.name},
    )


async def read_fields(extractor: ChatProvider, request: ChatRequest) -> Reading:
    """The extractor's guesses for ``request`` (a failure is a value: ``error``)."""
    try:
        result = await ask_structured(extractor, request, Extracted)
    except ProviderError as exc:
        return Reading(error=f"{exc.kind}: {exc}"[:300])
    if result.value is None:
        return Reading(replies=result.replies, error=result.error or "no value")
    return Reading(guesses=guesses_of(result.value.root), replies=result.replies)


def guesses_of(found: Mapping[str, _Guess | None]) -> tuple[Guess, ...]:
    """The reported fields as guesses (nulls dropped)."""
    return tuple(
        Guess(name=name, value=g.value, confidence=g.confidence)
        for name, g in found.items()
        if g is not None and g.value is not None
    )
