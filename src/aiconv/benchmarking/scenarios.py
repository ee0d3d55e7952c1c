"""The five measured figures, each a function of the backends and the run's ``Plan``.

Every scenario runs in child processes (see ``child``); repeated figures are reported as the
median over repeats, with every repeat kept in the document.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from aiconv.benchmarking.backends import Backends
from aiconv.benchmarking.probe import new_conversation
from aiconv.benchmarking.processes import Children, run_one
from aiconv.benchmarking.stats import latency_ms, median
from aiconv.platform.conductor import Conductor
from aiconv.queues.urls import connect_log


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """How much of each scenario to run (``FULL``, ``QUICK``, or tiny for the smoke test)."""

    repeats: int = 3
    overhead_turns: int = 2000
    handoff_turns: int = 400
    concurrency: tuple[int, ...] = (10, 100, 1000)
    concurrency_turns: int = 10
    latency_s: float = 0.2
    append_seconds: float = 3.0
    append_writers: tuple[str, ...] = ("1", "4", "1x16", "1x256")
    #: Enough for a few seconds of serving: at 200 (~1 s with one worker, ~0.7 s with two) the
    #: figure was as much the warm-up and the last conversations' tail as the throughput.
    fleet_conversations: int = 1000
    fleet_turns: int = 10
    fleet_workers: tuple[int, ...] = (1, 2, 4)
    soak_conversations: int = 10_000


FULL = Plan()
QUICK = Plan(
    repeats=1,
    overhead_turns=300,
    handoff_turns=100,
    concurrency_turns=4,
    append_seconds=1.0,
    fleet_conversations=300,
    fleet_turns=6,
    soak_conversations=10_000,
)


def overhead(backends: Backends, backend: str, plan: Plan) -> dict[str, Any]:
    """Per-turn platform overhead (turn wall time minus provider time), zero-latency provider."""
    runs = []
    for _ in range(plan.repeats):
        params = {"url": backends.url(backend), "turns": plan.overhead_turns}
        result, _ = run_one("overhead", {**params, "per_conversation": 50})
        runs.append(
            {
                "overhead": latency_ms(result["overheads_s"]),
                "turn": latency_ms(result["turns_s"]),
                "handoff_in_process": latency_ms(result["handoffs_s"]),
                "wall_per_turn_ms": round(result["wall_per_turn_s"] * 1000, 4),
                "cpu_per_turn_ms": round(result["cpu_per_turn_s"] * 1000, 4),
            }
        )
    return _medians(runs, ("overhead", "turn", "handoff_in_process"))


def handoff(backends: Backends, backend: str, plan: Plan) -> dict[str, Any]:
    """Message posted by one seat in process 1 -> the other seat's claim in process 2."""
    runs = []
    for _ in range(plan.repeats):
        url = backends.url(backend)
        ids = asyncio.run(_create(url, count=-(-plan.handoff_turns // 50), max_turns=50))
        children = Children()
        for seat in ("alice", "bob"):
            children.add("seat", {"url": url, "conversation_ids": ids, "seat": seat})
        samples = [s for result in children.run() for s in result["handoffs_s"]]
        runs.append({"handoff": latency_ms(samples)})
    return _medians(runs, ("handoff",))


def concurrency(backends: Backends, backend: str, n: int, plan: Plan) -> dict[str, Any]:
    """``n`` conversations in one process on a ``latency_s`` provider: turns/s against ideal."""
    params = {
        "url": backends.url(backend),
        "n": n,
        "turns": plan.concurrency_turns,
        "latency_s": plan.latency_s,
    }
    result, sampled_peak = run_one("concurrency", params)
    achieved = result["posted"] / result["elapsed_s"]
    ideal = n / plan.latency_s
    return {
        "n": n,
        "turns": result["posted"],
        "turns_per_s": round(achieved, 1),
        "ideal_turns_per_s": round(ideal, 1),
        "of_ideal": round(achieved / ideal, 4),
        "cpu_per_turn_ms": round(result["cpu_s"] / result["posted"] * 1000, 4),
        "cpu_utilisation": round(result["cpu_s"] / result["elapsed_s"], 3),
        "overhead": latency_ms(result["overheads_s"]),
        "peak_rss_mb": round(max(result["peak_rss_mb"], sampled_peak), 1),
    }


def append(backends: Backends, backend: str, writers: str, plan: Plan) -> dict[str, Any]:
    """Events/s appended, one event per append and per conversation stream, by ``writers``.

    ``"4"``: four writers, each a separate process with its own connection and one append in
    flight (for the in-memory log, which cannot be shared between processes, four tasks in one
    process). ``"1x16"``: one process with 16 appends in flight (many conversations, one client).
    """
    count, _, in_flight = writers.partition("x")
    processes, tasks = int(count), int(in_flight or 1)
    if backend == "memory":
        processes, tasks = 1, processes * tasks
    runs = []
    for _ in range(plan.repeats):
        url = backends.url(backend)
        children = Children()
        for index in range(processes):
            tag = f"w{index}-{uuid.uuid4().hex[:6]}"
            params = {"url": url, "tasks": tasks, "seconds": plan.append_seconds, "tag": tag}
            children.add("append", params)
        results = children.run()
        span = max(r["finished"] for r in results) - min(r["started"] for r in results)
        runs.append(sum(r["events"] for r in results) / span)
    return {
        "processes": processes,
        "in_flight_each": tasks,
        "events_per_s": round(median(runs), 1),
        "repeats": [round(r, 1) for r in runs],
    }


async def _create(url: str, *, count: int, max_turns: int) -> list[str]:
    log = await connect_log(url)
    try:
        conductor = Conductor(log)
        return [await new_conversation(conductor, max_turns) for _ in range(count)]
    finally:
        await log.close()


def _medians(runs: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    """The median of each percentile over repeats, and every repeat."""
    summary: dict[str, Any] = {}
    for key in keys:
        summary[key] = {
            stat: round(median([run[key][stat] for run in runs]), 4)
            for stat in ("p50_ms", "p99_ms", "mean_ms")
        } | {"n": sum(run[key]["n"] for run in runs)}
    for key in ("wall_per_turn_ms", "cpu_per_turn_ms"):
        if key in runs[0]:
            summary[key] = round(median([run[key] for run in runs]), 4)
    summary["repeats"] = runs
    return summary
