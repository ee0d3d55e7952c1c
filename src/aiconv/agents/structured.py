"""Structured replies: ask a provider for one JSON object that validates against a pydantic model.

``ask_structured`` sets ``ChatRequest.response_format`` from the model (each adapter turns it into
its vendor's native mechanism), parses the reply (a Markdown code fence around the JSON is
tolerated), validates it with pydantic and makes **one** repair attempt when the reply is not
usable. Bad model output is a value (``Structured.error``), never an exception; provider failures
still raise ``ProviderError``. ``parse_structured`` is the pure parser, reusable on any text.

This module knows no vendor: it speaks only ``ChatProvider``, ``ChatRequest`` and ``ChatReply``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from aiconv.agents.messages import ChatMessage, ChatReply, ChatRequest, ResponseFormat, to_json
from aiconv.agents.provider import ChatProvider

T = TypeVar("T", bound=BaseModel)

#: A fenced block (```json … ``` or ``` … ```) anywhere in the text; the first one wins.
_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\r?\n?(.*?)```", re.DOTALL)
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
#: Longest error message kept (one line): enough for a few field errors.
_MAX_ERROR = 300
#: Braces tried as the start of the object before giving up.
_MAX_STARTS = 20
_DECODER = json.JSONDecoder()


class StructuredOutputError(ValueError):
    """A reply that is not one JSON object valid for the model; the message is one short line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Structured(Generic[T]):
    """The outcome of ``ask_structured``.

    ``value`` is the validated object, or ``None`` with ``error`` (one line) saying why not.
    ``replies`` holds every call made (one, or two with the repair attempt) for usage and cost;
    ``repaired`` is true when ``value`` came from the repair attempt.
    """

    value: T | None
    replies: tuple[ChatReply, ...]
    repaired: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether a valid value came back."""
        return self.value is not None and self.error is None


def response_format_for(model: type[BaseModel]) -> ResponseFormat:
    """The ``ResponseFormat`` that asks for ``model``: its name (made safe for every vendor:
    ``[A-Za-z0-9_-]``, at most 64 characters) and its JSON schema."""
    name = _NAME_CHARS.sub("_", model.__name__).strip("_")[:64] or "response"
    return ResponseFormat(name=name, schema=model.model_json_schema())


def with_json_instruction(request: ChatRequest) -> ChatRequest:
    """``request`` for a server without native structured output: its ``response_format``
    becomes an instruction (with the schema) at the end of the system prompt."""
    fmt = request.response_format
    if fmt is None:
        return request
    instruction = (
        f"Reply with only one JSON object (no Markdown, no other text) that matches this JSON "
        f"schema, named {fmt.name}:\n{to_json(fmt.schema)}"
    )
    system = f"{request.system}\n\n{instruction}" if request.system else instruction
    return replace(request, system=system, response_format=None)


def parse_structured(text: str, model: type[T]) -> T:
    """``model`` validated from the JSON object in ``text``.

    Accepts the bare object, the object inside a Markdown code fence, or the first object in
    surrounding prose. Raises ``StructuredOutputError`` (one line) when there is no valid object.
    """
    data = _json_object(text)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise StructuredOutputError(_one_line(_validation_summary(exc))) from None


async def ask_structured(
    provider: ChatProvider, request: ChatRequest, model: type[T]
) -> Structured[T]:
    """Ask ``provider`` for a ``model`` through ``request``, with one repair attempt.

    The request's own ``response_format`` is kept when set (a caller may send a hand-written
    schema and validate with a model); otherwise it is made from ``model``.
    """
    if request.response_format is None:
        request = replace(request, response_format=response_format_for(model))
    first = await provider.complete(request)
    try:
        return Structured(value=_parse_reply(first, model), replies=(first,))
    except StructuredOutputError as exc:
        if first.stop is not None:
            return Structured(value=None, replies=(first,), error=str(exc))
        problem = str(exc)
    second = await provider.complete(repair_request(request, first, problem))
    replies = (first, second)
    try:
        return Structured(value=_parse_reply(second, model), replies=replies, repaired=True)
    except StructuredOutputError as exc:
        return Structured(value=None, replies=replies, error=str(exc))


def repair_request(request: ChatRequest, reply: ChatReply, problem: str) -> ChatRequest:
    """``request`` followed by the unusable ``reply`` and a user message quoting ``problem`` and
    asking for only the corrected JSON object."""
    name = request.response_format.name if request.response_format else "the schema"
    ask = (
        f"Your reply could not be used: {problem}. Reply with only the corrected JSON object "
        f"matching the schema {name}: no Markdown, no other text."
    )
    messages = (
        *request.messages,
        ChatMessage(role="assistant", content=reply.content or "(empty reply)"),
        ChatMessage(role="user", content=ask),
    )
    return replace(request, messages=messages)


def _parse_reply(reply: ChatReply, model: type[T]) -> T:
    if reply.stop is not None and not reply.content.strip():
        raise StructuredOutputError(_one_line(f"the provider stopped instead: {reply.stop}"))
    try:
        return parse_structured(reply.content, model)
    except StructuredOutputError as exc:
        if reply.truncated:
            raise StructuredOutputError(f"{exc} (the reply was cut at the output limit)") from None
        raise


def _json_object(text: str) -> dict[str, Any]:
    body = text.strip()
    if not body:
        raise StructuredOutputError("the reply is empty")
    fenced = _FENCE.search(body)
    if fenced is not None:
        body = fenced.group(1).strip()
    starts = [m.start() for m in re.finditer(r"\{", body)][:_MAX_STARTS]
    if not starts:
        raise StructuredOutputError(_one_line(f"no JSON object in the reply: {body[:60]!r}"))
    first_error: json.JSONDecodeError | None = None
    for start in starts:  # prose may hold a brace before the object ("use {name} …")
        try:
            value, _ = _DECODER.raw_decode(body, start)
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
            continue
        if isinstance(value, dict):  # always, when decoding starts at "{"
            return value
    raise StructuredOutputError(_one_line(f"the reply is not valid JSON: {first_error}"))


def _validation_summary(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "(object)"
        parts.append(f"{where}: {error['msg']}")
    count = len(parts)
    noun = "error" if count == 1 else "errors"
    return f"the JSON does not match the schema ({count} {noun}): " + "; ".join(parts)


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_ERROR else line[: _MAX_ERROR - 1] + "…"
