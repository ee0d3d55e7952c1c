"""PCM16 audio values and WAV bytes (pure, in memory: no file I/O here).

``Audio`` is little-endian signed 16-bit mono at 16 kHz, the one format the voice layer speaks;
anything else (espeak-ng's 22.05 kHz, the Realtime API's 24 kHz, a stereo file) is converted at
the edge with ``resample`` / ``decode_wav``.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

RATE = 16_000
SAMPLE_WIDTH = 2

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True, slots=True)
class Audio:
    """Mono PCM16 samples at ``rate`` Hz."""

    pcm: bytes
    rate: int = RATE

    @property
    def frames(self) -> int:
        return len(self.pcm) // SAMPLE_WIDTH

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate

    def samples(self) -> Samples:
        return np.frombuffer(self.pcm, dtype="<i2").astype(np.int16)

    def cut(self, seconds: float) -> Audio:
        """The first ``seconds`` of this audio (all of it when shorter)."""
        frames = max(0, min(self.frames, round(seconds * self.rate)))
        return Audio(self.pcm[: frames * SAMPLE_WIDTH], self.rate)

    def to_rate(self, rate: int) -> Audio:
        """This audio resampled to ``rate`` Hz."""
        if rate == self.rate:
            return self
        return Audio(resample(self.samples(), self.rate, rate).astype("<i2").tobytes(), rate)


def silence(seconds: float, rate: int = RATE) -> Audio:
    """``seconds`` of digital silence."""
    return Audio(bytes(SAMPLE_WIDTH * max(0, round(seconds * rate))), rate)


def resample(samples: Samples, source: int, target: int) -> Samples:
    """Linear-interpolation resampling (the input is speech already band-limited by its synth)."""
    if source == target or samples.size == 0:
        return samples
    count = max(1, round(samples.size * target / source))
    positions = np.arange(count, dtype=np.float64) * (source / target)
    values = np.interp(positions, np.arange(samples.size, dtype=np.float64), samples)
    return np.clip(np.rint(values), -32768, 32767).astype(np.int16)


def encode_wav(audio: Audio) -> bytes:
    """A RIFF/WAVE file (PCM16 mono) holding ``audio``."""
    return encode_wav_channels([audio.samples()], audio.rate)


def encode_wav_channels(channels: list[Samples], rate: int = RATE) -> bytes:
    """A RIFF/WAVE file with one channel per array (padded with silence to the longest)."""
    length = max((c.size for c in channels), default=0)
    matrix = np.zeros((length, len(channels)), dtype="<i2")
    for index, channel in enumerate(channels):
        matrix[: channel.size, index] = channel
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(rate)
        out.writeframes(matrix.tobytes())
    return buffer.getvalue()


def decode_wav(data: bytes, rate: int = RATE) -> Audio:
    """The PCM16 WAV ``data`` as mono audio at ``rate`` (channels averaged); ValueError if not."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, source = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"not a PCM WAV file: {exc}") from exc
    if width != SAMPLE_WIDTH:
        raise ValueError(f"WAV sample width is {8 * width} bits, PCM16 expected")
    samples = np.frombuffer(raw, dtype="<i2")
    if channels > 1:
        frames = samples[: samples.size - samples.size % channels].reshape(-1, channels)
        samples = frames.mean(axis=1).astype(np.int16)
    return Audio(resample(samples.astype(np.int16), source, rate).astype("<i2").tobytes(), rate)


@dataclass(frozen=True, slots=True)
class Clip:
    """``audio`` placed on a call's timeline at ``start_s`` seconds."""

    start_s: float
    audio: Audio


def lay_out(clips: list[Clip], length_s: float | None = None, rate: int = RATE) -> Samples:
    """One track with every clip at its place (overlapping clips add up, clipped to PCM16)."""
    ends = [c.start_s + c.audio.duration_s for c in clips]
    total = round(max([length_s or 0.0, *ends]) * rate)
    track = np.zeros(total, dtype=np.int32)
    for clip in clips:
        samples = clip.audio.to_rate(rate).samples()
        begin = min(total, round(clip.start_s * rate))
        stop = min(total, begin + samples.size)
        track[begin:stop] += samples[: stop - begin]
    return np.clip(track, -32768, 32767).astype(np.int16)
