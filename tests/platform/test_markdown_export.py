"""The Markdown export shows hostile content as text: rendered by a CommonMark parser with raw
HTML allowed, no tag, attribute, heading, link or fence comes from what participants wrote."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import fold
from aiconv.platform.events import (
    ConversationEnded,
    ConversationStarted,
    Event,
    MessagePosted,
    ParticipantSpec,
)
from aiconv.platform.exports import export_markdown
from aiconv.platform.markdown import inline

HOSTILE = [
    "<script>alert(1)</script> and <img src=x onerror=alert(2)>",
    "# Fake heading\n## Ended: resolved\n\x07bell \x1b[31mred\x1b[0m",
    "```python\nunclosed fence swallowing the rest",
    "[click](javascript:alert(3)) *bold* | a | b |\n|---|---|",
    "~~~\n    indented\n<!-- comment",
    "the last word",
]


def transcript(names: tuple[str, str], topic: str = "<b>topic</b>") -> str:
    seats = tuple(ParticipantSpec(name=n, agent="mock") for n in names)
    events: list[Event] = [
        ConversationStarted(topic=topic, participants=seats, first_speaker=names[0])
    ]
    events += [MessagePosted(sender=names[i % 2], content=c) for i, c in enumerate(HOSTILE)]
    events.append(ConversationEnded(reason="loop", detail="<i>x</i>\n# y", by=names[0]))
    recorded = [
        Recorded(conversation_id="c", sequence=i, position=i, at=0.0, event=e)
        for i, e in enumerate(events, start=1)
    ]
    return export_markdown(fold("c", recorded))


def test_hostile_messages_render_as_their_own_text() -> None:
    html = MarkdownIt("commonmark").render(transcript(("alice", "bob")))
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    assert tags <= {"h1", "h3", "p", "ul", "li", "strong", "code", "pre", "hr"}, tags
    assert html.count("<h3>") == len(HOSTILE), "a fence swallowed messages or a heading was faked"
    assert html.count("<h1>") == 1 and "<h2>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "the last word" in html
    assert "\x1b" not in html and "\x07" not in html and "\\x1b[31mred" in html


def test_names_topic_and_detail_are_escaped_wherever_they_appear() -> None:
    html = MarkdownIt("commonmark").render(transcript(("<img src=x onerror=1>", "**b**|c")))
    assert "<img" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;img src=x onerror=1&gt;" in html and "**b**|c" in html


def test_inline_text_keeps_its_characters_and_loses_its_meaning() -> None:
    text = "a_b *c* [d](e) `f` <g> & \\ # | \x1b[2J\nnext"
    rendered = MarkdownIt("commonmark").renderInline(inline(text))
    assert rendered == "a_b *c* [d](e) `f` &lt;g&gt; &amp; \\ # | \\x1b[2J next"


@pytest.mark.parametrize("entities", [False, True])
def test_a_bare_url_in_a_name_or_topic_links_nowhere(entities: bool) -> None:
    """GFM viewers (GitHub, GitLab, markdown-it's linkify) turn ``scheme://…`` and ``www.…``
    into links, where the backslash escapes inside showed as backslashes: escaped, no such
    trigger is left, and the text renders as it was written."""
    text = r"see https://evil.example/a\b and WWW.evil.example <ftp://x>"
    escaped = inline(text, entities=entities)
    assert not re.search(r"(?<!\\)://|(?i:www)(?<!\\)\.", escaped), escaped
    rendered = MarkdownIt("commonmark").renderInline(escaped)
    assert rendered == html.escape(text, quote=False)


def test_bidirectional_overrides_and_invisible_characters_show_as_text() -> None:
    """Trojan Source: a right-to-left override, an isolate or a zero-width space would make a
    message read other than it is; each shows as its code (emoji joiners stay: they draw one
    picture)."""
    text = "pay \u202eeXe.txt\u202c \u2067x\u2069 a\u200bb \ufeff\u2060 👩\u200d💻"
    rendered = MarkdownIt("commonmark").renderInline(inline(text))
    assert rendered == (
        "pay \\u202eeXe.txt\\u202c \\u2067x\\u2069 a\\u200bb \\ufeff\\u2060 👩\u200d💻"
    )
    exported = transcript(("alice", "bob"), topic="t\u202eopic")
    assert "\u202e" not in exported and "# t\\\\u202eopic" in exported  # escaped: t\u202eopic


def test_a_participant_without_a_model_is_listed_without_empty_parentheses() -> None:
    """Imported people have an agent (``human``) and no model: ``human``, never ``human ()``."""
    started = ConversationStarted(
        topic="t",
        participants=(
            ParticipantSpec(name="customer", agent="human"),
            ParticipantSpec(name="support", agent="mock", model="mock-chat"),
        ),
        first_speaker="customer",
    )
    state = fold(
        "c", [Recorded(conversation_id="c", sequence=1, position=1, at=0.0, event=started)]
    )
    lines = export_markdown(state).splitlines()
    assert "- **customer**: human" in lines and "- **support**: mock (mock-chat)" in lines
