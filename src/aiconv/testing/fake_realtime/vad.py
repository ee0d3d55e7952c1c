"""Server-side voice activity detection for the fake Realtime server (energy based, pure).

Like the real ``server_vad``: speech starts when a frame's energy crosses the threshold (the
start is reported ``prefix_padding_ms`` earlier), and stops after ``silence_duration_ms`` of
frames below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FRAME_MS = 20


@dataclass(slots=True, kw_only=True)
class Vad:
    """Feeds on PCM16 mono at ``rate``; reports (kind, ms) for "started" and "stopped"."""

    rate: int = 24_000
    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500
    _pending: bytes = b""
    _frames: int = 0
    _speaking: bool = False
    _quiet_ms: int = 0
    _events: list[tuple[str, int]] = field(default_factory=list)

    @property
    def level(self) -> float:
        """RMS level that counts as speech: the 0–1 threshold scaled onto PCM16."""
        return 200.0 + self.threshold * 1200.0

    def feed(self, pcm: bytes) -> list[tuple[str, int]]:
        """Consume ``pcm``; the speech boundaries it completed, with their times in ms."""
        self._pending += pcm
        size = self.rate * FRAME_MS // 1000 * 2
        events: list[tuple[str, int]] = []
        while len(self._pending) >= size:
            frame, self._pending = self._pending[:size], self._pending[size:]
            samples = np.frombuffer(frame, dtype="<i2").astype(np.float64)
            loud = float(np.sqrt(np.mean(samples**2))) >= self.level
            self._frames += 1
            now = self._frames * FRAME_MS
            if loud and not self._speaking:
                self._speaking, self._quiet_ms = True, 0
                events.append(("started", max(0, now - FRAME_MS - self.prefix_padding_ms)))
            elif self._speaking:
                self._quiet_ms = 0 if loud else self._quiet_ms + FRAME_MS
                if self._quiet_ms >= self.silence_duration_ms:
                    self._speaking = False
                    events.append(("stopped", now - self._quiet_ms))
        return events

    @property
    def elapsed_ms(self) -> int:
        return self._frames * FRAME_MS
