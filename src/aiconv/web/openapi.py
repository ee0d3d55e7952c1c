"""The OpenAPI 3.1 document of the JSON API, generated from the routes and their models.

FastAPI derives it from the same pydantic models that validate the parameters and serialise the
responses. Three corrections make it say what the app does: a parameter or body that fails
validation is answered with 400 and an ``ApiError`` (the app's handler), not FastAPI's 422; the 400
is stated wherever FastAPI states its 422, i.e. on every route that validates something, so the
document cannot forget it on a route that lists its answers by hand; the 404 is stated on every
route with an id in its path and on no other (a shared list put it on the conversations list,
which never answers it); and the live stream's
frames are described one by one, each ``data`` line a JSON document of a stated schema. In a 3.1
document an event stream's ``schema`` is one frame, as tools read it (schemathesis checks every
event against it); OpenAPI 3.2's ``itemSchema`` would fail every 3.1 validator, and the bundled
Swagger UI renders only 3.0 and 3.1.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, TypeAdapter

from aiconv.web.schemas import AnyFrame, ApiError, LiveState

TITLE = "aiconv"
VERSION = "1"
DESCRIPTION = (
    "Conversations, their events and simulation runs of an aiconv log. Parameters are checked "
    "as documented; a bad one is answered with 400 and a one-line `error`."
)
_REF = "#/components/schemas/{model}"
_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_BAD_REQUEST = "A bad parameter or body (the error says which, and why)"


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The document of ``app``'s API routes (generated once, then cached on the app)."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=TITLE, version=VERSION, description=DESCRIPTION, routes=app.routes
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for path in document["paths"].values():
            for operation in path.values():
                _validation_is_400(operation, schemas)
                _unknown_id_is_404(operation, schemas)
                operation["responses"] = dict(sorted(operation["responses"].items()))
                _describe_stream(operation, schemas)
        for name in _VALIDATION_SCHEMAS:
            schemas.pop(name, None)
        app.openapi_schema = document
    return app.openapi_schema


def _validation_is_400(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """FastAPI's 422 (stated on each operation whose request it validates) as the app's 400; a
    400 the route already describes (a bad agent, too) keeps its description."""
    responses = operation["responses"]
    if responses.pop("422", None) is None:
        return
    responses.setdefault("400", {"description": _BAD_REQUEST, "content": _error(schemas)})


def _unknown_id_is_404(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A 404 on each operation with an id in its path (``conversation_id``: "No such
    conversation"), and on no other: a route without one has nothing to look up (a list's
    filters that match nothing give an empty page), so no route lists the 404 by hand."""
    ids = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
    if ids:
        what = " or ".join(name.removesuffix("_id").replace("_", " ") for name in ids)
        operation["responses"]["404"] = {
            "description": f"No such {what}",
            "content": _error(schemas),
        }


def _error(schemas: dict[str, Any]) -> dict[str, Any]:
    """An answer's content: the app's ``ApiError``."""
    return {"application/json": {"schema": _schema_of(ApiError, schemas)}}


def _json_data(schema: dict[str, Any]) -> dict[str, Any]:
    """An SSE ``data`` field holding one JSON document of ``schema``."""
    return {"type": "string", "contentMediaType": "application/json", "contentSchema": schema}


def _describe_stream(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Give an event-stream answer the schema of its frames (and their models to ``schemas``)."""
    content = operation["responses"].get("200", {}).get("content", {})
    if "text/event-stream" not in content:
        return
    frames = _schema_of(AnyFrame, schemas)
    final = _schema_of(LiveState, schemas)
    event_frame = {
        "properties": {
            "event": {"const": "event"},
            "id": {"type": "string", "pattern": "^[0-9]+$"},
            "data": _json_data(frames),
        },
        "required": ["event", "id", "data"],
    }
    end_frame = {
        "properties": {"event": {"const": "end"}, "data": _json_data(final)},
        "required": ["event", "data"],
    }
    content["text/event-stream"] = {"schema": {"type": "object", "oneOf": [event_frame, end_frame]}}
    content.pop("application/json", None)


def _schema_of(kind: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of ``kind``, its definitions moved to the document's components."""
    schema = TypeAdapter(kind).json_schema(mode="serialization", ref_template=_REF)
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        schemas.setdefault(kind.__name__, schema)
        return {"$ref": _REF.format(model=kind.__name__)}
    return schema
