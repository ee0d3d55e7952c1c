"""Message times as files write them -> Unix seconds.

Without a format: ISO 8601 (a time without a zone, or with " UTC"/" GMT" after it, is UTC) or
a Unix time in seconds, milliseconds, microseconds or nanoseconds. Spreadsheet times such as
``03/12/2025 4:05 PM`` are refused: whether that is 12 March or 3 December only the writer
knows, so such a file needs ``--time-format`` (a ``strptime`` format, e.g. ``%m/%d/%Y %I:%M %p``),
and a time that does not match it is a bad row, never read another way.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from aiconv.errors import TranscriptError

#: A zone written as its name after the time, as helpdesk exports do ('… 10:00:00 UTC').
_UTC_NAME = re.compile(r"\s+(?:UTC|GMT)\Z", re.IGNORECASE)
#: A time whose day, month and hour all differ, read back through a format to check it (with
#: a zone, so that a format reading one, ``%z`` or ``%Z``, finds it written).
_SAMPLE = datetime(2001, 2, 3, 16, 5, 6, tzinfo=UTC)
_HOURS = ("%H", "%I", "%p", "%X", "%T", "%R", "%c", "%k", "%l")


class BadTime(ValueError):
    """A value that is not a time (the message says why; it becomes the row's problem)."""


def check_format(fmt: str) -> None:
    """TranscriptError unless ``fmt`` is a ``strptime`` format naming a whole date (and, if it
    names an hour, one that tells the morning from the afternoon)."""
    try:
        read = datetime.strptime(_SAMPLE.strftime(fmt), fmt)
    except ValueError as exc:
        raise TranscriptError(f"time format {fmt!r}: {exc}") from None
    if read.date() != _SAMPLE.date():
        raise TranscriptError(
            f"time format {fmt!r} does not name a whole date: give the year (%Y), the month "
            "(%m or %b) and the day (%d), e.g. '%m/%d/%Y %I:%M %p'"
        )
    if any(code in fmt for code in _HOURS) and read.hour != _SAMPLE.hour:
        raise TranscriptError(f"time format {fmt!r}: %I needs %p (AM/PM); or use %H")


def parse_time(value: Any, fmt: str | None = None) -> float | None:
    """Unix seconds of ``value``; None when there is none; BadTime when it is not a time."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and fmt is not None:
        return _formatted(value, fmt)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadTime(f"timestamp {value!r} is not a time")
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return _iso(value)
    else:
        number = float(value)
    if not math.isfinite(number) or number < 0:
        raise BadTime(f"timestamp {value!r} is not a time")
    for scale in (1.0, 1e3, 1e6, 1e9):  # seconds, milliseconds, microseconds, nanoseconds
        if number / scale < 1e11:
            return number / scale
    raise BadTime(f"timestamp {value!r} is out of range")


def _formatted(text: str, fmt: str) -> float:
    try:
        parsed = datetime.strptime(text.strip(), fmt)
    except ValueError:
        raise BadTime(f"timestamp {text[:40]!r} does not match --time-format {fmt!r}") from None
    return parsed.replace(tzinfo=parsed.tzinfo or UTC).timestamp()


def _iso(text: str) -> float:
    try:
        parsed = datetime.fromisoformat(_UTC_NAME.sub("+00:00", text.strip()))
    except ValueError:
        raise BadTime(
            f"timestamp {text[:40]!r} is neither ISO 8601 nor a Unix time; name its format "
            "with --time-format (e.g. '%m/%d/%Y %I:%M %p')"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
