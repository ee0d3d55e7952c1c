"""Query parameters as pydantic models: they validate requests and document them, from one place.

A whole number in a URL is ASCII digits only, within the bounds the document states (full-width
digits, signs, blanks and empty values are refused, and nothing reaches the log that it cannot
store: sequences fit a signed 64-bit integer). The HTML pages read the same models, with the
empty fields of a submitted form left out first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, Field, ValidationError
from pydantic_core import PydanticCustomError

from aiconv.queues.log import ListQuery
from aiconv.web.schemas import Status

#: The largest sequence a log stores (SQLite's and Redis's signed 64-bit integers).
MAX_SEQUENCE = 2**63 - 1
MAX_OFFSET = 10**9
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


#: The longest id a path takes. Conversation ids are 32 hex digits, run ids at most 107
#: characters (``import:`` and a source of up to 100): a longer one names nothing, and is
#: refused (400) before the log is read, without being repeated whole in the answer.
MAX_ID = 128
#: The longest text a list is searched for (a topic is one line): a longer one is 400, not a
#: scan of every topic for a pasted page.
MAX_TEXT = 500
#: How much of a refused value an error repeats before it is cut (``'abc…' (N characters)``).
SHOWN = 60


class BadRequest(ValueError):
    """A parameter the pages and the API cannot accept (answered with 400)."""


def PathId(what: str) -> Any:  # noqa: N802
    """A path's id (``conversation_id``, ``run_id``): at most ``MAX_ID`` characters, stated
    in the document and enforced (400) before the route runs."""
    return Annotated[str, Path(min_length=1, max_length=MAX_ID, description=what)]


ConversationId = PathId("A conversation's id (32 hex digits when aiconv made it)")
RunId = PathId("A simulation run's id")


def checked_id(name: str, value: str) -> str:
    """``value`` of path parameter ``name`` on a page (where no model checks it), as the API
    checks its own: BadRequest, in the API's words, when it is longer than any id."""
    if len(value) > MAX_ID:
        raise BadRequest(
            f"{name}: String should have at most {MAX_ID} characters, got {shown(value)}"
        )
    return value


def shown(value: object) -> str:
    """``value`` as an error repeats it: its ``repr``, cut after ``SHOWN`` characters with its
    length said (a pasted page or a runaway value is not sent back whole)."""
    text = repr(value)
    if len(text) <= SHOWN + 20:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[:SHOWN]}…{size}"


def _whole(low: int, high: int) -> BeforeValidator:
    def check(value: object) -> object:
        if isinstance(value, str):
            if not (value.isascii() and value.isdigit()):
                raise PydanticCustomError(
                    "whole_number",
                    "must be a whole number from {low} to {high}, in digits 0-9",
                    {"low": low, "high": high},
                )
            digits = value.lstrip("0") or "0"  # int() of over 4300 digits raises
            value = high + 1 if len(digits) > len(str(high)) else int(digits)
        if isinstance(value, int) and not low <= value <= high:
            raise PydanticCustomError(
                "whole_number",
                "must be a whole number from {low} to {high}",
                {"low": low, "high": high},
            )
        return value

    return BeforeValidator(check)


def Whole(low: int, high: int, description: str, default: int | None = None) -> Any:  # noqa: N802
    """An integer parameter between ``low`` and ``high`` (both documented), digits only."""
    field = Field(ge=low, le=high, description=description)
    if default is not None:
        field = Field(default, ge=low, le=high, description=description)
    return Annotated[int, field, _whole(low, high)]


SequenceNumber = Whole(0, MAX_SEQUENCE, "Only events with a greater sequence")


class PageParams(BaseModel):
    """Filters and paging of a list of conversations."""

    q: str | None = Field(None, max_length=MAX_TEXT, description="Text in the topic or the id")
    status: Status | None = Field(None, description="active or ended")
    participant: str | None = Field(None, max_length=MAX_ID, description="A participant name")
    agent: str | None = Field(
        None, max_length=MAX_ID, description="An agent id (e.g. mock, claude)"
    )
    limit: Whole(1, MAX_LIMIT, "Page size", DEFAULT_LIMIT) = DEFAULT_LIMIT  # type: ignore[valid-type]
    offset: Whole(0, MAX_OFFSET, "Rows to skip", 0) = 0  # type: ignore[valid-type]

    def to_query(self, run_id: str | None = None) -> ListQuery:
        """The log's ``ListQuery`` for these filters, within the run ``run_id`` if given."""
        return ListQuery(
            status=self.status,
            run_id=run_id,
            participant=self.participant,
            agent=self.agent,
            text=self.q,
            limit=self.limit,
            offset=self.offset,
        )


class ListParams(PageParams):
    """Filters and paging of the conversations index."""

    run_id: str | None = Field(None, max_length=MAX_ID, description="A simulation run id")

    def to_query(self, run_id: str | None = None) -> ListQuery:
        """The log's ``ListQuery`` (a ``run_id`` given by the caller wins over ``?run_id=``)."""
        return super().to_query(run_id or self.run_id)


class AfterParams(BaseModel):
    """Where to start reading a conversation's events."""

    after: SequenceNumber = 0  # type: ignore[valid-type]


def describe_error(error: ValidationError | Any) -> str:
    """One line for a failed validation: each bad parameter, what it must be and what it got."""
    parts = []
    for detail in error.errors():
        if (whole := _body_problem(detail)) is not None:
            parts.append(whole)
            continue
        names = [str(p) for p in detail["loc"] if p not in ("query", "path", "header", "body")]
        name = ".".join(names) or "request"
        message = detail["msg"].removeprefix("Value error, ")
        got = (
            f", got {shown(detail['input'])}"
            if "input" in detail and detail["type"] != "missing"
            else ""
        )
        parts.append(f"{name}: {message}{got}")
    return "; ".join(parts)


def _body_problem(detail: Any) -> str | None:
    """What to send instead, when the request body as a whole is not a JSON object."""
    loc = tuple(detail["loc"])
    if detail["type"] == "json_invalid":
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        why = (detail.get("ctx") or {}).get("error")
        return f"body: not valid JSON{where}" + (f" ({why})" if why else "")
    if loc != ("body",):
        return None
    if detail["type"] == "missing":
        return "body: a JSON object is required"
    if isinstance(detail.get("input"), bytes):  # not parsed: it was not sent as JSON
        return "body: must be a JSON object (Content-Type: application/json)"
    return f"body: must be a JSON object, got {detail.get('input')!r}"[:200]


def form(params: Mapping[str, str]) -> dict[str, str]:
    """A submitted form's fields without the empty ones (an empty field means "any")."""
    return {name: value for name, value in params.items() if value.strip()}


def list_params(params: Mapping[str, str]) -> ListParams:
    """The list filters of an HTML page's query string; BadRequest when one is invalid."""
    try:
        return ListParams.model_validate(form(params))
    except ValidationError as exc:
        raise BadRequest(describe_error(exc)) from None
