"""Per-message cost of loop and closing detection, as the referee pays it on every message.

Run: ``.venv/bin/python -m benchmarks.loop_detection``. Replays every transcript of the labelled
corpora message by message (``detect_loop`` on the last 8 messages, ``closing_agreed`` on the
history) without stopping at a detection, and a long conversation of the offline ``mock``
agent (2,000 messages); the memoised text features are cleared before each repeat, so every
message is analysed once, as in a live conversation. Prints microseconds per message (best of
5 repeats, CPU time: less sensitive to a busy machine than wall time).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import aiconv
from aiconv.platform import (
    closing,
    loop_acts,
    loop_answers,
    loop_learned,
    loop_references,
    loop_said_back,
    loop_stalls,
    loop_unmoved,
    loops,
    speech_acts,
    word_vectors,
    wording,
)
from aiconv.platform.closing import DEFAULT_CLOSING_PHRASES, closing_agreed
from aiconv.platform.loops import LoopConfig, Utterance, detect_loop
from aiconv.testing.corpus import load_corpus

DATA = Path(__file__).parent.parent / "tests" / "data"
REPEATS = 5


def _clear_caches() -> None:
    modules = (loops, loop_stalls, loop_acts, loop_references, loop_answers, loop_learned)
    for module in (*modules, loop_unmoved, loop_said_back, wording, speech_acts, closing):
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()
    # Each message's vector and word count, not the table: a process loads that once (~0.2-1 s,
    # not counted).
    word_vectors.sentence_vector.cache_clear()
    word_vectors.known_words.cache_clear()


def corpus_streams() -> list[tuple[Utterance, ...]]:
    """Every transcript of every labelled corpus in tests/data."""
    return [t.messages for path in sorted(DATA.glob("*.jsonl")) for t in load_corpus(path)]


async def _mock_conversation(messages: int) -> tuple[Utterance, ...]:
    seats = [aiconv.Participant(name, "mock:turns=0") for name in ("alice", "bob")]
    stop = aiconv.StopConfig(max_turns=messages, loop_policy="off", closing="off")
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log, seats, "Is a hot dog a sandwich?", stop=stop, seed=7
        )
    return tuple(
        Utterance(sequence=m.sequence, sender=m.sender, content=m.content)
        for m in result.state.messages
    )


def mock_stream(messages: int) -> tuple[Utterance, ...]:
    """A real two-seat conversation of the offline mock agent (loop and closing checks off)."""
    return asyncio.run(_mock_conversation(messages))


def replay_all(streams: Sequence[tuple[Utterance, ...]]) -> int:
    """Run both detectors after every message of every stream; the number of messages."""
    config, checked = LoopConfig(), 0
    for stream in streams:
        for end in range(1, len(stream) + 1):
            closing_agreed(stream[max(0, end - 8) : end], DEFAULT_CLOSING_PHRASES)
            detect_loop(stream[max(0, end - config.window) : end], config)
            checked += 1
    return checked


def per_message_us(run: Callable[[], int]) -> float:
    """Best of ``REPEATS`` cold passes, in microseconds per message."""
    best = float("inf")
    for _ in range(REPEATS):
        _clear_caches()
        gc.collect()
        started = time.process_time()
        count = run()
        best = min(best, (time.process_time() - started) / count)
    return best * 1e6


def main() -> None:
    word_vectors.meaning_similarity("load", "the table")
    corpus = corpus_streams()
    long_run = [mock_stream(2000)]
    messages = sum(len(s) for s in corpus)
    print(
        f"corpora ({len(corpus)} transcripts, {messages} messages): "
        f"{per_message_us(lambda: replay_all(corpus)):.1f} µs a message"
    )
    print(
        f"mock conversation (2,000 messages): "
        f"{per_message_us(lambda: replay_all(long_run)):.1f} µs a message"
    )


if __name__ == "__main__":
    main()
