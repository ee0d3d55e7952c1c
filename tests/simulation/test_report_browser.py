"""The HTML report and comparison in headless Chromium (Debian's /usr/bin/chromium): the charts
are drawn (SVG with visible marks), and nothing that came from the data executes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright

from aiconv.simulation import compare, render_compare, report, report_files
from aiconv.simulation.rows import Row
from tests.web.test_browser import ARGS, CHROMIUM

SCRIPT = "<script>window.__pwned=1</script>"
IMAGE = '<img src=x onerror="window.__pwned=1">'
SVG = "</text><script>window.__pwned=1</script><text>"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed"),
]


def _rows(agent: str, fails_from: int) -> list[Row]:
    rows = []
    for persona in ("calm", SCRIPT):
        for intent in ("refund", IMAGE):
            for rep in range(4):
                success = rep < fails_from or persona == "calm"
                rows.append(
                    Row(
                        conversation_id=f"{agent}-{persona}-{intent}-{rep}"[:60].replace("/", "_"),
                        scenario=SCRIPT,
                        persona=persona,
                        intent=intent,
                        repetition=rep,
                        outcome="resolved" if success else SVG,
                        success=success,
                        finished=True,
                        rationale=IMAGE,
                        turns=4,
                        tokens=3000 + rep,
                        cost_usd=0.01 * (rep + 1),
                        agent=agent,
                        agent_id=agent,
                        agent_latencies=(0.5, 1.5),
                        cached_messages=1,
                        saved_usd=0.002,
                    )
                )
    return rows


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    """A headless Chromium page that records page errors and dialogs (there must be none)."""
    events: list[str] = []
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=CHROMIUM, headless=True, args=ARGS
        )
        context.set_default_timeout(10_000)
        try:
            tab = context.pages[0] if context.pages else await context.new_page()
            tab.on("pageerror", lambda exc: events.append(f"error: {exc}"))
            tab.on("dialog", lambda dialog: events.append(f"dialog: {dialog.message}"))
            yield tab
        finally:
            await context.close()
    assert events == []


async def _charts(page: Page) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].map(svg => {
            const box = svg.getBoundingClientRect();
            const marks = [...svg.querySelectorAll('polyline, circle, rect, line')]
                .map(m => m.getBBox()).filter(b => b.width > 0 || b.height > 0);
            return {title: svg.querySelector('title').textContent,
                    width: box.width, height: box.height, marks: marks.length};
        })"""
    )
    return result


async def _assert_inert(page: Page) -> None:
    assert await page.evaluate("() => window.__pwned") is None
    assert await page.evaluate("() => document.scripts.length") == 0
    assert await page.evaluate("() => document.querySelectorAll('img').length") == 0


async def test_report_charts_are_drawn_and_nothing_from_the_data_executes(
    page: Page, tmp_path: Path
) -> None:
    rows = _rows("claude", 2) + _rows("gpt", 3)
    doc = report.build("r", rows)
    report_files.write_report(doc, {}, tmp_path / "report")
    await page.goto((tmp_path / "report" / "report.html").as_uri())
    charts = {c["title"]: c for c in await _charts(page)}
    assert set(charts) == {
        "pass^k for k = 1 to n",
        "Cost against success per agent",
        "Outcomes by persona",
        "Outcomes by intent",
    }
    for chart in charts.values():
        assert chart["width"] > 200 and chart["height"] > 50 and chart["marks"] >= 3, chart
    text = await page.inner_text("body")
    assert SCRIPT in text and IMAGE in text  # shown as text, literally
    assert "tokens_mean" not in text and "{" not in text
    assert "Cost per resolved conversation" in text and "Agent reply latency p50 / p95" in text
    await _assert_inert(page)


async def test_compare_chart_is_drawn_and_inert(page: Page, tmp_path: Path) -> None:
    doc = compare.build("base", "cand", _rows("claude", 4), _rows("claude", 1))
    transcripts = {cid: "# t" for cid in render_compare.transcript_ids(doc)}
    render_compare.write_compare(doc, transcripts, tmp_path / "cmp")
    await page.goto((tmp_path / "cmp" / "compare.html").as_uri())
    charts = await _charts(page)
    assert [c["title"] for c in charts] == ["Candidate minus baseline, with 95% intervals"]
    assert charts[0]["marks"] >= 5
    worse = await page.evaluate("() => document.querySelectorAll('svg .dot.worse').length")
    assert worse >= 1  # success dropped significantly: drawn in red
    # the regressions link both transcripts, their hostile outcome shown as the link's text
    assert await page.locator("a", has_text="window.__pwned").count() >= 4
    # each cell's pass^k, labelled in words, under its (hostile) cell name shown as text
    text = await page.inner_text("body")
    assert "pass^k by cell" in text and "pass^4 (all 4 tries succeed)" in text
    assert f"{SCRIPT}/{IMAGE}" in text
    await _assert_inert(page)
