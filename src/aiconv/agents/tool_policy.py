"""A deterministic tool-using policy for offline agents (``mock:tools=auto``) and the fake LLM
server: given the tools of a request, call the ones the conversation is about (several at once),
with arguments generated from their JSON schemas and filled from the conversation where it can
(ids, numbers, e-mail addresses, enum values mentioned); once the results are in, answer from
them. No I/O, no randomness beyond the seed given.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aiconv.agents.messages import ChatMessage, ChatRequest, ToolCall, ToolResult, ToolSpec

#: At most this many calls in one reply (parallel calls).
MAX_PARALLEL_CALLS = 3

_WORD = re.compile(r"[a-z0-9]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IDENTIFIER = re.compile(r"\b[A-Za-z]*[-_]?\d[\w-]*\b")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
#: Parts of a property name that say it is an id, not what it identifies.
_GENERIC = frozenset({"id", "number", "code", "reference", "ref", "no"})
#: Words that relate a tool to nothing.
_STOP = frozenset(
    (  # noqa: SIM905 - a word list reads better as one string
        "a an the and or of to for in on at by is are be my your our it this that with from get "
        "set do does can will would please i you we me"
    ).split()
)


def pending_round(request: ChatRequest) -> tuple[ToolResult, ...] | None:
    """The results of this turn's tool rounds so far, or ``None`` when no tool has been called
    since the last message from someone else (a fresh turn)."""
    results: list[ToolResult] = []
    for message in reversed(request.messages):
        if message.role == "tool":
            results[:0] = message.tool_results
        elif message.role == "assistant" and message.tool_calls:
            continue
        else:
            break
    return tuple(results) if results else None


def plan_calls(request: ChatRequest, *, call_id: str = "call") -> tuple[ToolCall, ...]:
    """The calls to make now: none when no tools are offered, tools are off (``none``) or this
    turn already has results; else the tools most related to the conversation (at least one)."""
    if not request.tools or request.tool_choice == "none" or pending_round(request) is not None:
        return ()
    chosen = _relevant(request.tools, _conversation(request.messages))
    return tuple(
        ToolCall(
            id=_call_id(call_id, request, index, spec.name),
            name=spec.name,
            arguments=arguments_for(spec.parameters, request.messages),
        )
        for index, spec in enumerate(chosen[:MAX_PARALLEL_CALLS])
    )


def answer_from(results: Sequence[ToolResult]) -> str:
    """A sentence per result, as an agent reports what its tools told it."""
    lines = []
    for result in results:
        text = " ".join(result.content.split())
        if len(text) > 160:
            text = text[:157] + "..."
        if result.is_error:
            lines.append(f"I tried {result.name}, but it failed: {text}")
        else:
            lines.append(f"I checked with {result.name}: {text}")
    return "\n".join(lines)


def arguments_for(
    schema: Mapping[str, Any], messages: Sequence[ChatMessage] = ()
) -> dict[str, Any]:
    """Arguments that satisfy ``schema`` (an object schema): every required property, and
    optional ones the conversation supplies."""
    text = _conversation(messages)
    value = _object(_expand(schema, schema), text, required_only=False)
    return value if isinstance(value, dict) else {}


#: How deep ``$ref`` s are followed (a model that contains itself would never end).
_MAX_REF_DEPTH = 8


def _expand(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
    """``schema`` as a model reads it: each ``$ref`` replaced by what it names in ``root`` (an
    ``Enum`` or a model parameter, as pydantic writes them), a union (``anyOf``, ``oneOf``) by
    its first branch that is not ``null``, an ``allOf`` of one by that one."""
    out = {k: v for k, v in schema.items() if k not in ("$ref", "anyOf", "oneOf", "allOf")}
    ref = schema.get("$ref")
    if isinstance(ref, str) and depth < _MAX_REF_DEPTH:
        out = {**_expand(_target(ref, root), root, depth + 1), **out}
    branches = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf") or []
    chosen = [b for b in branches if isinstance(b, Mapping) and b.get("type") != "null"]
    if chosen:
        out = {**_expand(chosen[0], root, depth), **out}
    elif branches:  # only null is allowed
        out.setdefault("type", "null")
    if isinstance(out.get("properties"), Mapping):
        out["properties"] = {
            name: _expand(sub, root, depth) if isinstance(sub, Mapping) else sub
            for name, sub in out["properties"].items()
        }
    if isinstance(out.get("items"), Mapping):
        out["items"] = _expand(out["items"], root, depth)
    return out


def _target(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """What a local ``$ref`` (``#/$defs/Name``) points at in ``root``; ``{}`` for anything else."""
    node: Any = root
    for part in ref.removeprefix("#").strip("/").split("/") if ref.startswith("#") else [None]:
        if part is None or not isinstance(node, Mapping):
            return {}
        node = node.get(part.replace("~1", "/").replace("~0", "~"))
    return node if isinstance(node, Mapping) else {}


def _object(schema: Mapping[str, Any], text: str, *, required_only: bool) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    value: dict[str, Any] = {}
    for name, sub in properties.items():
        if not isinstance(sub, Mapping):
            continue
        found = _from_text(name, sub, text)
        if found is not None and not required_only:
            value[name] = found
        elif name in required:
            value[name] = _value(name, sub, text)
    return value


def _value(name: str, schema: Mapping[str, Any], text: str) -> Any:
    """A value for property ``name``: from the conversation when possible, else a default."""
    found = _from_text(name, schema, text)
    return found if found is not None else _default(name, schema, text)


def _default(name: str, schema: Mapping[str, Any], text: str) -> Any:
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = _type(schema)
    if kind == "object":
        return _object(schema, text, required_only=True)
    if kind == "array":
        items = schema.get("items")
        count = max(1, int(schema.get("minItems", 1)))
        item = items if isinstance(items, Mapping) else {"type": "string"}
        return [_value(name, item, text) for _ in range(count)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        number = max(1, math.floor(low) + 1 if "exclusiveMinimum" in schema else math.ceil(low))
        if "maximum" in schema:
            number = min(number, math.floor(schema["maximum"]))
        return number if kind == "integer" else float(number)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string_default(name, schema)


def _string_default(name: str, schema: Mapping[str, Any]) -> str:
    formats = {"date": "2026-01-15", "date-time": "2026-01-15T09:30:00Z", "email": "a@example.com"}
    text = formats.get(str(schema.get("format")), f"{name.replace('_', '-')}-1")
    return text.ljust(int(schema.get("minLength", 0)), "x")


def _from_text(name: str, schema: Mapping[str, Any], text: str) -> Any:
    """A value for ``name`` mentioned in the conversation, when the schema says what to look
    for (an enum value, an e-mail, a number, an id); ``None`` when nothing fits."""
    found = _mentioned(name, schema, text)
    return found if found is not None and _fits(found, schema) else None


def _fits(value: Any, schema: Mapping[str, Any]) -> bool:
    """Whether ``value`` keeps the schema's bounds (numbers) and lengths (strings)."""
    if isinstance(value, int | float):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            return False
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            return False
        return (low is None or value >= low) and (high is None or value <= high)
    if isinstance(value, str):
        return int(schema.get("minLength", 0)) <= len(value) <= int(schema.get("maxLength", 1e9))
    return True


def _mentioned(name: str, schema: Mapping[str, Any], text: str) -> Any:
    kind = _type(schema)
    lowered = text.lower()
    if schema.get("enum"):
        mentioned = [v for v in schema["enum"] if isinstance(v, str) and v.lower() in lowered]
        return mentioned[0] if mentioned else None
    if kind in ("integer", "number"):
        numbers = _NUMBER.findall(text)
        if not numbers:
            return None
        number = float(numbers[-1])
        return int(number) if kind == "integer" else number
    if kind != "string":
        return None
    if "email" in name.lower() or schema.get("format") == "email":
        emails = _EMAIL.findall(text)
        return emails[-1] if emails else None
    if re.search(r"(^|_)(id|number|code|reference|ref)$", name.lower()):
        return _identifier(name, text)
    return None


def _identifier(name: str, text: str) -> str | None:
    """The id in ``text`` that follows a word of ``name`` (``card`` for ``card_number``), else
    the last id mentioned."""
    words = [w for w in name.lower().split("_") if w not in _GENERIC]
    found = list(_IDENTIFIER.finditer(text))
    for match in reversed(found):
        before = text[max(0, match.start() - 30) : match.start()].lower()
        if any(word in before for word in words):
            return match.group()
    return found[-1].group() if found else None


def _type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None and "properties" in schema:
        return "object"
    return str(kind or "string")


def _relevant(tools: Sequence[ToolSpec], text: str) -> list[ToolSpec]:
    words = set(_WORD.findall(text.lower())) - _STOP
    scored = []
    for index, spec in enumerate(tools):
        own = set(_WORD.findall(f"{spec.name} {spec.description}".lower().replace("_", " ")))
        scored.append((-len(own & words), index, spec))
    scored.sort(key=lambda item: (item[0], item[1]))
    related = [spec for score, _, spec in scored if score < 0]
    return related or [tools[0]]


def _conversation(messages: Sequence[ChatMessage]) -> str:
    """What the others said, most recent last (the agent's own lines tell it nothing new)."""
    return "\n".join(m.content for m in messages if m.role == "user")


def _call_id(prefix: str, request: ChatRequest, index: int, name: str) -> str:
    seen = json.dumps([m.content for m in request.messages], ensure_ascii=False)
    digest = hashlib.sha256(f"{seen}|{index}|{name}".encode()).hexdigest()[:20]
    return f"{prefix}_{digest}"
