"""The loop and closing check of a turn, replayed as a thousand live conversations pay it.

Run: ``.venv/bin/python -m benchmarks.judge_replay [--count N] [--setup-only]``. Seeded
two-seat ``mock`` conversations of 10 messages (seeds 1..N, loop and closing checks off; made
once and kept in ``--streams``) are judged message by message as the referee judges a turn:
``closing_agreed`` and then ``detect_loop`` on the last 8 messages, each conversation with its
own ``text_memo.WindowMemo``, the conversations interleaved (every first message, then every
second, …) so that the process-wide caches see what they see with a thousand at once. Prints
microseconds of CPU a judgement.

Its instructions are what to compare on a busy box (callgrind, a run less a ``--setup-only``
run, divided by the judgements; two runs of one tree agree to ~0.01 %):

    .venv/bin/python -m benchmarks.judge_replay --count 200        # once: writes the streams
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python -m benchmarks.judge_replay --count 200    # and with --setup-only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import aiconv
from aiconv.platform import text_memo
from aiconv.platform.closing import DEFAULT_CLOSING_PHRASES, closing_agreed
from aiconv.platform.loops import LoopConfig, Utterance, detect_loop, warm_up

_WINDOW = 8
_MESSAGES = 10


async def _conversation(seed: int) -> list[tuple[str, str]]:
    seats = [aiconv.Participant(name, "mock:turns=0") for name in ("alice", "bob")]
    stop = aiconv.StopConfig(max_turns=_MESSAGES, loop_policy="off", closing="off")
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log, seats, "Is a hot dog a sandwich?", stop=stop, seed=seed
        )
    return [(m.sender, m.content) for m in result.state.messages]


def streams(path: Path, count: int) -> list[tuple[Utterance, ...]]:
    """``count`` seeded conversations, made and written to ``path`` when it has too few."""
    said = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    if len(said) < count:
        said = [asyncio.run(_conversation(seed)) for seed in range(1, count + 1)]
        path.write_text(json.dumps(said), encoding="utf-8")
    return [
        tuple(
            Utterance(sequence=n, sender=sender, content=content)
            for n, (sender, content) in enumerate(messages, start=1)
        )
        for messages in said[:count]
    ]


def replay(conversations: list[tuple[Utterance, ...]]) -> int:
    """Judge every message of every conversation, interleaved; the judgements made."""
    config, judged = LoopConfig(), 0
    memos = [text_memo.WindowMemo() for _ in conversations]
    for end in range(1, max(map(len, conversations)) + 1):
        for said, memo in zip(conversations, memos, strict=True):
            if end > len(said):
                continue
            recent = said[max(0, end - _WINDOW) : end]
            outer = text_memo.judging(memo)
            try:
                if closing_agreed(recent, DEFAULT_CLOSING_PHRASES) is None:
                    detect_loop(recent, config)
            finally:
                text_memo.done(memo, outer, said[:end])
            judged += 1
    return judged


def main() -> None:
    """Parse the options, make or read the streams, replay them once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--streams", type=Path, default=Path("/tmp/aiconv-judge-streams.json"))
    parser.add_argument("--setup-only", action="store_true")
    args = parser.parse_args()
    conversations = streams(args.streams, args.count)
    warm_up()
    closing_agreed(conversations[0][:2], DEFAULT_CLOSING_PHRASES)  # patterns compiled
    detect_loop(conversations[0][:3], LoopConfig())
    if args.setup_only:
        return
    started = time.process_time()
    judged = replay(conversations)
    spent = time.process_time() - started
    print(f"{judged} judgements, {spent / judged * 1e6:.1f} µs of CPU a judgement")


if __name__ == "__main__":
    main()
