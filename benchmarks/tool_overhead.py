"""What recording a tool call costs: the same Python tool called bare, through its ToolBox, and
as a recorded call on a SQLite log (``ToolCalled`` appended before it runs, ``ToolReturned``
after, each a durable append) — the price of exactly-once effects.

Run: ``.venv/bin/python -m benchmarks.tool_overhead [--calls N] [--json PATH]``. The recorded
path is ``ToolRounds.run_round`` for one call per round, exactly what a turn does, on a fresh
SQLite file in a temporary folder (WAL, the default settings). Prints microseconds per call
(median of 5 runs) and the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from aiconv.agents.messages import ChatReply, ToolCall
from aiconv.agents.toolbox import ToolCallContext
from aiconv.agents.tools.python import PythonTools
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import MessagePosted, ParticipantSpec, StopConfig
from aiconv.platform.observer import NULL_OBSERVER
from aiconv.platform.toolrounds import RoundFacts, ToolRounds
from aiconv.queues.urls import open_log


def get_balance(account_id: str) -> dict[str, object]:
    """The balance of an account."""
    return {"account_id": account_id, "balance": 1288.65}


async def bare(calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        get_balance(account_id="acc-1")
    return (time.perf_counter() - started) / calls


async def toolbox(calls: int) -> float:
    tools = PythonTools([get_balance])
    context = ToolCallContext(conversation_id="c", participant="p", call_id="k")
    started = time.perf_counter()
    for _ in range(calls):
        await tools.call("get_balance", {"account_id": "acc-1"}, context)
    return (time.perf_counter() - started) / calls


async def recorded(calls: int, folder: Path) -> float:
    async with open_log(f"sqlite:///{folder / f'tools-{time.monotonic_ns()}.db'}") as log:
        conductor = Conductor(log)
        pair = [
            ParticipantSpec(name="customer", agent="x"),
            ParticipantSpec(name="support", agent="x"),
        ]
        state = await session.create(conductor, topic="t", participants=pair, stop=StopConfig())
        state = await conductor.append(state, [MessagePosted(sender="customer", content="hi")])
        rounds = ToolRounds(
            conductor.append, "support", PythonTools([get_balance]), timeout_s=60,
            observer=NULL_OBSERVER,
        )  # fmt: skip
        started = time.perf_counter()
        for number in range(1, calls + 1):
            call = ToolCall(id=f"c{number}", name="get_balance", arguments={"account_id": "acc-1"})
            reply = ChatReply(content="", model="m", tool_calls=(call,))
            state = await rounds.run_round(state, RoundFacts(reply=reply, latency_s=0.0), number)
        return (time.perf_counter() - started) / calls


async def measure(calls: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        runs: dict[str, list[float]] = {"bare": [], "toolbox": [], "recorded_sqlite": []}
        for _ in range(5):
            runs["bare"].append(await bare(calls * 10))
            runs["toolbox"].append(await toolbox(calls))
            runs["recorded_sqlite"].append(await recorded(calls, Path(folder)))
    return {name: statistics.median(values) * 1e6 for name, values in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tool_overhead")
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    figures = asyncio.run(measure(args.calls))
    print(f"bare function call            {figures['bare']:9.2f} us/call")
    print(f"through its ToolBox           {figures['toolbox']:9.2f} us/call (validation, thread)")
    print(f"recorded on SQLite            {figures['recorded_sqlite']:9.2f} us/call (2 appends)")
    print(f"load average at start: {load:.2f} on {os.cpu_count()} cores")
    if args.json:
        document = {"calls": args.calls, "load": load, "us_per_call": figures}
        args.json.write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
