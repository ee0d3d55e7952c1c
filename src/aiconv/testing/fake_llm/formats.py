"""Structured output on the fake server: the request fields of each vendor validated as strictly
as its documentation states (Anthropic ``tool_choice``; OpenAI ``response_format`` and strict
mode's schema rules; Gemini ``responseMimeType`` with ``responseSchema`` or
``responseJsonSchema``), read into a vendor-neutral ``ResponseFormat`` (answered in ``answers``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from aiconv.agents.messages import ResponseFormat, ToolChoice, ToolSpec
from aiconv.testing.fake_llm.wire import check_schema, require

_ANTHROPIC_KEYS = {
    "auto": {"type", "disable_parallel_tool_use"},
    "any": {"type", "disable_parallel_tool_use"},
    "tool": {"type", "name", "disable_parallel_tool_use"},
    "none": {"type"},
}
_ANTHROPIC_CHOICES: dict[str, ToolChoice] = {
    "auto": "auto",
    "any": "required",
    "tool": "required",
    "none": "none",
}
_OPENAI_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_GEMINI_MIME = ("text/plain", "application/json", "application/xml", "application/yaml")
#: What ``responseJsonSchema`` supports (the API reference's list).
GEMINI_JSON_KEYWORDS = frozenset(
    {
        "$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum",
        "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf",
        "properties", "additionalProperties", "required", "propertyOrdering",
    }
)  # fmt: skip
#: The fields of the API's OpenAPI-style ``Schema`` message (``responseSchema``).
GEMINI_SCHEMA_FIELDS = frozenset(
    {
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
        "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
        "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum",
        "maximum",
    }
)  # fmt: skip


def anthropic_choice(
    body: Mapping[str, Any], tools: Sequence[ToolSpec]
) -> tuple[ToolChoice, ResponseFormat | None]:
    """``tool_choice`` checked; a forced tool (``type: tool``) is a structured request."""
    choice = body.get("tool_choice")
    if choice is None:
        return "auto", None
    require(isinstance(choice, dict), "tool_choice: Input should be a valid dictionary")
    kind = choice.get("type")
    require(
        kind in _ANTHROPIC_KEYS,
        f"tool_choice: Input tag {kind!r} found using 'type' does not match any of the "
        "expected tags: 'auto', 'any', 'tool', 'none'",
    )
    extra = sorted(set(choice) - _ANTHROPIC_KEYS[kind])
    require(
        not extra, f"tool_choice.{kind}.{extra[0] if extra else ''}: Extra inputs are not permitted"
    )
    parallel = choice.get("disable_parallel_tool_use", False)
    require(isinstance(parallel, bool), f"tool_choice.{kind}.disable_parallel_tool_use: bool")
    require(bool(tools), "tool_choice may only be given with tools")
    thinking = (body.get("thinking") or {}).get("type") == "enabled"
    require(
        not (thinking and kind in ("any", "tool")),
        "Thinking may not be enabled when tool_choice forces tool use.",
    )
    if kind != "tool":
        return _ANTHROPIC_CHOICES[kind], None
    name = choice.get("name")
    require(isinstance(name, str), "tool_choice.tool.name: Field required")
    forced = next((t for t in tools if t.name == name), None)
    require(forced is not None, f"tool_choice.tool.name: tool {name!r} is not in tools")
    assert forced is not None  # for mypy: require raised otherwise
    return "required", ResponseFormat(name=name, schema=forced.parameters)


def openai_format(body: Mapping[str, Any], prompt: str) -> ResponseFormat | None:
    """``response_format`` checked (``prompt``: every message's text, for ``json_object``)."""
    value = body.get("response_format")
    if value is None:
        return None
    require(isinstance(value, dict), "Invalid type for 'response_format': expected an object.")
    kind = value.get("type")
    require(
        kind in ("text", "json_object", "json_schema"),
        f"Invalid value: {kind!r}. Supported values are: 'text', 'json_object', and 'json_schema'.",
    )
    _known(value, {"type", "json_schema"} if kind == "json_schema" else {"type"}, "response_format")
    if kind == "text":
        return None
    if kind == "json_object":
        require(
            "json" in prompt.lower(),
            "'messages' must contain the word 'json' in some form, to use 'response_format' of "
            "type 'json_object'.",
        )
        return ResponseFormat(name="json_object", schema={"type": "object"})
    return _openai_schema(value.get("json_schema"))


def _openai_schema(spec: Any) -> ResponseFormat:
    where = "response_format.json_schema"
    require(isinstance(spec, dict), f"Missing required parameter: '{where}'.")
    _known(spec, {"name", "description", "schema", "strict"}, where)
    name = spec.get("name")
    require(isinstance(name, str), f"Missing required parameter: '{where}.name'.")
    require(
        bool(_OPENAI_NAME.match(name)),
        f"Invalid '{where}.name': string does not match pattern. Expected a string that "
        "matches the pattern '^[a-zA-Z0-9_-]+$' (at most 64 characters).",
    )
    schema = spec.get("schema", {"type": "object"})
    require(isinstance(schema, dict), f"Invalid type for '{where}.schema': expected an object.")
    strict = spec.get("strict")
    require(strict is None or isinstance(strict, bool), f"Invalid type for '{where}.strict'.")
    if strict:
        require(
            schema.get("type") == "object",
            f"Invalid schema for response_format '{name}': schema must be a JSON Schema of "
            f"'type: \"object\"', got 'type: \"{schema.get('type')}\"'.",
        )
        _check_strict(schema, name, ())
    check_schema(schema, f"{where}.schema")
    return ResponseFormat(name=name, schema=schema)


def _check_strict(node: Any, name: str, path: tuple[str, ...]) -> None:
    """Strict mode's rules: each object closed and listing every property as required."""
    if not isinstance(node, dict):
        return
    problem = f"Invalid schema for response_format '{name}': In context={path}, "
    require("oneOf" not in node, problem + "'oneOf' is not permitted.")
    if node.get("type") == "object" or "properties" in node:
        require(
            node.get("additionalProperties") is False,
            problem + "'additionalProperties' is required to be supplied and to be false.",
        )
        missing = [k for k in node.get("properties", {}) if k not in node.get("required", [])]
        require(
            not missing,
            problem + "'required' is required to be supplied and to be an array including "
            f"every key in properties. Missing '{missing[0] if missing else ''}'.",
        )
    for key, sub in _subschemas(node):
        _check_strict(sub, name, (*path, *key))


def gemini_format(config: Mapping[str, Any]) -> ResponseFormat | None:
    """``generationConfig``'s response fields checked; JSON output is a structured request."""
    mime = _camel(config, "responseMimeType")
    openapi = _camel(config, "responseSchema")
    plain = _camel(config, "responseJsonSchema")
    where = "generation_config"
    require(
        mime is None or mime in (*_GEMINI_MIME, "text/x.enum"),
        f"Invalid value at '{where}.response_mime_type': unsupported mime type {mime!r}.",
    )
    require(
        openapi is None or plain is None,
        f"{where}: response_schema and response_json_schema cannot both be set.",
    )
    require(
        (openapi is None and plain is None) or mime in ("application/json", "text/x.enum"),
        f"{where}.response_mime_type: must be application/json (or text/x.enum) when a "
        "response schema is set.",
    )
    if plain is not None:
        require(isinstance(plain, dict), f"{where}.response_json_schema must be an object")
        _check_gemini(plain, GEMINI_JSON_KEYWORDS, f"{where}.response_json_schema")
    if openapi is not None:
        require(isinstance(openapi, dict), f"{where}.response_schema must be an object")
        _check_gemini(openapi, GEMINI_SCHEMA_FIELDS, f"{where}.response_schema")
    if mime != "application/json":
        return None
    schema = plain if plain is not None else lower(openapi or {"type": "OBJECT"})
    return ResponseFormat(name="response", schema=schema)


def _check_gemini(node: Any, known: frozenset[str], where: str) -> None:
    if not isinstance(node, dict):
        return
    for key in node:
        require(
            key in known,
            f"Invalid JSON payload received. Unknown name {key!r} at '{where}': "
            "Cannot find field (or keyword not supported).",
        )
    if "$ref" in node:
        siblings = [k for k in node if not k.startswith("$")]
        require(not siblings, f"{where}: a $ref may have no sibling keywords: {siblings}")
    for path, sub in _subschemas(node):
        _check_gemini(sub, known, f"{where}.{'.'.join(path)}")


def _subschemas(node: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    found: list[tuple[tuple[str, ...], Any]] = []
    for key in ("properties", "$defs"):
        if isinstance(node.get(key), dict):
            found += [((key, name), sub) for name, sub in node[key].items()]
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if isinstance(node.get(key), list):
            found += [((key, str(i)), sub) for i, sub in enumerate(node[key])]
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            found.append(((key,), node[key]))
    return found


def _known(value: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(value) - known)
    require(not unknown, f"Unknown parameter: '{where}.{unknown[0] if unknown else ''}'.")


def _camel(body: Mapping[str, Any], camel: str) -> Any:
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    return body.get(camel, body.get(snake))


def lower(schema: Any) -> Any:
    """An OpenAPI-style schema (``type: STRING``) as JSON Schema."""
    if isinstance(schema, dict):
        return {
            k: (v.lower() if k == "type" and isinstance(v, str) else lower(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [lower(v) for v in schema]
    return schema
