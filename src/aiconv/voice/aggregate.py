"""Voice metrics over many conversations (a simulation run, a persona's calls): pure.

Each conversation's ``VoiceMetrics`` (``as_dict`` form) is averaged: word error rate per
listener, response gaps and time to first audio; overlap and interruptions are given per
conversation and in total. Needs no audio libraries (reports import it without the extra).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 4) if present else None


def combine(metrics: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The voice figures of a group of conversations (each given as ``VoiceMetrics.as_dict``)."""
    listeners = sorted({name for m in metrics for name in m["wer"]})
    return {
        "conversations": len(metrics),
        "wer": {name: _mean([m["wer"].get(name) for m in metrics]) for name in listeners},
        "response_gap_p50_s": _mean([m["response_gap_p50_s"] for m in metrics]),
        "response_gap_p95_s": _mean([m["response_gap_p95_s"] for m in metrics]),
        "time_to_first_audio_s": _mean([m["time_to_first_audio_s"] for m in metrics]),
        "overlap_s_mean": _mean([m["overlap_s"] for m in metrics]),
        "silence_s_mean": _mean([m["silence_s"] for m in metrics]),
        "interruptions": sum(int(m["interruptions"]) for m in metrics),
        "interruptions_mean": _mean([float(m["interruptions"]) for m in metrics]),
        "audio_s": round(sum(float(m["audio_s"]) for m in metrics), 3),
    }


def by_group(rows: Sequence[tuple[str, Mapping[str, Any] | None]]) -> dict[str, Any] | None:
    """``{"overall": …, "by_persona": {name: …}}`` from (persona, metrics) pairs; None when no
    conversation was a voice one."""
    voiced = [(group, m) for group, m in rows if m is not None]
    if not voiced:
        return None
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for group, m in voiced:
        groups.setdefault(group, []).append(m)
    return {
        "overall": combine([m for _, m in voiced]),
        "by_persona": {name: combine(members) for name, members in sorted(groups.items())},
    }
