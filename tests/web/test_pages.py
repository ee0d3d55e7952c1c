"""The HTML pages, rendered server-side through autoescaping Jinja templates."""

from __future__ import annotations

import re

import httpx

from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ParticipantSpec
from aiconv.queues.sqlite import SqliteLog
from tests.web.conftest import converse, pair

SCRIPT = "<script>window.__pwned=1</script>"
IMAGE = '<img src=x onerror="window.__pwned=1">'


async def test_content_is_escaped_everywhere_it_is_rendered(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    """Topic, names, messages and details appear as text, never as markup."""
    hostile = [ParticipantSpec(name=f"<b>{n}</b>", agent="scripted") for n in ("x", "y")]
    state = await converse(
        log,
        topic=f"topic {SCRIPT}",
        participants=hostile,
        replies={"<b>x</b>": [SCRIPT], "<b>y</b>": [IMAGE]},
        max_turns=2,
    )
    pages = [
        (await client.get(path)).text
        for path in ("/", f"/conversations/{state.conversation_id}?events=1")
    ]
    for html in pages:
        assert "<script>window" not in html
        assert "<img src=x" not in html
        assert "<b>x</b>" not in html
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in pages[1]
    assert re.findall(r"<script[^>]*>", pages[1]) == [
        '<script src="/static/conversation.js" defer>'
    ]


async def test_control_and_bidirectional_characters_show_as_text(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    """A terminal escape, a bell or a right-to-left override in a topic or a message reaches
    the page as ``\\x1b``-style text, as in the Markdown export (it was passed raw)."""
    hostile = "red \x1b[31m\x07 \u202eexe.txt"
    state = await converse(
        log, topic=f"topic {hostile}", replies={"alice": [hostile], "bob": ["ok"]}, max_turns=2
    )
    pages = [
        (await client.get(path)).text
        for path in ("/", f"/conversations/{state.conversation_id}?events=1")
    ]
    for html in pages:
        for raw in ("\x1b", "\x07", "\u202e"):
            assert raw not in html
        assert "red \\x1b[31m\\x07 \\u202eexe.txt" in html


async def test_list_page_filters_and_links_to_conversations(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    tea = await converse(log, topic="Tea please", max_turns=2)
    await converse(log, topic="Coffee please", max_turns=2)
    html = (await client.get("/", params={"q": "tea", "status": "ended"})).text
    assert html.count('class="row"') == 1
    assert f'href="/conversations/{tea.conversation_id}"' in html
    assert 'value="tea"' in html
    assert '<option value="ended" selected>' in html
    assert "1 conversation, showing 1–1" in html
    also = await client.get("/conversations", params={"q": "tea", "status": "ended"})
    assert also.status_code == 200 and also.text.count('class="row"') == 1  # issue 8's words


async def test_list_page_links_to_the_next_page_keeping_filters(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    for i in range(3):
        await converse(log, topic=f"case {i}", max_turns=1)
    html = (await client.get("/", params={"q": "case", "limit": 2})).text
    assert html.count('class="row"') == 2
    assert 'href="?q=case&amp;limit=2&amp;offset=2"' in html
    older = (await client.get("/", params={"q": "case", "limit": 2, "offset": 2})).text
    assert older.count('class="row"') == 1
    assert 'rel="prev" href="?q=case&amp;limit=2"' in older


async def test_conversation_page_gives_each_participant_a_colour_and_the_call_details(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    state = await converse(log, replies={"alice": ["Tea."], "bob": ["Coffee."]}, max_turns=2)
    html = (await client.get(f"/conversations/{state.conversation_id}")).text
    assert '<article class="msg p0" data-sequence="3">' in html
    assert '<article class="msg p1" data-sequence="5">' in html
    assert "scripted-1 · 10→1 tokens · $0.000000 · 0.00s" in html
    assert 'id="end-reason">max_turns — 2 of 2 messages<' in html
    assert 'data-status="ended"' in html
    assert f'data-last-sequence="{state.sequence}"' in html
    assert '<input type="checkbox" id="show-events">' in html
    assert 'class="ev kind-TurnClaimed"' in html


async def test_events_are_shown_on_request(client: httpx.AsyncClient, log: SqliteLog) -> None:
    state = await converse(log, max_turns=1)
    html = (await client.get(f"/conversations/{state.conversation_id}?events=1")).text
    assert '<input type="checkbox" id="show-events" checked>' in html


async def test_run_page_shows_progress_and_outcomes(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    await converse(log, metadata={"run_id": "nightly-1"}, max_turns=1)
    html = (await client.get("/runs/nightly-1")).text
    assert '<progress value="1" max="1">' in html
    assert "1 of 1 conversations ended (100%)" in html
    assert "<td>undecided</td>" in html
    assert 'http-equiv="refresh"' not in html
    assert 'id="success-rate"' not in html  # this run names no successful outcome


async def test_missing_pages_and_bad_parameters_render_an_error_page(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.get("/conversations/<nope>")
    bad = await client.get("/", params={"offset": "x"})
    assert missing.status_code == 404
    assert "no conversation &lt;nope&gt;" in missing.text
    assert bad.status_code == 400
    assert "offset: must be a whole number from 0 to 1000000000" in bad.text


async def test_an_unfinished_run_page_refreshes_and_shows_its_success_rate(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    metadata = {"run_id": "nightly-2", "scenario": "<i>lost card</i>", "successes": ["resolved"]}
    await converse(log, metadata=metadata, max_turns=1)
    await session.create(Conductor(log), topic="waiting", participants=pair(), metadata=metadata)
    html = (await client.get("/runs/nightly-2")).text
    assert '<meta http-equiv="refresh" content="5">' in html
    assert "1 of 2 conversations ended (50%)" in html
    assert "Success rate 0.0% (resolved)." in html
    assert '<strong id="scenario">&lt;i&gt;lost card&lt;/i&gt;</strong>' in html
