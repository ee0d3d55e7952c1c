"""What judging cost is in the log and in the report: a task suite judged by a model through the
fake LLM server (the real Anthropic SDK), ``aic simulate`` then ``aic report`` on the same run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from aiconv.platform.conductor import Conductor
from aiconv.queues.log import ListQuery
from aiconv.queues.urls import open_log
from aiconv.testing.fake_llm import FakeLLM
from aiconv.testing.processes import cli_env, run_aic

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "examples" / "banking" / "suite.toml"


def judged_suite(tmp_path: Path) -> Path:
    """The shipped banking suite, one task, a careful offline agent, judged by ``claude``."""
    text = SUITE.read_text()
    text = text.replace('agent = "bank-agent:mistakes=0.2"', 'agent = "bank-agent:mistakes=0"')
    text = text.replace("repeat = 2", "repeat = 1")
    text = text.replace("personas = []", "personas = []\ncross = false")
    text = text.replace('kind = "task"', 'kind = "task"\nagent = "claude"', 1)
    text += '\n[[cells]]\npersona = "neutral"\ntask = "banking-lost-debit-card"\n'
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


@pytest.mark.timeout(180)
async def test_the_task_judges_cost_is_recorded_and_reported_apart_from_the_agents(
    tmp_path: Path,
) -> None:
    """The judge's model, tokens and dollars are on the outcome event; the report shows them as
    judging cost next to the agents' (offline, free) cost, and its total is what simulate paid."""
    db, suite = tmp_path / "runs.db", judged_suite(tmp_path)
    async with FakeLLM() as server:
        env = cli_env(
            {"ANTHROPIC_API_KEY": "fake-key", "ANTHROPIC_BASE_URL": server.base_url},
            home=tmp_path,
        )
        ran = await asyncio.to_thread(
            run_aic, "simulate", str(suite), "--db", str(db), "--run-id", "r1", "--json",
            "--quiet", env=env, timeout=120,
        )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    paid = json.loads(ran.stdout)["cost_usd"]
    assert paid > 0  # only the judge costs anything: the agent and the user are offline

    async with open_log(f"sqlite:///{db}") as log:
        (entry,) = await log.list_conversations(ListQuery(run_id="r1", limit=10))
        state = await Conductor(log).load(entry.conversation_id)
    decided = state.outcome
    assert decided is not None and decided.by == "grader"
    assert decided.model.startswith("claude")
    assert decided.input_tokens > 0 and decided.output_tokens > 0
    assert decided.cost_usd == pytest.approx(paid)
    assert state.cost_usd == 0.0  # the conversation's own cost stays the agents'

    out = tmp_path / "out"
    shown = await asyncio.to_thread(
        run_aic, "report", "r1", "--db", str(db), "--out-dir", str(out), env=env
    )
    assert shown.returncode == 0, shown.stderr
    usage = json.loads((out / "report.json").read_text())["usage"]
    assert usage["judge_cost_usd_total"] == pytest.approx(paid, abs=1e-6)  # rounded to 6
    assert usage["judge_tokens_total"] == decided.input_tokens + decided.output_tokens
    assert usage["judge_models"] == [decided.model]
    assert usage["agents_cost_usd_total"] == 0.0
    assert usage["cost_usd_total"] == pytest.approx(paid, abs=1e-6)
    dollars = f"${paid:,.4f}"
    for text in (shown.stdout, (out / "report.md").read_text(), (out / "report.html").read_text()):
        assert "Cost of judging" in text and "Cost paid by the agents" in text
        assert dollars in text and decided.model in text


def test_an_outcome_recorded_before_judging_cost_was_kept_still_reads() -> None:
    """The fields are optional: an older ``OutcomeDecided`` reads with no model and no cost."""
    from aiconv.platform.codec import decode_event

    old = decode_event("OutcomeDecided", 1, b'{"outcome": "passed", "by": "grader"}')
    assert (old.model, old.input_tokens, old.output_tokens, old.cost_usd) == ("", 0, 0, None)
