"""Straight-line writers of frozen slots dataclasses, for the hot path of the fold (pure).

The fold makes a new ``ConversationState`` for every event and a ``Message`` for every message,
for every conversation a process runs: thousands a second. ``dataclasses.replace`` and a frozen
``__init__`` set each field through ``object.__setattr__`` (and ``replace`` collects the fields
first); a loop over the slot setters still pays the loop. These writers are generated once per
class, the way ``dataclasses`` generates ``__init__``, and set each slot directly, one line a
field: about half the cost. They only assign, so they are right exactly for classes whose
``__init__`` only assigns (no ``__post_init__``, no converters). Nothing from outside ever
reaches the generated source: it is made of the class's own field names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def _setters(cls: Any) -> dict[str, Any]:
    """The slot setters of ``cls`` by field name (bypassing a frozen ``__setattr__``)."""
    assert not hasattr(cls, "__post_init__"), f"{cls.__name__} does more than assign"
    return {f.name: vars(cls)[f.name].__set__ for f in dataclasses.fields(cls)}


def _generate(name: str, head: str, lines: list[str], scope: dict[str, Any]) -> Any:
    source = "\n".join([f"def {name}({head}):", *(f"    {line}" for line in lines)])
    exec(source, scope)  # our own field names only (see the module docstring)
    return scope[name]


def copier(cls: type[T]) -> Callable[[T, dict[str, Any]], T]:
    """``copy(obj, changes)``: ``dataclasses.replace(obj, **changes)`` for ``cls``."""
    setters = _setters(cls)
    lines = ["copy = new(cls)"]
    lines += [f"set_{name}(copy, obj.{name})" for name in setters]
    lines += ["for name, value in changes.items():", "    setter_of[name](copy, value)"]
    scope = {f"set_{name}": setter for name, setter in setters.items()}
    scope |= {"new": object.__new__, "cls": cls, "setter_of": setters}
    copy: Callable[[T, dict[str, Any]], T] = _generate(
        "copy", "obj, changes", [*lines, "return copy"], scope
    )
    return copy


def converter(cls: type[T], given: tuple[str, ...], source: Any) -> Callable[..., T]:
    """``convert(*given, obj)``: a ``cls`` with the ``given`` fields as passed, every field it
    shares with dataclass ``source`` taken from ``obj``, and the others at their defaults."""
    setters = _setters(cls)
    shared = {f.name for f in dataclasses.fields(source)}
    scope: dict[str, Any] = {f"set_{name}": setter for name, setter in setters.items()}
    scope |= {"new": object.__new__, "cls": cls}
    lines = ["made = new(cls)"]
    for item in dataclasses.fields(cls):  # type: ignore[arg-type]  # a dataclass: _setters read its fields
        if item.name in given:
            value = item.name
        elif item.name in shared:
            value = f"obj.{item.name}"
        else:
            assert item.default is not dataclasses.MISSING, f"{item.name} needs a value"
            scope[f"default_{item.name}"] = item.default
            value = f"default_{item.name}"
        lines.append(f"set_{item.name}(made, {value})")
    convert: Callable[..., T] = _generate(
        "convert", ", ".join([*given, "obj"]), [*lines, "return made"], scope
    )
    return convert
