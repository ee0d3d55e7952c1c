"""Event <-> stored bytes: JSON bodies validated by pydantic, with upcasters per (kind, version).

An upcaster takes the JSON body of ``(kind, version)`` and returns the body of ``version + 1``;
``decode`` applies them until the event's current ``SCHEMA_VERSION`` is reached, so old streams
stay readable forever.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pydantic
from pydantic_core import PydanticSerializationError

from aiconv.errors import CodecError
from aiconv.platform import slot_writers
from aiconv.platform.events import EVENT_TYPES, Event
from aiconv.platform.upcasters import UPCASTERS, Upcaster
from aiconv.queues.log import NewEvent, StoredEvent

_TYPES: dict[str, type[Event]] = {cls.KIND: cls for cls in EVENT_TYPES}
_ADAPTERS: dict[str, pydantic.TypeAdapter[Any]] = {
    kind: pydantic.TypeAdapter(cls) for kind, cls in _TYPES.items()
}
#: The serializers' own ``to_json`` (``TypeAdapter.dump_json`` passes every option to it as a
#: keyword, twice a turn; the defaults are the same).
_DUMPS: dict[str, Any] = {kind: adapter.serializer.to_json for kind, adapter in _ADAPTERS.items()}
_UPCASTERS: dict[tuple[str, int], Upcaster] = dict(UPCASTERS)
_BODY: pydantic.TypeAdapter[dict[str, Any]] = pydantic.TypeAdapter(dict[str, Any])


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded:
    """A decoded event with where and when the log stored it."""

    conversation_id: str
    sequence: int
    position: int
    at: float
    event: Event


#: A ``Recorded`` of an event and where it was stored, written slot by slot (every event a
#: process appends or reads is made into one).
_recorded_of = slot_writers.converter(Recorded, ("event",), StoredEvent)


def register_upcaster(kind: str, version: int, upcaster: Upcaster) -> None:
    """Teach the codec to read ``kind`` bodies of ``version`` (turning them into ``version+1``).

    aiconv's own upcasters are declared in ``upcasters.UPCASTERS``; this is for tests and for
    programs that define event versions of their own.
    """
    _UPCASTERS[(kind, version)] = upcaster


def encode(event: Event) -> NewEvent:
    """The stored form of ``event``; CodecError for what could not be read back as written
    (JSON has no NaN or infinity: they would be stored as ``null``), or could not be written
    at all (UTF-8 has no lone surrogate, which JSON's ``\\ud800`` escape can still bring in)."""
    path = _non_finite(event, event.KIND)
    if path is not None:
        raise CodecError(f"{path} is not a finite number: the event would not read back")
    try:
        data: bytes = _DUMPS[event.KIND](event, warnings=True)
    except PydanticSerializationError as exc:  # text with a lone surrogate ('\ud800')
        raise CodecError(f"{event.KIND} cannot be stored: {exc}") from None
    return NewEvent(kind=event.KIND, version=event.SCHEMA_VERSION, data=data)


def _non_finite(value: object, path: str) -> str | None:
    """The path of the first NaN or infinity inside ``value``, or None.

    A dataclass is checked through its ``_plan``: only the fields whose declared type can hold a
    float are looked at (most fields of an event are text or whole numbers).
    """
    if isinstance(value, float):
        return None if math.isfinite(value) else path
    plan = _PLANS.get(type(value))  # an event or a value inside one: planned already
    if plan is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        plan = _PLANS[type(value)] = _plan(type(value))
    if plan is not None:
        for name, walk in plan:
            item = getattr(value, name)
            if walk:
                found = _non_finite(item, f"{path}.{name}")
                if found is not None:
                    return found
            elif isinstance(item, float) and not math.isfinite(item):
                return f"{path}.{name}"
        return None
    if isinstance(value, Mapping):
        items: Iterable[tuple[object, object]] = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _non_finite(item, f"{path}.{key}")
        if found is not None:
            return found
    return None


#: The plans made so far, by class (a dictionary: looked up for every event encoded).
_PLANS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _plan(cls: type) -> tuple[tuple[str, bool], ...]:
    """The fields of dataclass ``cls`` that can hold a float: (name, whether to walk into it)
    — False for a plain (optional) float, True for anything that may contain one."""
    hints = typing.get_type_hints(cls)
    plan = []
    for item in dataclasses.fields(cls):
        holds = _holds_float(hints.get(item.name, Any))
        if holds != "no":
            plan.append((item.name, holds == "walk"))
    return tuple(plan)


_NO_FLOAT = frozenset({str, bool, type(None), bytes})


def _holds_float(hint: object) -> str:
    """``"no"`` (a type that holds no float), ``"float"`` (a number or None: checked without
    walking; a whole number is checked too, in case a float was passed for it) or ``"walk"``."""
    if hint in _NO_FLOAT or hint is Ellipsis:
        return "no"
    if hint in (float, int):
        return "float"
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal:
        return "no"
    kinds = {_holds_float(arg) for arg in args}
    if origin in (typing.Union, types.UnionType) and kinds <= {"no", "float"}:
        return "float" if "float" in kinds else "no"
    if origin in (tuple, dict, list, frozenset, set) and kinds <= {"no", "float"}:
        return "no" if kinds == {"no"} else "walk"
    return "walk"


def decode_event(kind: str, version: int, data: bytes) -> Event:
    """The event stored as ``data`` under ``kind`` and ``version``, upcast to the current schema."""
    cls = _TYPES.get(kind)
    if cls is None:
        raise CodecError(f"unknown event kind {kind!r}")
    try:
        if version == cls.SCHEMA_VERSION:
            event: Event = _ADAPTERS[kind].validate_json(data)
            return event
        body: dict[str, Any] = _BODY.validate_json(data)
        while version < cls.SCHEMA_VERSION:
            upcaster = _UPCASTERS.get((kind, version))
            if upcaster is None:
                raise CodecError(f"no upcaster for {kind} version {version}")
            body, version = upcaster(body), version + 1
        event = _ADAPTERS[kind].validate_python(body)
        return event
    except pydantic.ValidationError as exc:
        raise CodecError(f"{kind} v{version} does not decode: {exc}") from exc


def body_of(event: Event) -> dict[str, Any]:
    """The JSON body of ``event`` (as stored, parsed)."""
    body: dict[str, Any] = _ADAPTERS[event.KIND].dump_python(event, mode="json")
    return body


def event_from_body(kind: str, body: Mapping[str, Any]) -> Event:
    """The current-version event of ``kind`` with JSON body ``body``; CodecError if it does
    not validate."""
    if kind not in _TYPES:
        raise CodecError(f"unknown event kind {kind!r}")
    try:
        event: Event = _ADAPTERS[kind].validate_python(dict(body))
    except pydantic.ValidationError as exc:
        raise CodecError(f"{kind} does not validate: {exc}") from exc
    return event


def decode(stored: StoredEvent) -> Recorded:
    """A stored event, decoded."""
    return recorded(stored, decode_event(stored.kind, stored.version, stored.data))


def recorded(stored: StoredEvent, event: Event) -> Recorded:
    """``event`` with where and when the log stored it as ``stored`` (the appender has the
    event already: no need to decode what it just encoded)."""
    made: Recorded = _recorded_of(event, stored)
    return made


def decode_all(stored: Iterable[StoredEvent]) -> list[Recorded]:
    """Several stored events, decoded in order."""
    return [decode(s) for s in stored]
