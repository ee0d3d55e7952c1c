"""The scenarios that run in a child process: ``python -m aiconv.benchmarking.child NAME JSON``.

Each prints ``ready`` once set up, waits for a line on stdin (so several children start
together), runs, and prints its result as one JSON line. Running in a child keeps the parent's
memory and garbage out of RSS and latency figures and puts hand-offs truly across processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiconv.benchmarking.probe import SEATS, TurnProbe, converse, mock_provider, new_conversation
from aiconv.collector import tune_collector
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import MessagePosted
from aiconv.queues.log import ConversationLog, EventStore, NewEvent
from aiconv.queues.urls import connect_log

Scenario = Callable[[ConversationLog, dict[str, Any]], Awaitable[dict[str, Any]]]
_CLOSE_S = 10.0


async def _barrier() -> None:
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)


async def overhead(log: ConversationLog, params: dict[str, Any]) -> dict[str, Any]:
    """Whole conversations on a zero-latency provider; per-turn overheads and hand-offs."""
    probe = TurnProbe()
    conductor = Conductor(log, observer=probe)
    await converse(conductor, max_turns=params["per_conversation"])  # warm-up
    probe.reset()
    await _barrier()
    began, cpu = time.perf_counter(), time.process_time()
    while probe.posted < params["turns"]:
        await converse(conductor, max_turns=params["per_conversation"])
    return {
        "overheads_s": probe.overheads,
        "turns_s": probe.turns,
        "handoffs_s": probe.handoffs,
        "wall_per_turn_s": (time.perf_counter() - began) / probe.posted,
        "cpu_per_turn_s": (time.process_time() - cpu) / probe.posted,
    }


async def seat(log: ConversationLog, params: dict[str, Any]) -> dict[str, Any]:
    """Play one seat of existing conversations, one after the other; hand-offs to this process."""
    probe = TurnProbe()
    conductor = Conductor(log, observer=probe)
    await conductor.load(params["conversation_ids"][0])
    await _barrier()
    for conversation_id in params["conversation_ids"]:
        await conductor.play(conversation_id, params["seat"], mock_provider())
    return {"handoffs_s": probe.handoffs, "posted": probe.posted}


async def concurrency(log: ConversationLog, params: dict[str, Any]) -> dict[str, Any]:
    """``n`` conversations at once on one conductor with a slow provider; turns per second."""
    probe = TurnProbe()
    conductor = Conductor(log, observer=probe)
    ids = [await new_conversation(conductor, params["turns"]) for _ in range(params["n"])]
    provider = mock_provider(params["latency_s"])
    seats = dict.fromkeys(SEATS, provider)
    await _barrier()
    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(session.play_all(conductor, cid, seats) for cid in ids))
    elapsed = time.perf_counter() - began
    return {
        "posted": probe.posted,
        "elapsed_s": elapsed,
        "cpu_s": time.process_time() - cpu,
        "overheads_s": probe.overheads,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def append(log: ConversationLog, params: dict[str, Any]) -> dict[str, Any]:
    """``tasks`` writers in this process appending one event at a time for ``seconds``."""
    event = codec.encode(MessagePosted(sender="alice", content="x" * 240, model="mock-chat"))
    tag = params["tag"]
    await _barrier()
    started = time.time()
    deadline = time.perf_counter() + params["seconds"]
    counts = await asyncio.gather(
        *(_write(log, f"{tag}-{task}", event, deadline) for task in range(params["tasks"]))
    )
    return {"events": sum(counts), "started": started, "finished": time.time()}


async def _write(log: EventStore, conversation_id: str, event: NewEvent, until: float) -> int:
    written = 0
    while time.perf_counter() < until:
        await log.append(conversation_id, written, [event])
        written += 1
    return written


SCENARIOS: dict[str, Scenario] = {
    "overhead": overhead,
    "seat": seat,
    "concurrency": concurrency,
    "append": append,
}


async def _main(name: str, params: dict[str, Any]) -> dict[str, Any]:
    log = await connect_log(params["url"])
    try:
        result = await SCENARIOS[name](log, params)
    finally:
        # Bounded: a backend whose close hangs must not hold a finished figure hostage.
        done, _ = await asyncio.wait({asyncio.ensure_future(log.close())}, timeout=_CLOSE_S)
    if not done:
        # Leave at once: shutting the loop down would wait on the stuck close again.
        print(json.dumps({**result, "close_timed_out": True}), flush=True)
        os._exit(0)
    return result


def main(argv: list[str]) -> None:
    """Run scenario ``argv[0]`` with the JSON parameters ``argv[1]``; print the result."""
    name, params = argv[0], json.loads(argv[1])
    tune_collector()  # as every aic process does: a child stands for one
    result = asyncio.run(_main(name, params))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
