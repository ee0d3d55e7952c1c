"""Live updates: the SSE stream of a conversation and how a client resumes it."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from aiconv.queues.sqlite import SqliteLog
from aiconv.web import create_app
from tests.web.conftest import converse
from tests.web.harness import GatedConversation, serving, sse_frames


async def read_stream(client: httpx.AsyncClient, url: str, **headers: str) -> list[dict[str, str]]:
    async with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return [frame async for frame in sse_frames(response)]


async def test_an_ended_conversation_streams_every_event_then_end(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    state = await converse(log, max_turns=2)
    frames = await read_stream(client, f"/api/conversations/{state.conversation_id}/stream")
    assert [f["id"] for f in frames[:-1]] == [str(s) for s in range(1, state.sequence + 1)]
    assert {f["event"] for f in frames[:-1]} == {"event"}
    assert frames[-1]["event"] == "end"
    assert json.loads(frames[-1]["data"])["end_reason"] == "max_turns"
    last = json.loads(frames[-2]["data"])
    assert last["kind"] == "ConversationEnded"
    assert last["state"]["status"] == "ended"


async def test_a_client_that_saw_every_event_gets_only_the_end(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    state = await converse(log, max_turns=2)
    url = f"/api/conversations/{state.conversation_id}/stream?after={state.sequence}"
    frames = await read_stream(client, url)
    assert [f["event"] for f in frames] == ["end"]
    assert json.loads(frames[0]["data"])["end_reason"] == "max_turns"


async def test_last_event_id_resumes_after_it_and_wins_over_after(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    state = await converse(log, max_turns=4)
    url = f"/api/conversations/{state.conversation_id}/stream"
    by_header = await read_stream(client, f"{url}?after=2", **{"Last-Event-ID": "6"})
    by_query = await read_stream(client, f"{url}?after=2")
    assert [f.get("id") for f in by_header] == [*map(str, range(7, state.sequence + 1)), None]
    assert [f.get("id") for f in by_query] == [*map(str, range(3, state.sequence + 1)), None]


@pytest.mark.parametrize("raw", ["abc", "x", "-1", "1.5", "", "²", "9" * 20])
async def test_a_bad_last_event_id_is_400(
    client: httpx.AsyncClient, log: SqliteLog, raw: str
) -> None:
    state = await converse(log, max_turns=1)
    response = await client.get(
        f"/api/conversations/{state.conversation_id}/stream",
        headers={"Last-Event-ID": raw.encode("latin-1")},
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("Last-Event-ID: must be a whole number")


async def test_a_reconnecting_client_gets_exactly_the_events_it_missed(log: SqliteLog) -> None:
    """Disconnect mid-conversation, miss events, reconnect with Last-Event-ID: no gap, no dup."""
    talk = GatedConversation(log, max_turns=4)
    cid = await talk.start()
    seen: list[int] = []
    try:
        async with (
            asyncio.timeout(30),
            serving(create_app(log, ping_s=0.2)) as base,
            httpx.AsyncClient(base_url=base, timeout=10) as client,
        ):
            url = f"/api/conversations/{cid}/stream?after=0"
            talk.release("alice", "one")
            async with client.stream("GET", url) as response:
                async for frame in sse_frames(response):
                    seen.append(int(frame["id"]))
                    if json.loads(frame["data"])["kind"] == "MessagePosted":
                        break  # the client drops the connection after alice's message
            talk.release("bob", "two")
            await log.wait(cid, seen[-1] + 1, timeout=10)  # bob claimed and posted, unseen
            async with client.stream(
                "GET", url, headers={"Last-Event-ID": str(seen[-1])}
            ) as response:
                async for frame in sse_frames(response):
                    if frame["event"] == "end":
                        break
                    seen.append(int(frame["id"]))
                    if seen[-1] == 5:
                        talk.release("alice", "three")
                        talk.release("bob", "four")
        final = await talk.finished()
    finally:
        await talk.close()
    assert seen == list(range(1, final.sequence + 1))
    assert [m.content for m in final.messages] == ["one", "two", "three", "four"]


async def test_an_idle_stream_sends_keep_alive_comments(log: SqliteLog) -> None:
    talk = GatedConversation(log, max_turns=2)
    cid = await talk.start()
    try:
        async with (
            asyncio.timeout(10),
            serving(create_app(log, ping_s=0.05)) as base,
            httpx.AsyncClient(base_url=base, timeout=10) as client,
            client.stream("GET", f"/api/conversations/{cid}/stream") as response,
        ):
            seen: list[str] = []
            async for line in response.aiter_lines():
                if line == ": ping":
                    break
                seen.append(line)
            # the ping came once every existing event had been sent and nothing new happened
            ids = [line.removeprefix("id: ") for line in seen if line.startswith("id: ")]
            assert ids == [str(n) for n in range(1, await log.last_sequence(cid) + 1)]
    finally:
        await talk.close()


async def test_a_reconnect_after_the_end_is_told_to_stop(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    """A generic EventSource ignores ``end`` and reconnects: it gets the 204 that stops it."""
    state = await converse(log, max_turns=2)
    url = f"/api/conversations/{state.conversation_id}/stream"
    caught_up = {"Last-Event-ID": str(state.sequence)}
    response = await client.get(url, headers=caught_up)
    assert response.status_code == 204
    assert response.content == b""
    # a first connection that has every event still gets the final state, once
    assert [f["event"] for f in await read_stream(client, f"{url}?after={state.sequence}")] == [
        "end"
    ]
    # a reconnect that missed events gets them and the end
    behind = await read_stream(client, url, **{"Last-Event-ID": str(state.sequence - 1)})
    assert [f["event"] for f in behind] == ["event", "end"]
