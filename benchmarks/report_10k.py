"""How long ``aic report`` takes on a 10,000-conversation run (target: ≤ 5 s on this machine).

Run: ``.venv/bin/python -m benchmarks.report_10k [--conversations N] [--repeats R] [--json PATH]``.

Builds a SQLite log holding one run of N conversations (50 personas × 20 intents × 10
repetitions for N = 10,000; each conversation is started, has 8 messages with usage and cost,
an outcome and an end, as a batch writes them), then times the real command end to end as a
subprocess — ``aic report RUN --out-dir DIR`` (interpreter start, reading and folding every
conversation, the figures, Markdown, HTML with its charts, JSON, the worst transcripts) — and,
in process, each phase: collect, build, render. Medians of R repeats, wall and CPU time (the CPU
time is less sensitive to a busy machine); the JSON states the machine, its load and the
software.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiconv.benchmarking.facts import load_1m, machine, now_utc, software
from aiconv.benchmarking.stats import median
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import (
    ConversationEnded,
    ConversationStarted,
    Event,
    MessagePosted,
    OutcomeDecided,
    ParticipantSpec,
)
from aiconv.queues.urls import open_log
from aiconv.simulation import report, report_files
from aiconv.simulation.rows import collect

RUN = "bench-10k"
OUTCOMES = ("resolved", "escalated", "abandoned")


def _events(persona: int, intent: int, rep: int, planned: int) -> list[Event]:
    outcome = OUTCOMES[(persona * 7 + intent * 3 + rep) % 5 % 3]
    started = ConversationStarted(
        topic=f"Intent {intent}: help me with order {intent * 17}",
        participants=(
            ParticipantSpec(name="customer", agent="mock", role="customer", persona=f"p{persona}"),
            ParticipantSpec(name="support", agent="gpt", model="gpt-4.1", role="agent"),
        ),
        first_speaker="customer",
        turn_policy="scheduled",
        seed=rep,
        metadata={
            "run_id": RUN,
            "scenario": "bench",
            "cell": f"p{persona}/i{intent}",
            "persona": f"p{persona}",
            "intent": f"i{intent}",
            "repetition": rep,
            "successes": ["resolved"],
            "agent_label": "gpt",
            "suite_hash": "s" * 64,
            "scenario_hash": "a" * 64,
            "planned": planned,
        },
    )
    messages: list[Event] = [
        MessagePosted(
            sender="customer" if turn % 2 == 0 else "support",
            content=f"Message {turn} of conversation {persona}/{intent}/{rep}: " + "words " * 30,
            model="gpt-4.1",
            input_tokens=400 + 50 * turn,
            output_tokens=60,
            cost_usd=0.0012 * (turn + 1),
            latency_s=0.4 + 0.05 * turn,
            cached=turn % 4 == 0,
            saved_usd=0.001 if turn % 4 == 0 else None,
        )
        for turn in range(8)
    ]
    decided = OutcomeDecided(outcome=outcome, by="rules", rationale=f"matched {outcome}")
    return [started, *messages, decided, ConversationEnded(reason="end_token")]


async def build_log(db: Path, conversations: int) -> None:
    """One run of ``conversations`` conversations in ``db``."""
    personas, intents = 50, 20
    reps = max(1, conversations // (personas * intents))
    async with open_log(f"sqlite:///{db}") as log:
        conductor = Conductor(log)
        for rep in range(reps):
            for persona in range(personas):
                for intent in range(intents):
                    cid = f"{persona:03d}-{intent:03d}-{rep:03d}"
                    state = ConversationState(conversation_id=cid)
                    await conductor.append(state, _events(persona, intent, rep, conversations))


async def phases(db: Path, out: Path) -> dict[str, float]:
    """CPU seconds of collect, build and render (in process)."""
    marks = [time.process_time()]
    async with open_log(f"sqlite:///{db}") as log:
        rows = await collect(log, RUN)
        marks.append(time.process_time())
        doc = report.build(RUN, rows)
        marks.append(time.process_time())
    report_files.write_report(doc, {}, out)
    marks.append(time.process_time())
    names = ("collect_cpu_s", "build_cpu_s", "render_cpu_s")
    return {name: marks[i + 1] - marks[i] for i, name in enumerate(names)}


def end_to_end(db: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of ``aic report`` as a subprocess."""
    command = [
        sys.executable,
        "-m",
        "aiconv.cli",
        "report",
        RUN,
        "--db",
        str(db),
        "--out-dir",
        str(out),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, out = Path(tmp) / "runs.db", Path(tmp) / "out"
        load_before = load_1m()
        began = time.perf_counter()
        asyncio.run(build_log(db, args.conversations))
        build_s = time.perf_counter() - began
        runs = [end_to_end(db, out) for _ in range(args.repeats)]
        inner = [asyncio.run(phases(db, out)) for _ in range(args.repeats)]
        html_bytes = (out / "report.html").stat().st_size
    result: dict[str, Any] = {
        "measured_at": now_utc(),
        "machine": {**machine(), "load_1m_end": load_1m()},
        "load_1m_before": load_before,
        "software": software(),
        "conversations": args.conversations,
        "events": args.conversations * 11,
        "log_build_s": round(build_s, 2),
        "aic_report_wall_s": [round(w, 3) for w, _ in runs],
        "aic_report_cpu_s": [round(c, 3) for _, c in runs],
        "aic_report_median_s": round(median([w for w, _ in runs]), 3),
        "aic_report_cpu_median_s": round(median([c for _, c in runs]), 3),
        "phases_median": {k: round(median([p[k] for p in inner]), 3) for k in inner[0]},
        "report_html_bytes": html_bytes,
        "target_s": 5.0,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
