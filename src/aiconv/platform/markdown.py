"""Markdown that renders as exactly the text it was given, in any viewer.

Content is stored as produced and escaped where it becomes Markdown (the export, the report's
transcripts): a hostile message's ``<script>``, ``onerror=``, fake headings, links, table pipes
and unclosed code fences must show as text, never as markup or HTML. Control characters (a
terminal escape, a bell) are shown as ``\\x1b``-style text, and so are bidirectional overrides
and invisible format characters (``\\u202e``), which would make a message read other than it is;
the HTML pages show text through ``visible_controls`` too. Pure functions.
"""

from __future__ import annotations

import html
import re

from aiconv.validation import CONTROL_PATTERN as CONTROL_PATTERN  # re-exported: the web view
from aiconv.validation import visible_controls as visible_controls

#: The ASCII punctuation that means something inline in CommonMark, GFM (tables,
#: strikethrough) or viewers with math (``$``); a backslash makes each literal. ``#`` closes an
#: ATX heading. ``!``, ``-``, ``+``, ``.`` only mean something at the start of a line, where
#: inline text never is, and ``(`` only after a ``]``, which is escaped. ``_MARKUP``: the same
#: without ``<``, ``>``, ``&`` (for text that gets HTML entities instead).
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]#|<>&~$])")
_MARKUP = re.compile(r"([\\`*_{}\[\]#|~$])")
#: What makes GFM (GitHub, GitLab, markdown-it's linkify) turn bare text into a link: the
#: colon of ``scheme://`` and the dot of ``www.``. Escaped, the text renders the same and links
#: nowhere; inside an autolink, backslash escapes would have shown as backslashes.
_AUTOLINK = re.compile(r"(?i):(?=//)|(?<=www)\.")


def shown_as_text(value: object) -> object:
    """A jinja2 ``finalize`` for HTML pages: each plain string printed goes through
    ``visible_controls`` (a CRLF line break stays a line break); markup a template builds on
    purpose (``Markup``, a str subclass) and values that are not text pass as they are."""
    if type(value) is str:
        return visible_controls(value.replace("\r\n", "\n"))
    return value


def inline(text: str, *, entities: bool = False) -> str:
    """``text`` on one line with every Markdown and HTML meaning escaped (a name, a topic, a
    detail inside a heading, bold text or a table cell); ``entities`` writes ``<``, ``>`` and
    ``&`` as HTML entities instead of backslash escapes."""
    flat = " ".join(visible_controls(text.replace("\t", " ")).split())
    if not entities:
        return _AUTOLINK.sub(r"\\\g<0>", _PUNCTUATION.sub(r"\\\1", flat))
    return _AUTOLINK.sub(r"\\\g<0>", html.escape(_MARKUP.sub(r"\\\1", flat), quote=False))


def code_span(text: str) -> str:
    """``text`` on one line as an inline code span that no backtick inside can close early."""
    flat = " ".join(visible_controls(text).split())
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {flat} {fence}"


def block(text: str) -> list[str]:
    """``text`` (several lines) as a fenced block that nothing inside can close: its lines,
    fences included."""
    body = visible_controls(text.replace("\r\n", "\n"))
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *body.split("\n"), fence]
