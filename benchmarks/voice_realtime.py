"""Offline voice: is synthesis + recognition of a 10-turn voice conversation faster than real time?

Run: ``.venv/bin/python -m benchmarks.voice_realtime [--repeats N]``. Runs a 10-turn voice
conversation through the public API (``voice=True``, fast mode) on a temporary SQLite log with
two scripted support-call participants, so the time measured is the voice layer's: espeak-ng
synthesis, pocketsphinx recognition (one worker process), blob storage and the log. Prints the
audio produced, the wall time and the real-time factor (audio seconds per wall second; ≥ 1
means faster than real time), audio seconds per CPU second (less sensitive to a busy machine)
and the WER per side. Prints JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiconv
from aiconv.platform import codec
from aiconv.testing.providers import FunctionProvider
from aiconv.voice.projection import utterances_of
from aiconv.voice.timeline import measure

CALLER = [
    "Hello, I am calling about my order. It has not arrived yet.",
    "The order number is four five six seven. I ordered it last Monday.",
    "Yes, the address is twelve Main Street in Springfield.",
    "Can you send it faster? I need it before the weekend.",
    "Thank you very much for your help. Goodbye.",
]
AGENT = [
    "I am sorry to hear that. Can you give me your order number please?",
    "Thank you. I can see your order here. Can you confirm the delivery address?",
    "Great. The parcel was delayed at the depot and will be delivered on Thursday.",
    "I have upgraded it to express delivery at no cost. It will arrive tomorrow.",
    "You are welcome. Have a nice day.",
]


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (espeak-ng, the recogniser)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _seat(lines: list[str]) -> FunctionProvider:
    return FunctionProvider(lambda request: lines[(int(str(request.context["turn"])) - 1) // 2])


async def one_run(directory: Path) -> dict[str, Any]:
    async with aiconv.open_log(f"sqlite:///{directory / 'bench.db'}") as log:
        began, cpu = time.perf_counter(), _cpu_s()
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("caller", provider=_seat(CALLER), persona="typical"),
                aiconv.Participant("agent", provider=_seat(AGENT)),
            ],
            topic="A late parcel",
            max_turns=10,
            seed=1,
            voice=True,
        )
        wall = time.perf_counter() - began
        used = _cpu_s() - cpu  # the recognition worker has exited: its CPU is counted
        events = codec.decode_all(await log.read(result.conversation_id))
    metrics = measure(utterances_of(events))
    return {
        "turns": result.state.turns,
        "audio_s": metrics.audio_s,
        "wall_s": round(wall, 3),
        "realtime_factor": round(metrics.audio_s / wall, 2),
        "cpu_s": round(used, 3),
        "audio_per_cpu_s": round(metrics.audio_s / used, 2),
        "wer": metrics.wer,
    }


async def main(repeats: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as directory:
            runs.append(await one_run(Path(directory)))
    factors = [r["realtime_factor"] for r in runs]
    return {
        "cores": os.cpu_count(),
        "load_1m": os.getloadavg()[0],
        "runs": runs,
        "median_realtime_factor": statistics.median(factors),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    report = asyncio.run(main(arguments.repeats))
    if arguments.json:
        print(json.dumps(report, indent=2))
    else:
        for run in report["runs"]:
            print(
                f"{run['turns']} turns: {run['audio_s']:.1f} s of audio in {run['wall_s']:.1f} s"
                f" = {run['realtime_factor']:.2f}x real time, WER {run['wer']}"
            )
        print(
            f"median: {report['median_realtime_factor']:.2f}x real time "
            f"on {report['cores']} cores (load {report['load_1m']:.1f})"
        )
