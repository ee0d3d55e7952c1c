"""The JSON Schema a flow field is declared with: a checked subset of the standard, and values
validated against it.

The subset is what every vendor's structured output accepts (``type``, ``enum``, ``items``,
``properties``, ``required``, ``additionalProperties``, bounds, and the annotations
``title``, ``description``, ``examples``, ``default``, ``format``). A schema using anything
else, or using these wrongly, is refused when the flow file is loaded (``schema_problem``),
so a typo never reaches a vendor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "format"})
_NUMBERS = ("minimum", "maximum")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems")
_KEYWORDS = frozenset(
    {"type", "enum", "items", "properties", "required", "additionalProperties"}
    | _ANNOTATIONS
    | set(_NUMBERS)
    | set(_COUNTS)
)


def schema_problem(schema: Any, where: str = "schema") -> str | None:
    """What is wrong with ``schema`` (``where.keyword: why``), or None when it is usable."""
    if not isinstance(schema, Mapping):
        return f"{where}: must be a table (a JSON Schema object)"
    for key in schema:
        if key not in _KEYWORDS:
            return f"{where}.{key}: unsupported JSON Schema keyword"
    return _type_problem(schema, where) or _parts_problem(schema, where)


def _type_problem(schema: Mapping[str, Any], where: str) -> str | None:
    kind = schema.get("type")
    if kind is None and "enum" not in schema:
        return f"{where}.type: required (one of {', '.join(sorted(TYPES))}) unless enum is given"
    kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
    for item in kinds:  # a table is no name (and no key of a set: a TypeError traceback)
        if not isinstance(item, str) or item not in TYPES:
            return f"{where}.type: {item!r} is not a JSON Schema type"
    enum = schema.get("enum")
    if enum is not None and (not isinstance(enum, list) or not enum):
        return f"{where}.enum: must be a non-empty list"
    for key in _NUMBERS:
        if key in schema and not (_is_number(schema[key]) and math.isfinite(schema[key])):
            return f"{where}.{key}: must be a finite number"
    for key in _COUNTS:
        count = schema.get(key, 0)
        if not (isinstance(count, int) and not isinstance(count, bool) and count >= 0):
            return f"{where}.{key}: must be a whole number ≥ 0"
    return None


def _parts_problem(schema: Mapping[str, Any], where: str) -> str | None:
    if "items" in schema and (found := schema_problem(schema["items"], f"{where}.items")):
        return found
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping):
        return f"{where}.properties: must be a table of schemas"
    for name, sub in properties.items():
        if found := schema_problem(sub, f"{where}.properties.{name}"):
            return found
    required = schema.get("required", [])
    if not isinstance(required, list) or any(
        not isinstance(r, str) or r not in properties for r in required
    ):
        return f"{where}.required: must list names of properties"
    extra = schema.get("additionalProperties", True)
    if not isinstance(extra, bool):
        return schema_problem(extra, f"{where}.additionalProperties")
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validation_problem(value: Any, schema: Mapping[str, Any], where: str = "value") -> str | None:
    """Why ``value`` does not validate against the (checked) ``schema``, or None."""
    enum = schema.get("enum")
    if enum is not None and value not in enum:
        return f"{where}: {value!r} is not one of {enum}"
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
    if kinds and not any(_is_type(value, k) for k in kinds):
        return f"{where}: {value!r} is not of type {' or '.join(kinds)}"
    return _bounds_problem(value, schema, where) or _inner_problem(value, schema, where)


def _is_type(value: Any, kind: str) -> bool:
    checks: dict[str, Any] = {
        "string": lambda v: isinstance(v, str),
        "number": _is_number,
        "integer": lambda v: _is_number(v) and float(v).is_integer(),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
        "null": lambda v: v is None,
    }
    return bool(checks[kind](value))


def _bounds_problem(value: Any, schema: Mapping[str, Any], where: str) -> str | None:
    if _is_number(value):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{where}: {value} is below {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{where}: {value} is above {schema['maximum']}"
    size = len(value) if isinstance(value, str | list) else None
    low, high = ("minLength", "maxLength") if isinstance(value, str) else ("minItems", "maxItems")
    if size is not None and size < schema.get(low, 0):
        return f"{where}: too short (at least {schema[low]})"
    if size is not None and high in schema and size > schema[high]:
        return f"{where}: too long (at most {schema[high]})"
    return None


def _inner_problem(value: Any, schema: Mapping[str, Any], where: str) -> str | None:
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            if found := validation_problem(item, schema["items"], f"{where}[{index}]"):
                return found
    if not isinstance(value, dict):
        return None
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            return f"{where}.{name}: missing"
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        sub = properties.get(name, extra)
        if sub is False:
            return f"{where}.{name}: not allowed"
        if isinstance(sub, Mapping) and (found := validation_problem(item, sub, f"{where}.{name}")):
            return found
    return None
