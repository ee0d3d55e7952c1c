"""The 1,000-conversation figure of ``aic bench`` alone, in this process, optionally profiled.

It runs exactly the ``concurrency`` scenario of ``aiconv.benchmarking.child`` (one conductor,
``--n`` conversations of two ``mock`` seats at once, a ``--latency`` provider) on one backend and
prints the process CPU time per turn, which is what limits the figure (about 0.18-0.2 ms a turn
is needed for 90 % of the ideal rate at N=1000 on two cores) and is far steadier than wall time
on a busy box. ``--profile FILE`` writes a cProfile of the measured part (read it with ``python
-m pstats FILE``).

Steadier still, on a box others are using: instructions per turn, counted by callgrind for a
run and for a set-up-only run (``--turns 0``), the difference divided by the turns (repeats
agree to 0.1 %; about three minutes each at ``--n 200``):

    .venv/bin/python benchmarks/concurrency_profile.py --backend memory --repeat 3
    .venv/bin/python benchmarks/concurrency_profile.py --backend sqlite --profile /tmp/c.prof
    .venv/bin/python benchmarks/concurrency_profile.py --backend redis   # its own redis-server
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python benchmarks/concurrency_profile.py --n 200 --turns 10   # and --turns 0
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import tempfile
import time
from pathlib import Path

from aiconv.benchmarking.probe import SEATS, TurnProbe, mock_provider, new_conversation
from aiconv.collector import tune_collector
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.queues.urls import connect_log
from aiconv.testing.redis_server import RedisServer


async def measure(url: str, n: int, turns: int, latency_s: float, profile: Path | None) -> str:
    """One run of the scenario; a line with its figures (``turns`` 0: set up only)."""
    log = await connect_log(url)
    try:
        probe = TurnProbe()
        conductor = Conductor(log, observer=probe)
        ids = [await new_conversation(conductor, max(turns, 1)) for _ in range(n)]
        if not turns:  # the baseline of an instruction count: everything but the turns
            return "set up only"
        seats = dict.fromkeys(SEATS, mock_provider(latency_s))
        profiler = cProfile.Profile() if profile else None
        began, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        await asyncio.gather(*(session.play_all(conductor, cid, seats) for cid in ids))
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(profile))
        cpu_s, elapsed = time.process_time() - cpu, time.perf_counter() - began
    finally:
        await log.close()
    ideal = n / latency_s if latency_s else float("nan")
    return (
        f"turns={probe.posted} cpu_ms_per_turn={cpu_s / probe.posted * 1000:.4f} "
        f"elapsed_s={elapsed:.2f} of_ideal={probe.posted / elapsed / ideal:.3f}"
    )


def main() -> None:
    """Parse the options, run ``--repeat`` times, print one line per run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("memory", "sqlite", "redis"), default="memory")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument(
        "--turns",
        type=int,
        default=10,
        help="per conversation (aic bench: 10, --quick: 4; 0: "
        "set up only, the baseline to subtract from an instruction count)",
    )
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    tune_collector()  # as the aic processes (and aic bench's children) do
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="aic-cpu-"))
        server = None
        if args.backend == "redis":  # a private server on a free port, never one we did not start
            server = stack.enter_context(RedisServer(Path(scratch) / "redis"))
        for run in range(args.repeat):
            url = _url(args.backend, scratch, run, server)
            line = asyncio.run(measure(url, args.n, args.turns, args.latency, args.profile))
            print(f"{args.backend} n={args.n} {line}", flush=True)


def _url(backend: str, scratch: str, run: int, server: RedisServer | None) -> str:
    if server is not None:
        return f"{server.url}?prefix=cpu{run}"
    return "memory://" if backend == "memory" else f"sqlite:///{scratch}/{run}.db"


if __name__ == "__main__":
    main()
