"""One whole benchmark run: every selected scenario on every available backend, as a document.

A scenario that fails is recorded with its error and the run goes on, so one broken backend
never hides the others' figures.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from typing import Any

from aiconv.benchmarking import facts, fleet, peers, report, scenarios, soak
from aiconv.benchmarking.backends import ALL, CLUSTER, Backends
from aiconv.benchmarking.scenarios import Plan
from aiconv.benchmarking.stats import median

SCENARIOS = ("overhead", "handoff", "concurrency", "append", "fleet", "soak", "peers")
Progress = Callable[[str], None]


def run(
    plan: Plan,
    *,
    only: tuple[str, ...] = (),
    backends: tuple[str, ...] = ALL,
    with_peers: bool = False,
    peer_python: str | None = None,
    progress: Progress = print,
) -> dict[str, Any]:
    """Measure and return the result document (see ``report`` for its shape)."""
    selected = [s for s in SCENARIOS if (not only or s in only) and (s != "peers" or with_peers)]
    document: dict[str, Any] = {
        "schema": 1,
        "measured_at": facts.now_utc(),
        "machine": facts.machine(),
        "software": facts.software(),
        "plan": _plan_document(plan),
        "results": {},
    }
    began = time.perf_counter()
    if not {"handoff", "append"} & set(selected):  # the only scenarios run on the cluster
        backends = tuple(b for b in backends if b != CLUSTER)
    with Backends(backends) as logs:
        document["skipped"] = dict(logs.skipped)
        for name in selected:
            progress(f"{name} …")
            document["results"][name] = _STEPS[name](logs, plan, peer_python, progress)
    document["machine"]["load_1m_end"] = facts.load_1m()
    document["duration_s"] = round(time.perf_counter() - began, 1)
    document["targets"] = report.targets(document)
    return document


def _plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as the result document records it."""
    return {
        "repeats": plan.repeats,
        "overhead_turns": plan.overhead_turns,
        "handoff_turns": plan.handoff_turns,
        "concurrency": list(plan.concurrency),
        "concurrency_turns": plan.concurrency_turns,
        "latency_s": plan.latency_s,
        "append_seconds": plan.append_seconds,
        "append_writers": list(plan.append_writers),
        "fleet_conversations": plan.fleet_conversations,
        "fleet_workers": list(plan.fleet_workers),
        "soak_conversations": plan.soak_conversations,
    }


def _guard(progress: Progress, label: str, step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        result = step()
    except Exception as exc:  # a failed figure is recorded; the run goes on
        progress(f"  {label}: FAILED {exc}")
        return {"error": f"{type(exc).__name__}: {exc}"[:2000]}
    progress(f"  {label}: done")
    return result


def _overhead(b: Backends, plan: Plan, _: str | None, progress: Progress) -> dict[str, Any]:
    return {
        name: _guard(progress, name, functools.partial(scenarios.overhead, b, name, plan))
        for name in b.available
    }


def _handoff(b: Backends, plan: Plan, _: str | None, progress: Progress) -> dict[str, Any]:
    return {
        name: _guard(progress, name, functools.partial(scenarios.handoff, b, name, plan))
        for name in _with_cluster(b)
        if name != "memory"  # one process only: there is no cross-process hand-off
    }


def _with_cluster(b: Backends) -> tuple[str, ...]:
    """The backends, and the Redis Cluster when it runs (append and hand-off only)."""
    return (*b.available, CLUSTER) if b.has_cluster else b.available


def _concurrency(b: Backends, plan: Plan, _: str | None, progress: Progress) -> dict[str, Any]:
    return {
        name: {
            str(n): _guard(
                progress,
                f"{name} N={n}",
                functools.partial(scenarios.concurrency, b, name, n, plan),
            )
            for n in plan.concurrency
        }
        for name in b.available
    }


def _append(b: Backends, plan: Plan, _: str | None, progress: Progress) -> dict[str, Any]:
    return {
        name: {
            str(w): _guard(
                progress, f"{name} {w}", functools.partial(scenarios.append, b, name, w, plan)
            )
            for w in plan.append_writers
        }
        for name in _with_cluster(b)
    }


def _fleet(b: Backends, plan: Plan, _: str | None, progress: Progress) -> dict[str, Any]:
    if "redis" not in b.available:
        return {"skipped": b.skipped.get("redis", "Redis is not available")}
    if not fleet.has_worker_command():
        return {"skipped": "this installation has no `aic worker`"}
    rows = {
        str(w): _guard(
            progress,
            f"{w} worker(s)",
            functools.partial(_fleet_repeats, b, w, plan),
        )
        for w in plan.fleet_workers
    }
    return {"workers": rows}


def _fleet_repeats(b: Backends, workers: int, plan: Plan) -> dict[str, Any]:
    runs = [
        fleet.serve_batch(b.url("redis"), workers, plan.fleet_conversations, plan.fleet_turns)
        for _ in range(plan.repeats)
    ]
    rates = [run["conversations_per_s"] for run in runs]
    return {**runs[0], "conversations_per_s": median(rates), "repeats": rates}


def _soak(b: Backends, plan: Plan, _: str | None, progress: Progress) -> dict[str, Any]:
    def run_soak(backend: str) -> dict[str, Any]:
        return asyncio.run(soak.soak(b.url(backend), plan.soak_conversations))

    return {
        name: _guard(
            progress,
            f"{name} {plan.soak_conversations} conversations",
            functools.partial(run_soak, name),
        )
        for name in b.available
    }


def _peers(b: Backends, plan: Plan, peer_python: str | None, progress: Progress) -> dict[str, Any]:
    python = peers.find_peer_python(peer_python)
    return {
        "autogen": _guard(
            progress, "autogen", functools.partial(peers.autogen, python, 50, plan.repeats * 5)
        )
    }


_STEPS = {
    "overhead": _overhead,
    "handoff": _handoff,
    "concurrency": _concurrency,
    "append": _append,
    "fleet": _fleet,
    "soak": _soak,
    "peers": _peers,
}
