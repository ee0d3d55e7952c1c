"""pass^k by task in a task suite's report: for each task, the average over its cells (persona ×
task) of C(c, k) / C(n, k), computed here independently from the graded conversations."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from aiconv.queues.memory import InMemoryLog
from aiconv.simulation import report
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.rows import collect
from aiconv.simulation.scenario import load_scenario
from tests.simulation.test_task_suites import FEW, _states, providers, suite

PERSONAS = ("neutral", "hurried")


@pytest.mark.timeout(180)
async def test_report_gives_pass_hat_k_by_task_averaged_over_its_cells(tmp_path: Path) -> None:
    path = suite(tmp_path, agent="bank-agent:mistakes=0.2,seed=7", repeat=3)
    text = path.read_text().replace("personas = []", "personas = []\ncross = false")
    text += "".join(f'\n[[cells]]\npersona = "{p}"\ntask = "{t}"\n' for p in PERSONAS for t in FEW)
    path.write_text(text)
    scenario = load_scenario(path)
    assert len(scenario.cells()) == len(PERSONAS) * len(FEW)
    log = InMemoryLog()
    tally = await BatchRunner(log, scenario, providers({}), run_id="t", parallel=6).run()
    assert tally.done == 18

    cells: dict[tuple[str, str], list[bool]] = {}
    for state in await _states(log, "t"):
        assert state.started is not None and state.graded is not None
        key = (str(state.started.metadata["persona"]), str(state.started.metadata["task"]))
        cells.setdefault(key, []).append(state.graded.passed)
    assert sorted(cells) == sorted((p, t) for p in PERSONAS for t in FEW)
    outcomes = [passed for results in cells.values() for passed in results]
    assert 0 < sum(outcomes) < len(outcomes), "the careless agent should both pass and fail"

    doc = report.build("t", await collect(log, "t"))
    assert doc["by_intent"] == {} and sorted(doc["by_task"]) == sorted(FEW)
    for task in FEW:
        expected = [
            sum(
                math.comb(sum(cells[(p, task)]), k) / math.comb(3, k) for p in PERSONAS
            ) / len(PERSONAS)
            for k in (1, 2, 3)
        ]  # fmt: skip
        points = doc["by_task"][task]["pass_hat_k"]
        assert [p["k"] for p in points] == [1, 2, 3]
        assert [p["value"] for p in points] == pytest.approx(expected, abs=1e-4), task
        assert [p["cells"] for p in points] == [2, 2, 2]
        wins = sum(sum(cells[(p, task)]) for p in PERSONAS)
        assert doc["by_task"][task]["success"]["successes"] == wins
