"""Prometheus metrics of voice conversations, on the command's injected registry.

Word error rate is exported the Prometheus way, as two counters (``word_errors`` over ``words``
heard, by listener) so any window's WER is ``rate(errors) / rate(words)``. Gaps clipped at zero
go to a histogram; talk-over is counted as overlap seconds instead.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from aiconv.voice.timeline import Utterance
from aiconv.voice.wer import words

GAP_BUCKETS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 15.0, 30.0)
AUDIO_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class VoiceTelemetry:
    """Every voice metric, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.utterances = Counter(
            "aiconv_voice_utterances_total", "Utterances spoken.", ["speaker"], registry=r
        )
        self.audio = Counter(
            "aiconv_voice_audio_seconds_total", "Seconds of audio spoken.", ["speaker"], registry=r
        )
        self.words = Counter(
            "aiconv_voice_words_total", "Words said to a listener.", ["listener"], registry=r
        )
        self.word_errors = Counter(
            "aiconv_voice_word_errors_total",
            "Word errors (substitutions, deletions, insertions) in what a listener heard.",
            ["listener"],
            registry=r,
        )
        self.interruptions = Counter(
            "aiconv_voice_interruptions_total",
            "Barge-ins, by who cut in.",
            ["listener"],
            registry=r,
        )
        self.overlap = Counter(
            "aiconv_voice_overlap_seconds_total", "Seconds two speakers talked at once.", registry=r
        )
        self.gap = Histogram(
            "aiconv_voice_response_gap_seconds",
            "Silence from the end of one utterance to the start of the next.",
            buckets=GAP_BUCKETS,
            registry=r,
        )
        self.first_audio = Histogram(
            "aiconv_voice_time_to_first_audio_seconds",
            "From the end of listening to the first audio of the answer.",
            ["speaker"],
            buckets=AUDIO_BUCKETS,
            registry=r,
        )

    def heard(self, utterance: Utterance, listener: str, text: str, interrupted: bool) -> None:
        """A listener heard ``utterance`` as ``text`` (cut off if ``interrupted``)."""
        from rapidfuzz.distance import Levenshtein

        said = words(utterance.said)
        self.words.labels(listener).inc(len(said))
        self.word_errors.labels(listener).inc(Levenshtein.distance(said, words(text)))
        if interrupted:
            self.interruptions.labels(listener).inc()

    def spoken(
        self, speaker: str, audio_s: float, gap_s: float | None, waited: float | None
    ) -> None:
        """``speaker`` spoke ``audio_s`` seconds, ``gap_s`` after the previous utterance."""
        self.utterances.labels(speaker).inc()
        self.audio.labels(speaker).inc(audio_s)
        if gap_s is not None:
            self.gap.observe(max(0.0, gap_s))
            self.overlap.inc(max(0.0, -gap_s))
        if waited is not None:
            self.first_audio.labels(speaker).observe(waited)
