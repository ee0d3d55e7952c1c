"""A matrix declared in the scenario file (``[[agents]]``, each over ``[agent]``'s settings):
every agent under test meets the same customers, and the report puts them side by side —
including a priced external agent's (non-zero) cost per resolved conversation and each agent's
latency p50/p95."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from aiconv.testing.processes import cli_env, run_aic
from tests.simulation.agent_server import serve_agent
from tests.simulation.conftest import REFUNDED_BY_SUPPORT, resolved_when

SCENARIO = """\
name = "matrix-file"
repeat = 2
personas = [{{ name = "calm", interrupts = 0.0 }}, {{ name = "brisk", interrupts = 0.0 }}]

[limits]
max_turns = 6
closing = "off"

[agent]
system = "You are the kettle shop's support agent."

[[agents]]
label = "hook"
url = "{url}"

[[agents]]
agent = "mock:turns=9"

[customer]
agent = "script:{customer}"

[[intents]]
name = "refund"
description = "Refund for a broken kettle"

""" + resolved_when(*REFUNDED_BY_SUPPORT, 'end_reasons = ["end_token"]')


async def test_agents_declared_in_the_file_are_reported_side_by_side(tmp_path: Path) -> None:
    customer = tmp_path / "customer.jsonl"
    lines = ["My kettle broke, I want a refund.", "Great, thanks, bye"]
    customer.write_text("".join(json.dumps({"content": line}) + "\n" for line in lines))
    db, env = tmp_path / "runs.db", cli_env(home=tmp_path)
    async with serve_agent() as agent:
        path = tmp_path / "suite.toml"
        text = SCENARIO.format(url=agent.url("/webhook"), customer=customer)
        path.write_text(text, encoding="utf-8")
        done = await asyncio.to_thread(
            run_aic, "simulate", str(path), "--db", str(db), "--run-id", "mf", "--quiet",
            env=env, cwd=tmp_path, timeout=90,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "done 8" in done.stdout  # 2 agents x 2 personas x 1 intent x 2 repetitions
    # every request to the webhook carried [agent]'s system prompt; it served 4 conversations
    assert all("kettle shop's support agent" in body["system"] for body in agent.bodies)
    assert len({body["conversation_id"] for body in agent.bodies}) == 4

    report = await asyncio.to_thread(
        run_aic, "report", "mf", "--db", str(db), "--json", "--out-dir", str(tmp_path / "out"),
        env=env, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    agents = {a["agent"]: a for a in json.loads(report.stdout)["agents"]}
    assert set(agents) == {"hook", "mock-turns-9"}
    hook, mock = agents["hook"], agents["mock-turns-9"]
    assert (hook["success"]["successes"], hook["success"]["total"]) == (4, 4)
    # each conversation: one priced reply ($0.001) and the goodbye (no cost given)
    assert hook["cost_usd_mean"] == pytest.approx(0.001, abs=1e-9)
    assert hook["cost_per_resolved_usd"] == pytest.approx(0.001, abs=1e-9)
    assert (mock["success"]["successes"], mock["cost_per_resolved_usd"]) == (0, None)
    for figures in (hook, mock):
        p50, p95 = figures["agent_latency_s_p50"], figures["agent_latency_s_p95"]
        assert 0 <= p50 <= p95 < 30
        assert [p["k"] for p in figures["pass_hat_k"]] == [1, 2]
    assert [p["value"] for p in hook["pass_hat_k"]] == [1.0, 1.0]
    assert [p["value"] for p in mock["pass_hat_k"]] == [0.0, 0.0]
