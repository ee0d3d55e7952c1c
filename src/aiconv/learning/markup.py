"""HTML message bodies -> plain text (helpdesk APIs such as Intercom send ``<p>…</p>``).

Only parses: ``html.parser`` never fetches, runs or keeps anything; tags are dropped (the text of
``script`` and ``style`` too), entities unescaped, and ``<br>``, paragraphs, list items and other
blocks become line breaks. A body is taken for HTML only when it holds a tag of the few that
chat and mail bodies are made of, so ``a < b`` or a question about ``<div>``s written as plain
text in a ``text`` field is never touched (see ``is_markup``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Field names under which helpdesk APIs put HTML (folded: no case, no separators).
HTML_FIELDS = frozenset({"body", "htmlbody", "bodyhtml"})
_BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "tr", "table", "blockquote", "pre", "h1", "h2", "h3", "h4"}
)
_HIDDEN = frozenset({"script", "style", "head", "title", "template"})
_TAG = re.compile(
    r"</?(?:p|br|div|span|a|b|i|u|em|strong|ul|ol|li|h[1-6]|blockquote|pre|code|img|table|tr|td)"
    r"(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_BLANK_LINES = re.compile(r"\n{2,}")


def is_markup(text: str) -> bool:
    """Whether ``text`` holds one of the tags a chat or mail body is written in."""
    return _TAG.search(text) is not None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br" or tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def to_text(html: str) -> str:
    """The words of an HTML body, its blocks and ``<br>``s as line breaks."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = "".join(parser.parts).replace("\xa0", " ").split("\n")
    text = "\n".join(" ".join(line.split()) for line in lines)
    return _BLANK_LINES.sub("\n", text).strip()
