"""OpenAI's ``response_format`` for a ``ResponseFormat``: strict Structured Outputs when the
schema can be made strict without changing what validates, else ``strict: false`` as given.

Strict mode's documented rules: the root is an object; every object sets
``additionalProperties: false`` and lists **all** its properties in ``required``. Making a
property required only means the model always fills it, which a pydantic model still accepts
(a value for a field with a default is valid), and extra keys were ignored by validation
anyway. A ``$ref`` with sibling keywords (pydantic puts a field's description next to it) is
inlined, as the openai SDK's own ``to_strict_json_schema`` does. Open maps (``dict[str, X]``:
``additionalProperties`` a schema, or an object without ``properties``) and ``oneOf`` cannot be
strict: such a schema goes unchanged with ``strict: false``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiconv.agents.messages import ResponseFormat, to_json


class _NotStrict(Exception):
    """The schema has a part strict mode cannot express."""


def response_format(fmt: ResponseFormat) -> dict[str, Any]:
    """The Chat Completions ``response_format`` body for ``fmt``."""
    strict = strict_schema(fmt.schema)
    schema = strict if strict is not None else json.loads(to_json(fmt.schema))
    return {
        "type": "json_schema",
        "json_schema": {"name": fmt.name, "schema": schema, "strict": strict is not None},
    }


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """``schema`` made strict, or ``None`` when it cannot be without changing its meaning."""
    root: dict[str, Any] = json.loads(to_json(schema))  # a plain, private copy
    if root.get("type") != "object":
        return None
    try:
        strict: dict[str, Any] = _strict(root, root)
    except _NotStrict:
        return None
    return strict


def _strict(node: Any, root: dict[str, Any]) -> Any:
    if not isinstance(node, dict):
        return node
    if "oneOf" in node:
        raise _NotStrict
    if "$ref" in node and len(node) > 1:
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**_resolve(root, str(node["$ref"])), **siblings}
    out = dict(node)
    for key in ("$defs", "definitions", "properties"):
        if isinstance(node.get(key), dict):
            out[key] = {name: _strict(sub, root) for name, sub in node[key].items()}
    for key in ("anyOf", "allOf"):
        if isinstance(node.get(key), list):
            out[key] = [_strict(sub, root) for sub in node[key]]
    if isinstance(node.get("items"), dict):
        out["items"] = _strict(node["items"], root)
    if out.get("type") == "object":
        if not isinstance(out.get("properties"), dict):
            raise _NotStrict  # a free-form map
        if out.get("additionalProperties", False) is not False:
            raise _NotStrict
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    if "default" in out and out["default"] is None:
        del out["default"]  # a null default says nothing strict mode needs
    return out


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise _NotStrict
    found: Any = root
    for key in ref[2:].split("/"):
        if not isinstance(found, dict) or key not in found:
            raise _NotStrict
        found = found[key]
    if not isinstance(found, dict):
        raise _NotStrict
    return found
