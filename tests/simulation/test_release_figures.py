"""The figures of release gating on two small runs built with known costs, tokens, latencies
and outcomes, checked against hand computation: ``aic compare``'s usage deltas and per-cell
rows, and ``aic report``'s pass^k by persona and by intent and its (non-zero) cost per resolved
conversation.

Baseline: every conversation resolved in 2 turns; the agent's reply costs $0.01, 100 + 20
tokens, 1 s. Candidate: $0.02, 150 + 30 tokens, 2 s for calm and 3 s for angry customers (9 s
in angry/refund #0), and four conversations abandoned after 4 turns (two agent replies each):
angry/refund #0 and #1, calm/cancel #2, angry/cancel #0. The customer's lines cost nothing and
count 5 + 5 tokens.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from aiconv.agents.messages import ChatReply, ChatRequest, Usage
from aiconv.agents.provider import ChatProvider
from aiconv.queues.urls import open_log
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.casting import conversation_id
from aiconv.simulation.scenario import Scenario, Seat, load_scenario
from aiconv.testing.clock import FakeClock
from aiconv.testing.processes import cli_env, run_aic
from aiconv.testing.providers import FunctionProvider
from tests.simulation import matrix
from tests.simulation.conftest import REFUNDED_BY_SUPPORT, resolved_when

SCENARIO = """\
name = "figures"
repeat = 3
personas = [{ name = "calm", interrupts = 0.0 }, { name = "angry", interrupts = 0.0 }]

[limits]
max_turns = 4

[agent]
name = "support"
agent = "function"

[customer]
agent = "function"

[[intents]]
name = "refund"
description = "Refund my order"

[[intents]]
name = "cancel"
description = "Cancel my order"

""" + resolved_when(*REFUNDED_BY_SUPPORT)

ABANDONED = {
    ("angry", "refund", 0),
    ("angry", "refund", 1),
    ("calm", "cancel", 2),
    ("angry", "cancel", 0),
}


def _trials(scenario: Scenario, run_id: str) -> dict[str, tuple[str, str, int]]:
    """Conversation id -> (persona, intent, repetition)."""
    return {
        conversation_id(run_id, cell, rep): (cell.persona.name, cell.intent.name, rep)
        for cell in scenario.cells()
        if cell.intent is not None
        for rep in range(3)
    }


def _factory(scenario: Scenario, run_id: str, clock: FakeClock) -> Any:
    trials = _trials(scenario, run_id)

    def agent(request: ChatRequest) -> ChatReply:
        persona, intent, rep = trials[str(request.context["conversation_id"])]
        if run_id == "base":
            clock.advance(1.0)
            return ChatReply(
                content="Your money is refunded.\n<END>",
                model="agent-1",
                usage=Usage(input_tokens=100, output_tokens=20),
                cost_usd=0.01,
            )
        clock.advance(9.0 if (persona, intent, rep) == ("angry", "refund", 0) else
                      3.0 if persona == "angry" else 2.0)  # fmt: skip
        text = (
            matrix.STALLING[matrix.own_turn(request) % len(matrix.STALLING)]
            if (persona, intent, rep) in ABANDONED
            else "Your money is refunded.\n<END>"
        )
        usage = Usage(input_tokens=150, output_tokens=30)
        return ChatReply(content=text, model="agent-2", usage=usage, cost_usd=0.02)

    def customer(request: ChatRequest) -> ChatReply:
        line = matrix.customer_reply(request)
        return ChatReply(content=line, model="c", usage=Usage(input_tokens=5, output_tokens=5))

    def build(seat: Seat) -> ChatProvider:
        return FunctionProvider(agent if seat.role == "agent" else customer, name=seat.name)

    return build


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both runs in one SQLite log (one conversation at a time, so each reply's latency is
    exactly what its provider advanced the fake clock by)."""
    folder = tmp_path_factory.mktemp("figures")
    path = folder / "scenario.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    scenario = load_scenario(path)
    db = folder / "runs.db"

    async def build() -> None:
        async with open_log(f"sqlite:///{db}") as log:
            for run_id in ("base", "cand"):
                clock = FakeClock()
                factory = _factory(scenario, run_id, clock)
                runner = BatchRunner(log, scenario, factory, run_id=run_id, parallel=1, clock=clock)
                tally = await runner.run()
                assert tally.done == 12

    asyncio.run(build())
    return db


