"""The issue's opening bug at conversation level: an external agent under test behind the HTTP
channel answers with tool calls. With tools from the scenario its calls run; without them they
are still recorded and answered, and its turn is never stored as an empty message nor ends the
conversation as a loop. The calls show up in the JSON and JSONL exports and the web view.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from aiconv.queues.log import ListQuery
from aiconv.queues.sqlite import SqliteLog
from aiconv.testing.processes import cli_env, run_aic
from aiconv.web import create_app
from tests.simulation.agent_server import AgentServer, serve_agent

BANKING = Path(__file__).resolve().parents[2] / "examples" / "tools" / "banking.py"

SCENARIO = """\
name = "external-tools"
personas = ["typical"]

[limits]
max_turns = 4
closing = "off"

[agent]
url = "{url}"
{tools}

[customer]
agent = "script:{customer}"

[[intents]]
name = "balance"
description = "What is on my account?"

[[outcomes]]
slug = "verified"
success = true

[[outcomes]]
slug = "other"

[evaluator]
default = "other"

[[evaluator.rules]]
outcome = "verified"
keywords = ["checked"]
sender = "support"
"""

CUSTOMER = [
    "Hi, I am Dana Whitfield, customer cust-1001, born 1984-03-12.",
    "Can you tell me whether that worked?",
]


async def _simulate(tmp_path: Path, agent: AgentServer, *, tools: bool) -> tuple[Path, str]:
    """Run the one-conversation scenario through ``aic simulate``; the log and the id."""
    customer = tmp_path / "customer.jsonl"
    customer.write_text("".join(json.dumps({"content": line}) + "\n" for line in CUSTOMER))
    path = tmp_path / "suite.toml"
    given = f"tools = [{json.dumps(str(BANKING))}]" if tools else ""
    text = SCENARIO.format(url=agent.url("/banker"), tools=given, customer=customer)
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "runs.db"
    done = await asyncio.to_thread(
        run_aic, "simulate", str(path), "--run-id", "ext", "--db", str(db), "--quiet",
        env=cli_env(home=tmp_path), cwd=tmp_path, timeout=90,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    log = await SqliteLog.open(db)
    try:
        [entry] = await log.list_conversations(ListQuery(run_id="ext"))
    finally:
        await log.close()
    return db, entry.conversation_id


async def _export(tmp_path: Path, db: Path, cid: str, fmt: str) -> str:
    done = await asyncio.to_thread(
        run_aic, "export", cid, "--db", str(db), "--format", fmt,
        env=cli_env(home=tmp_path), cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _web(db: Path, cid: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The conversation document and its events, as the web API serves them."""
    log = await SqliteLog.open(db)
    try:
        transport = httpx.ASGITransport(app=create_app(log))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            document = (await web.get(f"/api/conversations/{cid}")).json()
            events = (await web.get(f"/api/conversations/{cid}/events")).json()
    finally:
        await log.close()
    return document, events


async def test_an_external_agents_calls_run_when_the_scenario_gives_it_tools(
    tmp_path: Path,
) -> None:
    async with serve_agent() as agent:
        db, cid = await _simulate(tmp_path, agent, tools=True)
    offered = {t["name"] for t in agent.bodies[0]["tools"]}
    assert {"verify_identity", "get_balance", "block_card"} <= offered
    answered = agent.bodies[1]["messages"][-1]
    assert answered["role"] == "tool"
    assert answered["tool_results"][0]["call_id"] == "v2"
    assert json.loads(answered["tool_results"][0]["content"])["verified"] is True

    document = json.loads(await _export(tmp_path, db, cid, "json"))
    verified = json.dumps({"customer_id": "cust-1001", "verified": True})
    assert [
        (c["call_id"], c["tool"], c["outcome"], c["content"]) for c in document["tool_calls"]
    ] == [
        ("v2", "verify_identity", "ok", verified),
        ("v4", "verify_identity", "ok", verified),
    ]
    support = [m["content"] for m in document["messages"] if m["sender"] == "support"]
    assert support == [f"Turn 2: I checked: {verified}", f"Turn 4: I checked: {verified}"]
    assert document["ended"]["reason"] == "max_turns"

    lines = [json.loads(line) for line in (await _export(tmp_path, db, cid, "jsonl")).splitlines()]
    called = [line["data"] for line in lines if line["kind"] == "ToolCalled"]
    returned = [line["data"] for line in lines if line["kind"] == "ToolReturned"]
    assert [(c["call_id"], c["tool"], c["arguments"]) for c in called] == [
        ("v2", "verify_identity", {"customer_id": "cust-1001", "date_of_birth": "1984-03-12"}),
        ("v4", "verify_identity", {"customer_id": "cust-1001", "date_of_birth": "1984-03-12"}),
    ]
    assert [(r["call_id"], r["outcome"], r["content"]) for r in returned] == [
        ("v2", "ok", verified),
        ("v4", "ok", verified),
    ]

    page, events = await _web(db, cid)
    assert page["tool_calls"] == document["tool_calls"]
    [spec] = [p for p in page["participants"] if p["name"] == "support"]
    assert spec["tools"] == [str(BANKING)]
    summaries = [e["summary"] for e in events if e["kind"] in ("ToolCalled", "ToolReturned")]
    arguments = json.dumps({"customer_id": "cust-1001", "date_of_birth": "1984-03-12"})
    assert summaries[:2] == [
        f"support calls verify_identity({arguments})",
        f"verify_identity returned (ok): {verified}",
    ]


async def test_an_external_agent_without_tools_is_recorded_never_stored_empty(
    tmp_path: Path,
) -> None:
    """The bug the issue opens with: its calls used to be stored as an empty message and the
    conversation ended as a loop."""
    async with serve_agent() as agent:
        db, cid = await _simulate(tmp_path, agent, tools=False)
    assert all("tools" not in body for body in agent.bodies)
    refused = "unknown tool 'verify_identity'; available: none"
    document = json.loads(await _export(tmp_path, db, cid, "json"))
    calls = [
        (c["call_id"], c["outcome"], c["is_error"], c["content"]) for c in document["tool_calls"]
    ]
    assert calls == [("v2", "error", True, refused), ("v4", "error", True, refused)]
    assert [(m["sender"], m["content"]) for m in document["messages"]] == [
        ("customer", CUSTOMER[0]),
        ("support", f"Turn 2: I could not check: {refused}"),
        ("customer", CUSTOMER[1]),
        ("support", f"Turn 4: I could not check: {refused}"),
    ]
    assert document["ended"]["reason"] == "max_turns"
    log = await SqliteLog.open(db)
    try:
        kinds = [e.kind for e in await log.read(cid)]
    finally:
        await log.close()
    assert "LoopDetected" not in kinds
    assert kinds.count("ToolCalled") == kinds.count("ToolReturned") == 2
