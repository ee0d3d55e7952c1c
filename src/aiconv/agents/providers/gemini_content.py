"""Our messages and tools as google-genai ``Content``\\s and declarations, and responses (whole
or streamed chunks) read back into one shape.

Roles are ``user`` and ``model``; a tool call is a ``function_call`` part of the model's turn
(with its ``thought_signature`` when the model gave one, which Gemini 3 requires back), its
result a ``function_response`` part (``{"output": …}`` or ``{"error": …}``) of the next user
turn; consecutive turns of one role are merged. Function calls arrive whole, never in pieces;
one without an id gets one, so its result can be paired with it.

A structured request (``response_format``) sets ``response_mime_type="application/json"`` and
``response_json_schema`` (the SDK's field for a plain JSON Schema dict; ``response_schema``
wants its OpenAPI-style ``Schema``), keeping only the keywords the API documents as supported:
constraints it drops are still checked when the reply is validated.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from google.genai import types

from aiconv.agents.messages import ChatMessage, ChatRequest, ToolCall, Usage
from aiconv.agents.providers import reply_fields

_MODES = {"auto": "AUTO", "required": "ANY", "none": "NONE"}
#: The JSON Schema keywords ``response_json_schema`` supports (google-genai's documentation).
SCHEMA_KEYWORDS = frozenset(
    {
        "$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum",
        "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf",
        "properties", "additionalProperties", "required", "propertyOrdering",
    }
)  # fmt: skip


def contents(history: tuple[ChatMessage, ...]) -> list[types.Content]:
    """The history as contents; consecutive turns of one role merged."""
    merged: list[types.Content] = []
    for message in history:
        role = "model" if message.role == "assistant" else "user"
        parts = _parts(message)
        if not parts:
            continue
        if merged and merged[-1].role == role and merged[-1].parts is not None:
            merged[-1].parts.extend(parts)
        else:
            merged.append(types.Content(role=role, parts=parts))
    return merged


def _parts(message: ChatMessage) -> list[types.Part]:
    parts = [
        types.Part(
            function_response=types.FunctionResponse(
                id=r.call_id, name=r.name, response=_response(r.content, r.is_error)
            )
        )
        for r in message.tool_results
    ]
    if message.content:
        parts.append(types.Part(text=message.content))
    parts += [
        types.Part(
            function_call=types.FunctionCall(id=c.id, name=c.name, args=dict(c.arguments)),
            thought_signature=base64.b64decode(c.signature) if c.signature else None,
        )
        for c in message.tool_calls
    ]
    return parts


def _response(content: str, is_error: bool) -> dict[str, Any]:
    try:
        value: Any = json.loads(content)
    except ValueError:
        value = content
    return {"error": value} if is_error else {"output": value}


def config(request: ChatRequest) -> types.GenerateContentConfig:
    """Generation settings, with tools as function declarations when there are any."""
    tools = None
    tool_config = None
    if request.tools:
        declarations = [
            types.FunctionDeclaration(
                name=t.name,
                description=t.description,
                parameters_json_schema=dict(t.parameters),
            )
            for t in request.tools
        ]
        tools = [types.Tool(function_declarations=declarations)]
        mode = types.FunctionCallingConfigMode(_MODES[request.tool_choice])
        tool_config = types.ToolConfig(
            function_calling_config=types.FunctionCallingConfig(mode=mode)
        )
    fmt = request.response_format
    return types.GenerateContentConfig(
        system_instruction=request.system or None,
        response_mime_type="application/json" if fmt else None,
        response_json_schema=json_schema(fmt.schema) if fmt else None,
        max_output_tokens=request.max_tokens,
        temperature=request.temperature,
        seed=None if request.seed is None else request.seed % GEMINI_SEEDS,
        tools=tools,  # type: ignore[arg-type]
        tool_config=tool_config,
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )


#: Gemini's seed is a protobuf int32, ours 0..2^63-1: a seed past 2^31-1 was refused with a
#: 400 (the conversation ended by it), so it is sent as its remainder, the same for a seat.
GEMINI_SEEDS = 2**31


def json_schema(schema: Any) -> Any:
    """``schema`` with only the keywords Gemini supports; a ``$ref`` keeps no siblings but
    ``$`` ones, as the API requires. Maps of sub-schemas keep their keys (property names)."""
    if isinstance(schema, list):
        return [json_schema(s) for s in schema]
    if not isinstance(schema, Mapping):
        return schema
    ref = "$ref" in schema
    kept: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in SCHEMA_KEYWORDS or (ref and not key.startswith("$")):
            continue
        if key in ("properties", "$defs") and isinstance(value, Mapping):
            kept[key] = {name: json_schema(sub) for name, sub in value.items()}
        elif key in ("enum", "required", "propertyOrdering"):
            kept[key] = value
        else:
            kept[key] = json_schema(value)
    return kept


class PromptBlocked(ValueError):
    """Gemini answered no candidate because it blocked the prompt (``promptFeedback``)."""


@dataclass(slots=True)
class Reading:
    """A response as read so far (chunks add to it)."""

    model: str
    text: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish: str | None = None

    def add(self, response: types.GenerateContentResponse) -> str:
        """Take in one response or chunk; returns its new text."""
        self.model = response.model_version or self.model
        if response.usage_metadata is not None:
            self.usage = usage_of(response.usage_metadata)
        candidate = response.candidates[0] if response.candidates else None
        if candidate is None:
            feedback = response.prompt_feedback
            if feedback is not None and feedback.block_reason is not None:
                raise PromptBlocked(f"the prompt was blocked ({feedback.block_reason.value})")
            return ""
        if candidate.finish_reason is not None:
            self.finish = str(candidate.finish_reason.value).lower()
        parts = (candidate.content.parts if candidate.content else None) or []
        new = "".join(p.text for p in parts if p.text and not p.thought)
        self.text.append(new)
        self.calls += [_call(p) for p in parts if p.function_call is not None]
        return new


def _call(part: types.Part) -> ToolCall:
    call = part.function_call
    assert call is not None  # filtered by the caller
    made = reply_fields.call(
        call.id or f"fc_{uuid.uuid4().hex[:20]}",
        call.name,
        call.args if call.args is not None else {},
    )
    if part.thought_signature:
        signature = base64.b64encode(part.thought_signature).decode("ascii")
        return ToolCall(
            id=made.id,
            name=made.name,
            arguments=made.arguments,
            error=made.error,
            signature=signature,
        )
    return made


def usage_of(meta: types.GenerateContentResponseUsageMetadata) -> Usage:
    """Our ``Usage``: thoughts count as output, cached content is part of the prompt."""
    thoughts = meta.thoughts_token_count or 0
    return Usage(
        input_tokens=meta.prompt_token_count or 0,
        output_tokens=(meta.candidates_token_count or 0) + thoughts,
        cache_read_tokens=meta.cached_content_token_count or 0,
        reasoning_tokens=thoughts,
    )