def _aic(db: Path, *args: str) -> dict[str, Any]:
    home = db.parent
    done = run_aic(*args, "--db", str(db), "--json", "--out-dir", str(home / "out"),
                   env=cli_env(home=home), cwd=home, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def test_compare_reports_cost_token_turn_and_latency_deltas(runs: Path) -> None:
    doc = _aic(runs, "compare", "base", "cand")
    usage = {row["metric"]: row for row in doc["usage"]}
    expected = {
        # 12 x $0.01 vs 8 resolved x $0.02 + 4 abandoned x 2 x $0.02 = $0.32
        "cost_usd_mean": (0.01, 0.32 / 12),
        "cost_per_resolved_usd": (0.01, 0.32 / 8),
        # 10 + 120 a conversation vs 8 x (10 + 180) + 4 x 2 x (10 + 180)
        "tokens_mean": (130.0, 3040 / 12),
        "turns_mean": (2.0, (8 * 2 + 4 * 4) / 12),
        # 16 candidate replies: 7 x 2 s (calm), 7 x 3 s, 2 x 9 s (angry/refund #0); nearest rank
        "agent_latency_s_p50": (1.0, 3.0),
        "agent_latency_s_p95": (1.0, 9.0),
    }
    assert set(usage) == set(expected)
    for metric, (base, cand) in expected.items():
        row = usage[metric]
        assert row["baseline"] == pytest.approx(base, abs=1e-6), metric
        assert row["candidate"] == pytest.approx(cand, abs=1e-6), metric
        assert row["delta"] == pytest.approx(cand - base, abs=1e-6), metric
        assert row["relative"] == pytest.approx((cand - base) / base, abs=1e-6), metric
    assert usage["cost_usd_mean"]["unit"] == "usd"
    assert usage["agent_latency_s_p95"]["unit"] == "seconds"


def test_compare_has_one_paired_row_per_cell(runs: Path) -> None:
    doc = _aic(runs, "compare", "base", "cand")
    cells = {row["cell"]: row for row in doc["cells"]}
    expected = {  # cell: (candidate successes of 3, regressions)
        "angry/cancel": (2, 1),
        "angry/refund": (1, 2),
        "calm/cancel": (2, 1),
        "calm/refund": (3, 0),
    }
    assert list(cells) == sorted(expected)
    for cell, (successes, regressions) in expected.items():
        row = cells[cell]
        assert (row["metric"], row["pairs"]) == ("success", 3)
        assert row["baseline"] == 1.0
        assert row["candidate"] == pytest.approx(successes / 3, abs=1e-4)
        assert row["delta"] == pytest.approx(successes / 3 - 1, abs=1e-4)
        assert (row["regressions"], row["improvements"]) == (regressions, 0)
        # exact McNemar on r discordant pairs all one way: two-sided p = min(1, 2 / 2^r)
        assert row["p_value"] == pytest.approx(min(1.0, 2 / 2**regressions), abs=1e-6)
        # its pass^k, k = 1 … 3: 1 against C(successes, k) / C(3, k), by hand
        assert row["complete"] and row["unpaired"] == {"baseline": 0, "candidate": 0}
        by_hand = {3: [1, 1, 1], 2: [2 / 3, 1 / 3, 0], 1: [1 / 3, 0, 0]}[successes]
        assert [r["k"] for r in row["pass_hat_k"]] == [1, 2, 3]
        assert [r["baseline"] for r in row["pass_hat_k"]] == [1.0, 1.0, 1.0]
        assert [r["candidate"] for r in row["pass_hat_k"]] == pytest.approx(by_hand, abs=1e-4)
        assert [r["delta"] for r in row["pass_hat_k"]] == pytest.approx(
            [v - 1 for v in by_hand], abs=1e-4
        )


def _curve(points: list[dict[str, Any]]) -> list[float]:
    return [point["value"] for point in points]


def test_report_gives_pass_hat_k_by_persona_and_intent_and_cost_per_resolved(runs: Path) -> None:
    doc = _aic(runs, "report", "cand")
    # per cell, pass^k = C(c, k) / C(3, k): c = 3 -> 1, 1, 1; c = 2 -> 2/3, 1/3, 0;
    # c = 1 -> 1/3, 0, 0. Cells: calm/refund 3, calm/cancel 2, angry/refund 1, angry/cancel 2.
    expected = {
        "overall": [(1 + 2 / 3 + 1 / 3 + 2 / 3) / 4, (1 + 1 / 3 + 0 + 1 / 3) / 4, 1 / 4],
        "calm": [(1 + 2 / 3) / 2, (1 + 1 / 3) / 2, 1 / 2],
        "angry": [(1 / 3 + 2 / 3) / 2, (0 + 1 / 3) / 2, 0.0],
        "refund": [(1 + 1 / 3) / 2, (1 + 0) / 2, 1 / 2],
        "cancel": [2 / 3, 1 / 3, 0.0],
    }
    assert _curve(doc["pass_hat_k"]) == pytest.approx(expected["overall"], abs=1e-4)
    assert set(doc["by_persona"]) == {"calm", "angry"}
    assert set(doc["by_intent"]) == {"refund", "cancel"}
    for name in ("calm", "angry"):
        points = doc["by_persona"][name]["pass_hat_k"]
        assert _curve(points) == pytest.approx(expected[name], abs=1e-4), name
        assert [p["cells"] for p in points] == [2, 2, 2]
    for name in ("refund", "cancel"):
        points = doc["by_intent"][name]["pass_hat_k"]
        assert _curve(points) == pytest.approx(expected[name], abs=1e-4), name
    assert doc["by_persona"]["angry"]["success"]["successes"] == 3
    assert doc["by_intent"]["cancel"]["success"]["successes"] == 4
    assert doc["by_task"] == {}

    assert doc["usage"]["cost_usd_total"] == pytest.approx(0.32, abs=1e-6)
    assert doc["usage"]["cost_per_resolved_usd"] == pytest.approx(0.04, abs=1e-6)
    [agent] = doc["agents"]
    assert agent["cost_per_resolved_usd"] == pytest.approx(0.04, abs=1e-6)
    assert (agent["agent_latency_s_p50"], agent["agent_latency_s_p95"]) == (3.0, 9.0)
