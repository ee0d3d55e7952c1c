"""Checks for values that come from users, shared by every edge (flags, variables, the config
file, the Python API): numbers must be finite and in range, and a reason says what to fix.

Pure functions; they raise ``ValueError`` with the reason (without the value's name), and the
caller puts the name of the flag, variable or parameter in front.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiconv.observability.redaction import has_credentials, redact_url

#: The largest integer any backend stores (SQLite and Redis integers are 64-bit).
MAX_INT = 2**63 - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Bounds:
    """What a number may be: an integer or not, at least ``minimum``, greater than ``above``,
    at most ``maximum``."""

    integer: bool = False
    minimum: float | None = None
    above: float | None = None
    maximum: float | None = None

    def describe(self) -> str:
        """``at least 1``, ``greater than 0``, ``between 0 and 1`` …"""
        low = self.minimum if self.minimum is not None else self.above
        if low is not None and self.maximum is not None and self.maximum != MAX_INT:
            opener = "between" if self.minimum is not None else "greater than"
            if opener == "between":
                return f"between {_show(low)} and {_show(self.maximum)}"
            return f"greater than {_show(low)} and at most {_show(self.maximum)}"
        if self.minimum is not None:
            return f"at least {_show(self.minimum)}"
        if self.above is not None:
            return f"greater than {_show(self.above)}"
        if self.maximum is not None and self.maximum != MAX_INT:
            return f"at most {_show(self.maximum)}"
        return "a whole number" if self.integer else "a finite number"


def parse_number(value: object, bounds: Bounds) -> float | int:
    """``value`` (a number or its text) as a number within ``bounds``; ValueError otherwise.

    NaN, infinities, booleans, (for integers) fractions, and text other than ASCII digits
    (full-width or Arabic-Indic digits, ``1_000``) are refused, as the HTTP API refuses them.
    """
    number = _as_number(value, bounds.integer)
    if number is None:
        kind = "a whole number" if bounds.integer else "a finite number"
        raise ValueError(f"must be {kind} (got {_quote(value)})")
    if bounds.integer and not -MAX_INT - 1 <= number <= MAX_INT:
        raise ValueError(f"must be a whole number that fits in 64 bits (got {_quote(value)})")
    if not _within(number, bounds):
        raise ValueError(f"must be {bounds.describe()} (got {_quote(value)})")
    return number


def check_typed_number(value: object) -> None:
    """ValueError unless ``value`` from a typed file (TOML) is a number: there ``"10"`` is
    text and ``true`` a boolean, and taking either as a number hides a mistake in the file
    (the text of a number is what a flag or a variable gives, never what TOML gives)."""
    if isinstance(value, str):
        raise ValueError(f"must be a number, not text (got {_quote(value)}: leave out the quotes)")
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not a boolean (got {str(value).lower()})")


def _as_number(value: object, integer: bool) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if integer:
            return int(value) if value.is_integer() else None
        return value if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text.isascii() or "_" in text:  # int() reads '５', '٣' and '1_0'; people do not
        return None
    try:
        number: float | int = int(text) if integer else float(text)
    except ValueError:
        return None
    if not integer and not math.isfinite(number):
        return None
    return number


def _within(number: float | int, bounds: Bounds) -> bool:
    if bounds.minimum is not None and number < bounds.minimum:
        return False
    if bounds.above is not None and number <= bounds.above:
        return False
    return bounds.maximum is None or number <= bounds.maximum


def _show(limit: float) -> str:
    return str(int(limit)) if float(limit).is_integer() else str(limit)


def _quote(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


POSITIVE = Bounds(above=0)
POSITIVE_INT = Bounds(integer=True, minimum=1)
NON_NEGATIVE = Bounds(minimum=0)
#: A seed, wherever one is taken (flags, variables, scenario files, agent options, the Python
#: API): 0..2^63-1, as a conversation's own (drawn from 0..2^31-1) is.
SEED = Bounds(integer=True, minimum=0)


#: The longest participant name: it is shown in tables, headings and prompts.
MAX_NAME = 64

#: Characters a name may not hold: controls (terminal escapes start with one), line and
#: paragraph separators, and the bidirectional overrides that make text read other than it is.
_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
_BIDI_CONTROLS = frozenset(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
#: The same characters as a regular-expression class (ECMA-262 and Python alike), for schemas
#: that publish the rule (the HTTP API's OpenAPI document).
NAME_FORBIDDEN_CLASS = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
#: Characters that show nothing (zero-width spaces and joiners, marks, a byte-order mark): a
#: name neither starts nor ends with one nor with a space, so it shows where it starts and
#: ends, and ``a`` and ``a\u200b`` or `` a`` are not two participants who look the same.
NAME_INVISIBLE_CLASS = r"\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\ufeff"
#: Characters that make content read other than it is (Trojan Source) wherever it is shown:
#: the bidirectional embeddings, overrides, isolates and marks, and the invisible ones that split
#: or join words unseen. Not the zero-width (non-)joiners: emoji and several scripts need them.
HIDDEN_FORMAT_CLASS = r"\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
#: The characters shown as their code: controls (tabs and line feeds aside) and hidden format
#: characters. The pattern is ASCII and reads the same in JavaScript: the web view's live
#: updates (``static/conversation.js``) are given it, so they show what the page shows.
CONTROL_PATTERN = rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{HIDDEN_FORMAT_CLASS}]"
_CONTROL = re.compile(CONTROL_PATTERN)


def visible_controls(text: str) -> str:
    """``text`` with each control and hidden format character written as its code (``\\x1b``,
    ``\\u202e``); tabs and line feeds kept."""
    return _CONTROL.sub(_code_of, text)


def _code_of(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


_INVISIBLE_EDGE = re.compile(rf"^[{NAME_INVISIBLE_CLASS}\s]|[{NAME_INVISIBLE_CLASS}\s]$")


def check_name(name: str) -> None:
    """ValueError unless ``name`` is 1 to ``MAX_NAME`` printable characters (a participant's
    name: it reaches terminals, Markdown and prompts)."""
    if len(name) > MAX_NAME:
        raise ValueError(f"must be at most {MAX_NAME} characters (got {len(name)})")
    check_text(name)
    if _INVISIBLE_EDGE.search(name):
        raise ValueError("must not start or end with a space or an invisible character")


def check_text(text: str) -> None:
    """ValueError unless ``text`` (a one-line value: a model, a topic, an end token, a key
    prefix) has something in it and no control characters, line breaks or bidirectional
    overrides: a terminal escape in it would reach terminals and files from the log."""
    if not text.strip():
        raise ValueError("must not be empty")
    for char in text:
        if unicodedata.category(char) in _UNPRINTABLE_CATEGORIES or char in _BIDI_CONTROLS:
            raise ValueError(f"must not contain control characters (found {char!r})")


def check_agent_url(url: str) -> str:
    """``url``; ValueError unless it (an external agent's, recorded with the conversation)
    carries no credentials and names a host (and a numeric port, if any) with no spaces or
    control characters in it: a URL no client could use fails here, not at the first turn."""
    if has_credentials(url):
        why = "the URL is recorded; send them in headers (e.g. authorization)"
        raise ValueError(f"{redact_url(url)!r} carries credentials: {why}")
    try:
        if any(char.isspace() or ord(char) < 32 for char in url):
            raise ValueError
        parts = urlsplit(url)
        if parts.port == 0:  # raises for a port that is not a number; 0 reaches nothing
            raise ValueError
    except ValueError:  # also an unclosed IPv6 bracket
        parts = None
    if parts is None or not parts.hostname:
        raise ValueError(f"{redact_url(url)!r} must look like http://host:port/path")
    return url


def check_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    """``headers``; ValueError for an empty header name, or a line break or control character
    in a header (it would split the request)."""
    for name, value in headers.items():
        if not name.strip() or any(ord(c) < 32 or ord(c) == 127 for c in name + value):
            raise ValueError(f"header {name!r}: no empty name, no line breaks or controls")
    return headers


def check_opening(opening: str | None) -> str | None:
    """A scripted opening line as written; one that says nothing is refused (leaving it out is
    how a scenario or task lets the simulated customer open in its own words)."""
    if opening is not None and not opening.strip():
        raise ValueError(
            "an empty opening says nothing: leave opening out to let the customer open"
            " in its own words"
        )
    return opening
