"""Transcripts for the detector tests, written as ``"sender: content"`` lines."""

from __future__ import annotations

from aiconv.platform.loops import Loop, LoopConfig, Utterance, detect_loop


def chat(*lines: str) -> list[Utterance]:
    """Utterances from ``"sender: content"`` lines, numbered from 1."""
    out = []
    for number, line in enumerate(lines, start=1):
        sender, content = line.split(": ", 1)
        out.append(Utterance(sequence=number, sender=sender, content=content))
    return out


def first_loop(history: list[Utterance], config: LoopConfig | None = None) -> Loop | None:
    """The first loop found when the detector runs after every message, as the conductor does."""
    config = config or LoopConfig()
    for end in range(1, len(history) + 1):
        found = detect_loop(history[:end][-config.window :], config)
        if found is not None:
            return found
    return None
