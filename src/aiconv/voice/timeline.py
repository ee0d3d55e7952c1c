"""Utterances on a call's timeline and the voice metrics measured over them (pure).

An utterance starts at ``start_s`` (seconds from the start of the call) and plays for
``played_s`` of its ``duration_s``: less when the listener barged in. Gaps are the silences
between one utterance's end and the next one's start (negative when they overlap).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from aiconv.platform.projections import percentile
from aiconv.voice.wer import pooled_word_error_rate, words


@dataclass(frozen=True, slots=True, kw_only=True)
class Utterance:
    """One message spoken aloud, and what its listener heard of it."""

    sequence: int
    speaker: str
    text: str
    voice: str = ""
    audio_ref: str = ""
    start_s: float = 0.0
    duration_s: float = 0.0
    played_s: float | None = None
    interrupted_by: str | None = None
    listener: str | None = None
    heard: str | None = None
    confidence: float | None = None
    first_audio_s: float | None = None

    @property
    def played(self) -> float:
        return self.duration_s if self.played_s is None else min(self.played_s, self.duration_s)

    @property
    def end_s(self) -> float:
        return self.start_s + self.played

    @property
    def said(self) -> str:
        """The words actually played (a proportional prefix when cut off)."""
        if self.interrupted_by is None or self.duration_s <= 0:
            return self.text
        spoken = words(self.text)
        return " ".join(spoken[: round(len(spoken) * self.played / self.duration_s)])


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceMetrics:
    """Word error rate per listener (what it heard against what was said), response gaps,
    time to first audio, overlap and silence, interruptions."""

    wer: dict[str, float]
    response_gap_p50_s: float | None
    response_gap_p95_s: float | None
    time_to_first_audio_s: float | None
    overlap_s: float
    silence_s: float
    interruptions: int
    utterances: int
    audio_s: float

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def overlap_s(utterances: Sequence[Utterance]) -> float:
    """Seconds during which two different speakers were talking at once."""
    total = 0.0
    for index, first in enumerate(utterances):
        for second in utterances[index + 1 :]:
            if second.speaker != first.speaker:
                total += max(
                    0.0, min(first.end_s, second.end_s) - max(first.start_s, second.start_s)
                )
    return total


def measure(utterances: Sequence[Utterance]) -> VoiceMetrics:
    """The voice metrics of a call."""
    ordered = sorted(utterances, key=lambda u: (u.start_s, u.sequence))
    gaps = [b.start_s - a.end_s for a, b in itertools.pairwise(ordered)]
    listeners = sorted({u.listener for u in ordered if u.listener is not None})
    wer = {}
    for listener in listeners:
        pairs = [
            (u.said, u.heard) for u in ordered if u.listener == listener and u.heard is not None
        ]
        rate = pooled_word_error_rate(pairs)
        if rate is not None:
            wer[listener] = round(rate, 4)
    first_audio = [u.first_audio_s for u in ordered if u.first_audio_s is not None]
    return VoiceMetrics(
        wer=wer,
        response_gap_p50_s=_rounded(percentile(gaps, 0.5)),
        response_gap_p95_s=_rounded(percentile(gaps, 0.95)),
        time_to_first_audio_s=_rounded(statistics.median(first_audio) if first_audio else None),
        overlap_s=round(overlap_s(ordered), 3),
        silence_s=round(sum(g for g in gaps if g > 0), 3),
        interruptions=sum(1 for u in ordered if u.interrupted_by is not None),
        utterances=len(ordered),
        audio_s=round(sum(u.played for u in ordered), 3),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
