"""``aic serve`` runs agents for the people its write API seats: their turns are traced and
counted like those of every other command that runs agents."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from aiconv.testing.processes import cli_env
from tests.observability.otlp_receiver import otlp_receiver
from tests.web.served import served

TOKEN = "trace-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _reply(base: str, cid: str, after: int, timeout: float = 20) -> dict[str, object]:
    """The agent's message after sequence ``after``, once the log holds it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = httpx.get(f"{base}/api/conversations/{cid}/events", params={"after": after})
        posted = [e for e in events.json() if e["kind"] == "MessagePosted"]
        if posted:
            return dict(posted[0])
        time.sleep(0.05)
    raise AssertionError(f"no reply in {cid} within {timeout}s")


def test_the_write_api_of_aic_serve_traces_the_turns_it_runs(tmp_path: Path) -> None:
    with otlp_receiver() as receiver:
        env = cli_env({"AIC_API_TOKEN": TOKEN, "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint})
        with served(tmp_path / "talk.db", env=env) as server:
            opened = httpx.post(
                f"{server.url}/api/conversations", json={"agent": "echo"}, headers=AUTH
            ).json()
            cid = opened["conversation_id"]
            said = httpx.post(
                f"{server.url}{opened['messages_url']}", json={"content": "ping"}, headers=AUTH
            ).json()
            reply = _reply(server.url, cid, said["sequence"])
            claims = httpx.get(f"{server.url}/api/conversations/{cid}/events").json()
        spans = list(receiver.spans)  # the server flushed them when it stopped
    assert reply["data"]["content"] == "ping"  # type: ignore[index]
    agent_claims = [
        e["data"] for e in claims if e["kind"] == "TurnClaimed" and e["data"]["speaker"] == "echo"
    ]
    assert agent_claims and all(c["trace_context"].get("traceparent") for c in agent_claims)
    turns = [s for s in spans if s.name == "invoke_agent echo"]
    assert turns and {s.trace_id for s in turns} == {cid}
    assert any(s.name.startswith("chat ") and s.trace_id == cid for s in spans)
