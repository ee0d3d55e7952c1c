"""The OpenAPI 3.1 document of the JSON API, written by hand so it says exactly what the API does.

``tests/web`` checks that every ``/api/`` route is documented here and nothing else is.
"""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, where: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema,
    }


def _ok(description: str, schema: dict[str, Any], media: str = "application/json") -> Any:
    return {
        "200": {"description": description, "content": {media: {"schema": schema}}},
        "400": {"description": "A bad parameter", "content": _error()},
        "404": {"description": "Not found", "content": _error()},
    }


def _error() -> dict[str, Any]:
    return {"application/json": {"schema": _ref("Error")}}


def _health() -> dict[str, Any]:
    status = {"type": "object", "properties": {"status": _STR, "backend": _STR}}
    return {"application/json": {"schema": status}}


_STR = {"type": "string"}
_INT = {"type": "integer"}
_NUM = {"type": "number"}
_NULL_STR = {"type": ["string", "null"]}
_NULL_NUM = {"type": ["number", "null"]}
_STRINGS = {"type": "array", "items": _STR}
_CID = _param("conversation_id", "path", "The conversation id", _STR)
_AFTER = _param("after", "query", "Only events with a greater sequence", {**_INT, "minimum": 0})

_RUN = _param("run_id", "path", "The run id", _STR)
_FILTERS = [
    _param("q", "query", "Text in the topic or the id", _STR),
    _param("status", "query", "active or ended", {"enum": ["active", "ended"]}),
    _param("participant", "query", "A participant name", _STR),
    _param("agent", "query", "An agent id (e.g. mock, claude)", _STR),
    _param("run_id", "query", "A simulation run id", _STR),
    _param("limit", "query", "Page size", {**_INT, "minimum": 1, "maximum": 200, "default": 50}),
    _param("offset", "query", "Rows to skip", {**_INT, "minimum": 0, "default": 0}),
]

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "properties": {"error": _STR}, "required": ["error"]},
    "IndexEntry": {
        "type": "object",
        "properties": {
            "conversation_id": _STR,
            "created_at": _NUM,
            "updated_at": _NUM,
            "topic": _STR,
            "participants": _STRINGS,
            "agents": _STRINGS,
            "status": {"enum": ["active", "ended"]},
            "turns": _INT,
            "end_reason": _NULL_STR,
            "cost_usd": _NULL_NUM,
            "run_id": _NULL_STR,
            "last_sequence": _INT,
            "tags": _STRINGS,
            "url": _STR,
        },
    },
    "ConversationPage": {
        "type": "object",
        "properties": {
            "total": _INT,
            "limit": _INT,
            "offset": _INT,
            "next_offset": {"type": ["integer", "null"]},
            "items": {"type": "array", "items": _ref("IndexEntry")},
        },
    },
    "Event": {
        "type": "object",
        "properties": {
            "sequence": _INT,
            "position": _INT,
            "at": _NUM,
            "time": {**_STR, "format": "date-time"},
            "kind": _STR,
            "summary": _STR,
            "meta": _STR,
            "data": {"type": "object", "description": "The event body, by kind"},
        },
    },
    "Transcript": {
        "type": "object",
        "description": "The documented export format of `aic export --format json`",
        "properties": {
            "conversation_id": _STR,
            "topic": _STR,
            "status": _STR,
            "started_at": _NUM,
            "participants": {"type": "array", "items": {"type": "object"}},
            "messages": {"type": "array", "items": {"type": "object"}},
            "ended": {"type": ["object", "null"]},
            "outcome": _NULL_STR,
            "summary": {"type": "object"},
            "metadata": {"type": "object"},
            "last_sequence": _INT,
        },
    },
    "Run": {
        "type": "object",
        "properties": {
            "run_id": _STR,
            "total": _INT,
            "ended": _INT,
            "active": _INT,
            "progress": _NUM,
            "outcomes": {"type": "object", "additionalProperties": _INT},
            "end_reasons": {"type": "object", "additionalProperties": _INT},
            "cost_usd": _NUM,
            "scenario": _NULL_STR,
            "successes": _STRINGS,
            "success_rate": _NULL_NUM,
            "conversations": _ref("ConversationPage"),
        },
    },
}

_STREAM_DESCRIPTION = (
    "Server-sent events: one `event` frame per stored event (id = sequence, data = Event plus "
    "`state`), then an `end` frame once the conversation has ended. Resumes after the "
    "`Last-Event-ID` header, else after `?after=`."
)

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "aiconv",
        "version": "1",
        "description": "Read-only view of conversations, their events and simulation runs.",
    },
    "paths": {
        "/api/conversations": {
            "get": {
                "summary": "List conversations, newest first",
                "parameters": _FILTERS,
                "responses": _ok("A page of the index", _ref("ConversationPage")),
            }
        },
        "/api/conversations/{conversation_id}": {
            "get": {
                "summary": "One conversation's transcript",
                "parameters": [_CID],
                "responses": _ok("The transcript", _ref("Transcript")),
            }
        },
        "/api/conversations/{conversation_id}/events": {
            "get": {
                "summary": "The events of a conversation",
                "parameters": [_CID, _AFTER],
                "responses": _ok("Events in order", {"type": "array", "items": _ref("Event")}),
            }
        },
        "/api/conversations/{conversation_id}/stream": {
            "get": {
                "summary": "Live events of a conversation (server-sent events)",
                "description": _STREAM_DESCRIPTION,
                "parameters": [
                    _CID,
                    _AFTER,
                    _param("Last-Event-ID", "header", "The last sequence received", _STR),
                ],
                "responses": _ok("An event stream", _STR, "text/event-stream"),
            }
        },
        "/api/runs/{run_id}": {
            "get": {
                "summary": "A simulation run: progress, outcomes and its conversations",
                "parameters": [_RUN, *(f for f in _FILTERS if f["name"] != "run_id")],
                "responses": _ok("The run", _ref("Run")),
            }
        },
        "/api/health": {
            "get": {
                "summary": "Liveness",
                "responses": {"200": {"description": "Serving", "content": _health()}},
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI document"}},
            }
        },
    },
    "components": {"schemas": _SCHEMAS},
}
