"""Click types for values checked at the edge: numbers (finite, in range) and non-empty text.

Every number a command takes goes through ``Number``, so NaN, infinities, fractions where a
whole number is meant and out-of-range values are a usage error (exit 2) before any work.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import click

from aiconv import validation
from aiconv.validation import MAX_INT, Bounds, check_name, check_text, parse_number


class Number(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    """A finite number within ``bounds`` (``--lease``, ``--max-turns``, ``--port`` …)."""

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self.name = "integer" if bounds.integer else "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return parse_number(value, self.bounds)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def seconds(*, zero: bool = False) -> Number:
    """A duration in seconds: finite, greater than 0 (or at least 0 with ``zero``)."""
    return Number(Bounds(minimum=0) if zero else Bounds(above=0))


def count(minimum: int = 1, maximum: int = MAX_INT) -> Number:
    """A whole number in ``minimum..maximum``."""
    return Number(Bounds(integer=True, minimum=minimum, maximum=maximum))


#: A finite amount greater than zero (a budget in USD, a rate).
POSITIVE = Number(Bounds(above=0))
#: A TCP port; 0 picks a free one.
PORT = count(0, 65535)
#: A seed: 0..2^63-1.
SEED = Number(validation.SEED)
#: A rate in 0..1.
RATE = Number(Bounds(minimum=0, maximum=1))
#: Any finite number written with ASCII digits (its range checked where its message is).
FINITE = Number(Bounds())


#: A directory that may not exist yet, never a file (``--audio-dir``): checked even when the
#: command does not end up using it, so a mistaken path is not silently ignored.
DIRECTORY = click.Path(path_type=Path, file_okay=False)


class Text(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    """One line of text with something in it and no control characters (a topic, a model, an
    end token, a key prefix)."""

    name = "text"

    def __init__(self, max_length: int | None = None) -> None:
        self.max_length = max_length

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = value if isinstance(value, str) else ""
        if self.max_length is not None and len(text) > self.max_length:
            self.fail(f"must be at most {self.max_length} characters (got {len(text)})", param, ctx)
        try:
            check_text(text)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return value


TEXT = Text()


class Phrase(Text):
    """A phrase of one or more words (``--closing-phrase``): repeated options give several; in
    a variable they are one a line, since a phrase has spaces (other multiple-value options
    split a variable on spaces)."""

    name = "phrase"
    envvar_list_splitter = "\n"

    def split_envvar_value(self, rv: str) -> list[str]:
        """The variable's phrases: its non-blank lines, trimmed."""
        return [line.strip() for line in (rv or "").splitlines() if line.strip()]


PHRASE = Phrase()


class Name(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    """1 to 64 printable characters (a name that reaches terminals, files and prompts)."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            check_name(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return value


NAME = Name()


_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?")


class Host(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    """An address to listen on: an IPv4 or IPv6 address or a host name, checked for its form
    (``--host``, ``--metrics-host``) even when nothing ends up listening, so a mistaken value
    is not silently ignored; whether a name resolves is found when listening."""

    name = "host"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = value if isinstance(value, str) else str(value)
        try:
            ipaddress.ip_address(text)
        except ValueError:
            if not _HOST_NAME.fullmatch(text):
                shown = text if len(text) <= 80 else f"{text[:80]}…"
                self.fail(
                    f"{shown!r} is not an IP address or a host name"
                    " (such as 127.0.0.1, 0.0.0.0, ::1 or localhost)",
                    param,
                    ctx,
                )
        return text


HOST = Host()
