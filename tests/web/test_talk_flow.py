"""A person talks to a stage flow over the HTTP write API: the flow's replies, what it collected
in the transcript, and a bad flow file refused with its line before anything is created."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from aiconv.queues.sqlite import SqliteLog
from aiconv.web import create_app
from tests.flows.conftest import EXAMPLE
from tests.web.harness import serving
from tests.web.test_talk import AUTH, access, open_talk, reply_after


@pytest.fixture
async def api(
    log: SqliteLog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "agent-designer.toml").write_text(EXAMPLE.read_text())
    monkeypatch.chdir(tmp_path)  # a flow named over HTTP must be a file under the server's dir
    async with (
        serving(create_app(log, write=access())) as base,
        httpx.AsyncClient(base_url=base, timeout=20) as client,
    ):
        yield client


async def test_a_person_designs_an_agent_with_the_flow_over_http(api: httpx.AsyncClient) -> None:
    opened = await open_talk(api, agent="flow:agent-designer.toml")
    cid = opened["conversation_id"]
    said = "It's a sales agent. My goals is book demos. Concise tone."
    posted = await api.post(opened["messages_url"], json={"content": said}, headers=AUTH)
    assert posted.status_code == 201, posted.text
    reply = await reply_after(api, cid, posted.json()["sequence"])
    assert reply["content"].startswith("Hi! I'm the agent designer")
    assert reply["content"].endswith(
        "Got it: a concise sales agent. Are any tools needed, such as a calendar, email or a CRM?"
    )
    transcript = (await api.get(f"/api/conversations/{cid}")).json()
    flow = transcript["flows"][0]
    assert flow["stage"] == "EXPLORING_TOOLS"
    assert flow["values"] == {"agent_type": "sales", "goals": ["book demos"], "tone": "concise"}


async def test_a_bad_flow_file_over_http_is_refused_and_creates_nothing(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace('to = "COMPLETED"', 'to = "DONE"'))
    response = await api.post("/api/conversations", json={"agent": "flow:bad.toml"}, headers=AUTH)
    assert response.status_code == 400
    assert "unknown stage 'DONE'" in response.json()["error"]
    assert (await api.get("/api/conversations")).json()["total"] == 0
