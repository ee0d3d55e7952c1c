"""Voice in the web view: per-utterance audio and the whole call, played in headless Chromium."""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, async_playwright

import aiconv
from aiconv.testing.providers import FunctionProvider
from aiconv.web import create_app
from aiconv.web.audio import ranged_wav
from tests.web.harness import serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


async def _voice_call(log: aiconv.ConversationLog, audio: Path) -> str:
    result = await aiconv.run_conversation(
        log,
        participants=[
            aiconv.Participant("caller", provider=FunctionProvider(lambda r: "My card is lost.")),
            aiconv.Participant("agent", provider=FunctionProvider(lambda r: "I will block it.")),
        ],
        topic="Lost card",
        max_turns=2,
        seed=1,
        voice=True,
        audio_dir=audio,
    )
    return result.conversation_id


HAS_CHROMIUM = CHROMIUM.exists()


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=CHROMIUM, headless=True, args=ARGS
        )
        context.set_default_timeout(20_000)
        try:
            yield context.pages[0] if context.pages else await context.new_page()
        finally:
            await context.close()


async def test_utterances_and_the_call_are_served_as_wav(tmp_path: Path) -> None:
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        cid = await _voice_call(log, tmp_path / "audio")
        app = create_app(log, audio_dir=tmp_path / "audio")
        async with serving(app) as base, httpx.AsyncClient(base_url=base) as client:
            html = (await client.get(f"/conversations/{cid}")).text
            refs = [part.split('"')[0] for part in html.split('src="/audio/')[1:]]
            assert len(refs) == 2 and "heard:" in html
            assert "caller spoke #" in html and "agent heard #" in html  # the events view
            one = await client.get(f"/audio/{refs[0]}")
            assert one.status_code == 200 and one.headers["content-type"] == "audio/wav"
            with wave.open(io.BytesIO(one.content)) as wav:
                assert (wav.getnchannels(), wav.getframerate()) == (1, 16_000)
            call = await client.get(f"/conversations/{cid}/recording.wav")
            assert call.status_code == 200
            with wave.open(io.BytesIO(call.content)) as wav:
                assert wav.getnchannels() == 2 and wav.getnframes() > 16_000
            assert (await client.get("/audio/sha256:nothex")).status_code == 400
            assert (await client.get("/audio/sha256:" + "0" * 64)).status_code == 404
            assert "media-src 'self'" in one.headers["content-security-policy"]


@pytest.mark.skipif(not HAS_CHROMIUM, reason="chromium is not installed")
async def test_the_browser_can_play_each_utterance_and_the_call(tmp_path: Path, page: Page) -> None:
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        cid = await _voice_call(log, tmp_path / "audio")
        async with (
            asyncio.timeout(90),
            serving(create_app(log, audio_dir=tmp_path / "audio")) as base,
        ):
            await page.goto(f"{base}/conversations/{cid}")
            players = page.locator("audio")
            assert await players.count() == 3  # the whole call and two utterances
            for index in range(3):
                duration = await players.nth(index).evaluate(
                    """audio => new Promise((resolve, reject) => {
                        audio.onloadedmetadata = () => resolve(audio.duration);
                        audio.onerror = () => reject(new Error("cannot load " + audio.src));
                        audio.preload = "metadata"; audio.load();
                    })"""
                )
                assert duration > 0.5


@pytest.mark.skipif(not HAS_CHROMIUM, reason="chromium is not installed")
async def test_the_browser_can_seek_in_the_whole_call(tmp_path: Path, page: Page) -> None:
    """The call's player is seekable end to end (the route answers byte ranges, as a browser
    asks for them when it seeks), and a byte range is the same bytes as the whole file's."""
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        cid = await _voice_call(log, tmp_path / "audio")
        async with (
            asyncio.timeout(90),
            serving(create_app(log, audio_dir=tmp_path / "audio")) as base,
            httpx.AsyncClient(base_url=base) as client,
        ):
            whole = (await client.get(f"/conversations/{cid}/recording.wav")).content
            part = await client.get(
                f"/conversations/{cid}/recording.wav", headers={"Range": "bytes=100-199"}
            )
            await page.goto(f"{base}/conversations/{cid}")
            seekable = await page.locator("audio").first.evaluate(
                """audio => new Promise((resolve, reject) => {
                    audio.onloadedmetadata = () => resolve([
                        audio.duration, audio.seekable.length ? audio.seekable.end(0) : 0]);
                    audio.onerror = () => reject(new Error("cannot load " + audio.src));
                    audio.preload = "metadata"; audio.load();
                })"""
            )
    duration, end = seekable
    assert duration > 0.5 and end == pytest.approx(duration)
    assert (part.status_code, part.content) == (206, whole[100:200])
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"


@pytest.mark.parametrize(
    ("asked", "status", "content", "content_range"),
    [
        (None, 200, b"0123456789", None),
        ("bytes=2-4", 206, b"234", "bytes 2-4/10"),
        ("bytes=7-", 206, b"789", "bytes 7-9/10"),
        ("bytes=-3", 206, b"789", "bytes 7-9/10"),
        ("bytes=8-99", 206, b"89", "bytes 8-9/10"),
        ("bytes=10-", 416, b"", "bytes */10"),
        ("bytes=-0", 416, b"", "bytes */10"),
        ("bytes=4-2", 200, b"0123456789", None),  # invalid: ignored
        ("bytes=0-1,4-5", 200, b"0123456789", None),  # several: the whole file
    ],
)
def test_byte_ranges_of_a_rendered_call(
    asked: str | None, status: int, content: bytes, content_range: str | None
) -> None:
    response = ranged_wav(b"0123456789", asked)
    assert (response.status_code, response.body) == (status, content)
    assert response.headers.get("content-range") == content_range
    assert response.headers["accept-ranges"] == "bytes"
