"""What the three wire formats of the fake server share: the vendor-neutral ``Turn`` a request
is read into, the ``Answer`` the server gives, request validation errors (``Rejected``), token
counting, truncation at the output limit and SSE framing. The vendor formats live in
``anthropic_wire``, ``openai_wire`` and ``gemini_wire``. Nothing here does I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aiconv.agents.messages import ChatRequest, ToolCall

Api = Literal["anthropic", "openai", "gemini"]
#: Why an answer stopped, vendor-neutral: finished, hit the output limit, or calls tools.
Stop = Literal["end", "length", "tool_calls"]

#: Tool names every vendor accepts (Anthropic, OpenAI and Gemini agree on this much).
#: (``\Z``: the vendors' ``$`` is JSON Schema's, which a trailing line break does not pass.)
TOOL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}\Z")
_JSON_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})


class Rejected(Exception):
    """The request breaks a rule the vendor enforces: answered with ``status`` and the
    vendor's error body for it."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """What a request asks for, vendor-neutral (``chat`` holds history, tools and limits)."""

    api: Api
    chat: ChatRequest
    max_tokens: int | None
    stream: bool
    #: The model reasons before it answers (OpenAI and Gemini always; Claude when ``thinking``
    #: is enabled): reasoning tokens are reported, as part of the output.
    reasoning: bool = True
    #: The prompt may be served from the vendor's cache (automatic at OpenAI and Gemini; at
    #: Anthropic only with ``cache_control`` breakpoints).
    caches: bool = True

    @property
    def model(self) -> str:
        """The model asked for."""
        return self.chat.model

    @property
    def system(self) -> str:
        """The system prompt."""
        return self.chat.system

    @property
    def messages(self) -> tuple[tuple[str, str], ...]:
        """(role, text) of every message."""
        return tuple((m.role, m.content) for m in self.chat.messages)


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """What the server answers: text (cut at the output limit) and/or tool calls."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    stop: Stop = "end"
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    #: Written to the cache (Anthropic reports and bills these apart).
    written_tokens: int = 0
    reasoning_tokens: int = 0
    #: Sent instead of every call's JSON arguments (a fault: a model emitting broken JSON).
    raw_arguments: str | None = None

    def arguments_text(self, call: ToolCall) -> str:
        """The JSON text of ``call``'s arguments as sent on the wire."""
        if self.raw_arguments is not None:
            return self.raw_arguments
        return json.dumps(dict(call.arguments))

    def arguments_value(self, call: ToolCall) -> Any:
        """The arguments as a JSON value (where the wire carries parsed JSON)."""
        try:
            return json.loads(self.arguments_text(call))
        except ValueError:
            return self.arguments_text(call)


#: Vendors cache only prompts at least this long, in steps of this many tokens (OpenAI's rule).
CACHE_MINIMUM = 1024
CACHE_STEP = 128


def count_tokens(text: str) -> int:
    """A deterministic stand-in for a tokenizer (about four characters a token)."""
    return max(1, (len(text) + 3) // 4)


def truncate(text: str, limit: int | None) -> tuple[str, bool]:
    """``text`` cut to ``limit`` tokens (whole words where it can), and whether it was cut."""
    if limit is None or count_tokens(text) <= limit:
        return text, False
    cut = text[: limit * 4]
    words = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return words, True


def pieces(text: str) -> list[str]:
    """Text split the way a model streams it: word by word, whitespace kept."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


def json_chunks(text: str, size: int = 7) -> list[str]:
    """A tool call's arguments (JSON text) in small pieces, as vendors stream them."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def sse(data: Mapping[str, Any], *, event: str | None = None, crlf: bool = False) -> str:
    """One server-sent event."""
    end = "\r\n\r\n" if crlf else "\n\n"
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}{end}"


def check_tool(name: Any, schema: Any, where: str) -> None:
    """Reject a tool whose name or parameter schema the vendors would refuse."""
    if not isinstance(name, str) or not TOOL_NAME.match(name):
        raise Rejected(f"{where}.name: {name!r} must match {TOOL_NAME.pattern}")
    if not isinstance(schema, Mapping) or schema.get("type") != "object":
        raise Rejected(f"{where}: the parameter schema must be a JSON schema of type 'object'")
    check_schema(schema, where)


def check_schema(schema: Mapping[str, Any], where: str) -> None:
    """A structural JSON Schema check: known types, object ``properties``, ``required`` names
    that exist, array ``items`` that are schemas."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
    if any(not isinstance(k, str) or k not in _JSON_TYPES for k in kinds):
        raise Rejected(f"{where}: unknown JSON schema type {kind!r}")
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping):
        raise Rejected(f"{where}.properties must be an object")
    for key, sub in properties.items():
        if not isinstance(sub, Mapping):
            raise Rejected(f"{where}.properties.{key} must be a schema object")
        check_schema(sub, f"{where}.properties.{key}")
    required = schema.get("required", [])
    if not isinstance(required, list) or any(
        not isinstance(r, str) or r not in properties for r in required
    ):
        raise Rejected(f"{where}.required must list names of its properties: {required!r}")
    items = schema.get("items")
    if items is not None:
        if not isinstance(items, Mapping):
            raise Rejected(f"{where}.items must be a schema object")
        check_schema(items, f"{where}.items")


def text_of(content: Any) -> str:
    """The text of a string or a list of text blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def require(condition: bool, message: str) -> None:
    """``Rejected(message)`` unless ``condition``."""
    if not condition:
        raise Rejected(message)
