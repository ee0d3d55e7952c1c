"""End to end in headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser)
against a real uvicorn server: the list and its filters, a live transcript, hostile content.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.queues.sqlite import SqliteLog
from aiconv.web import create_app
from tests.web.conftest import converse, pair
from tests.web.harness import GatedConversation, serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCRIPT = "<script>window.__pwned=1</script>"
IMAGE = '<img src=x onerror="window.__pwned=1">'

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="chromium is not installed (scripts/ensure-system-packages.sh installs it)",
    ),
]


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    """A fresh headless Chromium page; fails the test on any uncaught page error."""
    errors: list[str] = []
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=CHROMIUM, headless=True, args=ARGS
        )
        context.set_default_timeout(10_000)
        try:
            tab = context.pages[0] if context.pages else await context.new_page()
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            yield tab
        finally:
            await context.close()
    assert errors == []


async def test_the_list_filters_and_opens_a_conversation(page: Page, log: SqliteLog) -> None:
    await converse(log, topic="Tea or coffee?", max_turns=2)
    await converse(log, topic="Coffee only", max_turns=2)
    await session.create(Conductor(log), topic="Tea, still talking", participants=pair())
    async with asyncio.timeout(60), serving(create_app(log)) as base:
        await page.goto(base + "/")
        rows = page.locator("#conversations tr.row")
        await expect(rows).to_have_count(3)
        await expect(rows.first.locator(".topic")).to_have_text("Tea, still talking")
        await page.fill("input[name=q]", "tea")
        await page.select_option("select[name=status]", "ended")
        await page.click("#filters button[type=submit]")
        await expect(page).to_have_url(f"{base}/?q=tea&status=ended&participant=&agent=&run_id=")
        await expect(rows).to_have_count(1)
        await expect(rows.first.locator(".topic")).to_have_text("Tea or coffee?")
        await rows.first.locator("a.cid").click()
        await expect(page.locator("#topic")).to_have_text("Tea or coffee?")
        await expect(page.locator("#transcript article.msg")).to_have_count(2)


async def test_a_running_conversation_updates_live_without_reloading(
    page: Page, log: SqliteLog
) -> None:
    talk = GatedConversation(log, max_turns=4)
    cid = await talk.start()
    try:
        async with asyncio.timeout(60), serving(create_app(log)) as base:
            talk.release("alice", "First, alice.")
            await log.wait(cid, 2, timeout=10)
            await page.goto(f"{base}/conversations/{cid}")
            await page.evaluate("window.__samePage = true")
            messages = page.locator("#transcript article.msg")
            await expect(messages).to_have_count(1)
            await expect(page.locator("#live")).to_have_text("● live")
            talk.release("bob", "Then bob.")
            await expect(messages).to_have_count(2)
            await expect(messages.nth(1)).to_have_class("msg p1")
            await expect(messages.nth(1).locator(".content")).to_have_text("Then bob.")
            await expect(messages.nth(1).locator(".meta")).to_contain_text("gated-1")
            await expect(page.locator("#status")).to_have_text("active")
            talk.release("alice", "Alice again.")
            talk.release("bob", "Bob, last.")
            await expect(messages).to_have_count(4)
            await expect(page.locator("#status")).to_have_text("ended")
            await expect(page.locator("#end-reason")).to_contain_text("max_turns")
            await expect(page.locator("#turns")).to_have_text("4")
            assert await page.evaluate("window.__samePage") is True
            final = await talk.finished()
            shown = await page.locator("#transcript > [data-sequence]").evaluate_all(
                "nodes => nodes.map(n => Number(n.dataset.sequence))"
            )
            assert shown == list(range(1, final.sequence + 1))
            claims = page.locator("#transcript .ev.kind-TurnClaimed")
            await expect(claims.first).to_be_hidden()
            await page.check("#show-events")
            await expect(claims).to_have_count(4)
            await expect(claims.first).to_be_visible()
            await expect(page.locator(".ev.kind-ConversationEnded")).to_contain_text("max_turns")
    finally:
        await talk.close()


async def test_hostile_messages_show_as_text_and_run_nothing(page: Page, log: SqliteLog) -> None:
    """Live (client-side rendering) and after a reload (server-side rendering)."""
    talk = GatedConversation(log, max_turns=2)
    cid = await talk.start()
    try:
        async with asyncio.timeout(60), serving(create_app(log)) as base:
            await page.goto(f"{base}/conversations/{cid}")
            await expect(page.locator("#live")).to_have_text("● live")
            talk.release("alice", SCRIPT)
            talk.release("bob", IMAGE)
            await talk.finished()
            for render in ("live", "server"):
                contents = page.locator("#transcript article.msg .content")
                await expect(contents).to_have_text([SCRIPT, IMAGE])
                await expect(page.locator("#status")).to_have_text("ended")
                assert await page.locator("#transcript img, #transcript script").count() == 0
                assert await page.evaluate("typeof window.__pwned") == "undefined", render
                await page.reload()
    finally:
        await talk.close()


async def test_control_and_bidirectional_characters_show_as_text_live_too(
    page: Page, log: SqliteLog
) -> None:
    """A message that arrives while the page is open shows a terminal escape or a right-to-left
    override as ``\\x1b``/``\\u202e`` text, as the page rendered by the server does: the live
    updates wrote it raw, so an open page read other than the message is (Trojan Source)."""
    hostile = "red \x1b[31m\x07 \u202eexe.txt"
    talk = GatedConversation(log, max_turns=2)
    cid = await talk.start()
    try:
        async with asyncio.timeout(60), serving(create_app(log)) as base:
            await page.goto(f"{base}/conversations/{cid}")
            await expect(page.locator("#live")).to_have_text("● live")
            talk.release("alice", hostile)
            talk.release("bob", "ok\r\nfine")
            await talk.finished()
            for render in ("live", "server"):
                contents = page.locator("#transcript article.msg .content")
                await expect(page.locator("#status")).to_have_text("ended")
                shown = await contents.all_text_contents()
                assert shown == ["red \\x1b[31m\\x07 \\u202eexe.txt", "ok\nfine"], render
                await page.reload()
    finally:
        await talk.close()


async def test_the_api_docs_run_from_this_server_alone(page: Page, log: SqliteLog) -> None:
    """Swagger UI renders every operation; every file it needs comes from this server (no CDN),
    under the pages' Content Security Policy (no violation reported)."""
    state = await converse(log, topic="Documented", max_turns=2)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    async with asyncio.timeout(60), serving(create_app(log)) as base:
        await page.goto(base + "/api/docs")
        operations = page.locator(".opblock-summary-path")
        await expect(operations.first).to_be_visible()
        paths = await operations.all_inner_texts()
        await page.locator(".opblock-summary", has_text="/api/health").click()
        await page.get_by_role("button", name="Try it out").click()
        await page.get_by_role("button", name="Execute").click()
        await expect(
            page.locator(".live-responses-table td.response-col_status:not(.col_header)")
        ).to_have_text("200")
    assert {p.replace("\u200b", "") for p in paths} >= {
        "/api/conversations",
        "/api/conversations/{conversation_id}/events",
        "/api/health",
    }
    assert requested and all(url.startswith(base) for url in requested), requested
    assert violations == []
    assert state.conversation_id


async def test_an_event_source_that_ignores_end_stops_reconnecting(
    page: Page, log: SqliteLog
) -> None:
    """A plain EventSource with no ``end`` listener: the server closes the stream, the browser
    reconnects with Last-Event-ID, gets 204 and stops, rather than reconnecting forever."""
    state = await converse(log, max_turns=2)
    async with asyncio.timeout(60), serving(create_app(log)) as base:
        stream = f"{base}/api/conversations/{state.conversation_id}/stream"
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url) if r.url.startswith(stream) else None)
        await page.goto(base + "/api/health")
        ids = await page.evaluate(
            """url => new Promise(resolve => {
                const ids = [];
                const source = new EventSource(url);
                source.addEventListener("event", e => ids.push(Number(e.lastEventId)));
                source.onerror = () => {
                    if (source.readyState === EventSource.CLOSED) { resolve(ids); }
                };
            })""",
            stream,
        )
    assert ids == list(range(1, state.sequence + 1))
    assert len(requests) == 2  # the first connection and one reconnect, told to stop
