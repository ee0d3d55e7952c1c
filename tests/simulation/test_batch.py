"""Batch runs: a 200-conversation matrix completes, runs resume without rerunning finished
conversations, failures are retried on rerun, and the report's figures match known outcomes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from aiconv.agents.messages import ChatRequest
from aiconv.errors import ConversationNotFound, ProviderError, ScenarioError
from aiconv.platform import codec
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ConversationResumed, MessagePosted
from aiconv.queues.log import ConversationLog, ListQuery
from aiconv.queues.memory import InMemoryLog
from aiconv.queues.urls import open_log
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.report import build
from aiconv.simulation.rows import collect
from aiconv.simulation.scenario import Scenario, Seat, load_scenario
from aiconv.testing.conditions import eventually
from aiconv.testing.providers import FunctionProvider
from tests.simulation import matrix


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
async def test_a_200_conversation_batch_completes_with_the_known_outcomes(
    tmp_path: Path, backend: str
) -> None:
    scenario = matrix.load(tmp_path)
    table = matrix.outcome_table(scenario, "big", 10)
    url = "memory://" if backend == "memory" else f"sqlite:///{tmp_path / 'runs.db'}"
    async with open_log(url) as log:
        await _run_big(log, scenario, table)


async def _run_big(log: ConversationLog, scenario: Scenario, table: dict[str, str]) -> None:
    runner = BatchRunner(log, scenario, matrix.factory(table), run_id="big", parallel=50)
    async with asyncio.timeout(60):
        tally = await runner.run()
    assert (tally.total, tally.done, tally.failed, tally.running) == (200, 200, 0, 0)
    assert tally.outcomes == Counter(table.values())
    assert tally.outcomes == {"resolved": 105, "escalated": 50, "abandoned": 45}
    assert await log.count_conversations(ListQuery(run_id="big")) == 200
    conductor = Conductor(log)
    for cid, outcome in list(table.items())[::17]:
        state = await conductor.load(cid)
        assert state.outcome is not None and state.outcome.outcome == outcome
        assert state.started is not None and state.started.metadata["run_id"] == "big"


async def test_the_report_figures_match_the_known_outcomes(tmp_path: Path) -> None:
    scenario = matrix.load(tmp_path)
    log = InMemoryLog()
    table = matrix.outcome_table(scenario, "r", 10)
    await BatchRunner(log, scenario, matrix.factory(table), run_id="r", parallel=50).run()
    doc = build("r", await collect(log, "r"))
    assert (doc["conversations"], doc["finished"], doc["failed"], doc["k"]) == (200, 200, 0, 10)
    assert doc["success"]["successes"] == 105 and doc["success"]["rate"] == 0.525
    low, high = doc["success"]["ci95"]
    assert 0.45 < low < 0.525 < high < 0.6
    assert doc["outcomes"] == {"resolved": 105, "escalated": 50, "abandoned": 45}
    by_persona = {name: g["success"]["successes"] for name, g in doc["by_persona"].items()}
    assert by_persona == {"angry": 0, "calm": 50, "quick": 50, "slow": 5}
    assert doc["by_persona"]["slow"]["outcomes"] == {"abandoned": 45, "resolved": 5}
    assert all(g["success"]["rate"] == 0.525 for g in doc["by_intent"].values())
    cells = {c["cell"]: c for c in doc["cells"]}
    assert len(cells) == 20
    assert (cells["calm/refund"]["pass_at_k"], cells["calm/refund"]["pass_hat_k"][-1]) == (1.0, 1.0)
    assert (cells["slow/cancel"]["pass_at_k"], cells["slow/cancel"]["pass_hat_k"][-1]) == (1.0, 0.0)
    assert cells["slow/cancel"]["pass_hat_k"][0] == 0.1  # k = 1: one success in ten
    assert (cells["angry/invoice"]["pass_at_k"], cells["angry/invoice"]["pass_hat_k"][-1]) == (0, 0)
    # the curve averages over cells: calm and quick always pass, slow once in ten, angry never
    curve = {p["k"]: p["value"] for p in doc["pass_hat_k"]}
    assert curve[1] == pytest.approx((5 + 5 + 5 * 0.1) / 20)
    assert curve[2] == pytest.approx(10 / 20) and curve[10] == pytest.approx(0.5)
    assert doc["complete"] and not doc["mixed"] and doc["planned"] == 200
    usage = doc["usage"]
    # resolved and escalated: 2 messages each; abandoned: max_turns = 4
    assert usage["turns_mean"] == (155 * 2 + 45 * 4) / 200
    assert usage["end_reasons"] == {"end_token": 155, "max_turns": 45}
    assert usage["tokens_total"] > 0 and usage["cost_usd_total"] == 0.0
    assert usage["conversations_with_loops"] == 0
    worst = doc["worst"]
    assert len(worst) == 10 and {w["outcome"] for w in worst} <= {"escalated", "abandoned"}
    assert worst[0]["turns"] == 4  # the longest failures first


async def test_an_interrupted_batch_resumes_without_rerunning_finished_ones(
    tmp_path: Path,
) -> None:
    scenario = matrix.load(tmp_path, repeat=1)
    table = matrix.outcome_table(scenario, "cut", 1)
    gate = asyncio.Event()
    calls = Counter[str]()
    answer = matrix.factory(table)(Seat(name="support", role="agent"))

    async def slow_after_ten(request: ChatRequest) -> str:
        calls[str(request.context["conversation_id"])] += 1
        if len(calls) > 10:
            await gate.wait()  # the rest hang until cancelled
        reply = await answer.complete(request)
        return reply.content

    def first_factory(seat: Seat):  # type: ignore[no-untyped-def]
        if seat.role == "agent":
            return FunctionProvider(slow_after_ten)
        return matrix.factory(table)(seat)

    log = InMemoryLog()
    first = BatchRunner(log, scenario, first_factory, run_id="cut", parallel=5)
    task = asyncio.create_task(first.run())
    await eventually(
        lambda: first.tally.done >= 8 and first.tally.running == 5,
        timeout=20,
        what="some finished and five hanging",
    )
    task.cancel()
    async with asyncio.timeout(10):
        await asyncio.gather(task, return_exceptions=True)
    finished = {cid: await log.last_sequence(cid) for cid in table if await _decided(log, cid)}
    assert len(finished) == first.tally.done

    second = BatchRunner(log, scenario, matrix.factory(table), run_id="cut", parallel=5)
    async with asyncio.timeout(30):
        tally = await second.run()
    assert (tally.done, tally.skipped, tally.failed) == (20, len(finished), 0)
    for cid, last in finished.items():
        assert await log.last_sequence(cid) == last  # not touched again
    conductor = Conductor(log)
    resumed = 0
    for cid, outcome in table.items():
        state = await conductor.load(cid)
        assert state.outcome is not None and state.outcome.outcome == outcome
        events = codec.decode_all(await log.read(cid))
        resumed += any(isinstance(r.event, ConversationResumed) for r in events)
    assert resumed == 5  # exactly the ones that were running when interrupted


async def _decided(log: InMemoryLog, cid: str) -> bool:
    try:
        state = await Conductor(log).load(cid)
    except ConversationNotFound:
        return False
    return state.outcome is not None


async def test_failed_conversations_are_counted_and_retried_on_rerun(tmp_path: Path) -> None:
    scenario = matrix.load(tmp_path, repeat=1)
    table = matrix.outcome_table(scenario, "f", 1)
    broken = set(list(table)[:3])
    good = matrix.factory(table)

    def flaky_factory(seat: Seat):  # type: ignore[no-untyped-def]
        if seat.role != "agent":
            return good(seat)
        inner = good(seat)

        async def answer(request: ChatRequest) -> str:
            if request.context["conversation_id"] in broken:
                raise ProviderError("agent down", provider="function", retryable=True)
            return (await inner.complete(request)).content

        return FunctionProvider(answer)

    log = InMemoryLog()
    tally = await BatchRunner(log, scenario, flaky_factory, run_id="f", parallel=4).run()
    assert (tally.done, tally.failed) == (17, 3)
    doc = build("f", await collect(log, "f"))
    assert doc["failed"] == 3 and doc["outcomes"]["(failed)"] == 3
    assert [w["outcome"] for w in doc["worst"][:3]] == ["(failed)"] * 3
    again = await BatchRunner(log, scenario, good, run_id="f", parallel=4).run()
    assert (again.done, again.skipped, again.failed) == (20, 17, 0)


async def test_messages_get_simulated_times_and_the_opening_line(tmp_path: Path) -> None:
    text = matrix.scenario_text(repeat=1).replace(
        'description = "Help me with my refund"',
        'description = "Help me with my refund"\nopening = "Hello, my kettle broke."',
    )
    path = tmp_path / "opening.toml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    table = matrix.outcome_table(scenario, "t", 1)
    log = InMemoryLog()
    await BatchRunner(log, scenario, matrix.factory(table), run_id="t", parallel=4).run()
    intents = {cid: await _intent(log, cid) for cid in table}
    refund = next(cid for cid, intent in intents.items() if intent == "refund")
    events = codec.decode_all(await log.read(refund))
    posted = [r.event for r in events if isinstance(r.event, MessagePosted)]
    assert posted[0].content == "Hello, my kettle broke." and posted[0].model == "scenario"
    stamps = [p.simulated_at or 0.0 for p in posted]
    assert all(p.simulated_at is not None for p in posted)
    assert stamps == sorted(stamps) and stamps[0] > events[0].at


async def _intent(log: InMemoryLog, cid: str) -> str:
    state = await Conductor(log).load(cid)
    assert state.started is not None
    return str(state.started.metadata["intent"])


async def test_an_llm_judge_decides_when_the_scenario_says_so(tmp_path: Path) -> None:
    text = matrix.scenario_text(repeat=1).replace(
        '[evaluator]\ndefault = "abandoned"', '[evaluator]\nkind = "judge"\nagent = "any"'
    )
    text = text.split("[[evaluator.rules]]")[0]
    path = tmp_path / "judged.toml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    table = matrix.outcome_table(scenario, "j", 1)
    agents = matrix.factory(table)

    def judge_answer(request: ChatRequest) -> str:
        escalated = "supervisor" in request.messages[0].content
        outcome = "escalated" if escalated else "resolved"
        return f'{{"outcome": "{outcome}", "confidence": 0.9, "rationale": "read it"}}'

    def factory(seat: Seat):  # type: ignore[no-untyped-def]
        return FunctionProvider(judge_answer) if seat.role == "judge" else agents(seat)

    log = InMemoryLog()
    tally = await BatchRunner(log, scenario, factory, run_id="j", parallel=8).run()
    assert tally.outcomes == {"resolved": 15, "escalated": 5}
    state = await Conductor(log).load(next(iter(table)))
    assert state.outcome is not None and state.outcome.by == "judge"
    assert state.outcome.rationale == "read it"
    # what judging cost is on the outcome (the function judge's model and usage), apart
    # from the conversation's own cost
    decided = state.outcome
    assert (decided.model, decided.input_tokens, decided.cost_usd) == ("function-1", 10, 0.0)
    assert decided.output_tokens > 0


async def test_distributed_outcomes_end_conversations_when_arbitration_decides(
    tmp_path: Path,
) -> None:
    text = matrix.scenario_text(repeat=1) + '\n[arbitration]\nrule = "agent_weighted"\n'
    path = tmp_path / "distributed.toml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)

    def agent(request: ChatRequest) -> str:
        assert "OUTCOME: <slug>" in request.system  # told how to propose
        return "Refunded your order.\nOUTCOME: resolved 0.9"

    def factory(seat: Seat):  # type: ignore[no-untyped-def]
        if seat.role == "agent":
            return FunctionProvider(agent)
        return FunctionProvider(matrix.customer_reply)

    log = InMemoryLog()
    tally = await BatchRunner(log, scenario, factory, run_id="d", parallel=8).run()
    assert tally.outcomes == {"resolved": 20}
    state = await Conductor(log).load(
        BatchRunner(log, scenario, factory, run_id="d").jobs()[0].conversation_id
    )
    assert state.ended is not None and state.ended.reason == "outcome"
    assert state.outcome is not None and state.outcome.by == "agent_weighted"
    assert state.turns == 2


async def test_a_supervisor_seat_takes_part_with_a_prompt_built_from_its_role(
    tmp_path: Path,
) -> None:
    extra = '\n[[participants]]\nname = "lead"\nrole = "supervisor"\nagent = "function"\n'
    path = tmp_path / "team.toml"
    path.write_text(matrix.scenario_text(repeat=2) + extra, encoding="utf-8")
    scenario = load_scenario(path)
    prompts: list[str] = []

    def supervisor(request: ChatRequest) -> str:
        prompts.append(request.system)
        return "Supervisor here: support, please check the warehouse log."

    table = matrix.outcome_table(scenario, "team", 2)
    agents = matrix.factory(table)

    def factory(seat: Seat):  # type: ignore[no-untyped-def]
        return FunctionProvider(supervisor) if seat.role == "supervisor" else agents(seat)

    log = InMemoryLog()
    tally = await BatchRunner(log, scenario, factory, run_id="team", parallel=8).run()
    assert tally.done == 40
    abandoned = next(cid for cid, outcome in table.items() if outcome == "abandoned")
    state = await Conductor(log).load(abandoned)
    assert [m.sender for m in state.messages] == ["customer", "support", "lead", "customer"]
    assert "You are the supervisor in a support chat" in prompts[0]


async def test_the_report_counts_loops_and_their_end_reason(tmp_path: Path) -> None:
    path = tmp_path / "loops.toml"
    path.write_text(
        matrix.scenario_text(repeat=1).replace("max_turns = 4", "max_turns = 10"), encoding="utf-8"
    )
    scenario = load_scenario(path)

    def factory(seat: Seat):  # type: ignore[no-untyped-def]
        if seat.role == "agent":
            return FunctionProvider(lambda r: "I am sorry, I cannot process that request today.")
        return FunctionProvider(matrix.customer_reply)

    log = InMemoryLog()
    await BatchRunner(log, scenario, factory, run_id="loops", parallel=8).run()
    doc = build("loops", await collect(log, "loops"))
    assert doc["usage"]["conversations_with_loops"] == 20
    assert doc["usage"]["end_reasons"] == {"loop": 20}
    assert doc["outcomes"] == {"abandoned": 20}
    assert doc["usage"]["turns_mean"] == 4.0  # the agent's second identical answer


async def test_a_run_id_cannot_be_resumed_with_another_scenario(tmp_path: Path) -> None:
    scenario = matrix.load(tmp_path, repeat=1)
    table = matrix.outcome_table(scenario, "once", 1)
    log = InMemoryLog()
    await BatchRunner(log, scenario, matrix.factory(table), run_id="once", parallel=8).run()
    before = await log.conversation_ids()
    renamed = replace(scenario, name="other", intents=scenario.intents[:1])
    with pytest.raises(ScenarioError, match="run 'once' was recorded with another version"):
        await BatchRunner(log, renamed, matrix.factory(table), run_id="once", parallel=8).run()
    assert await log.conversation_ids() == before  # refused before anything was written
