"""A conversation's voice settings, recorded in ``ConversationStarted.metadata["voice"]``.

Any process that serves the conversation (``aic resume``, ``aic join``, a worker) rebuilds the
same voices, paces and barge-in tendencies from the log. The persona sets the pace and the
tendency to interrupt: by its ``name``/``interrupts`` when it is a persona object, or by the
built-in persona named in its text (``hurried``, ``elderly``, ``frustrated``, ``typical``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from aiconv.voice.tts import Voice, voice_for

MODES = ("fast", "real")
#: Chance that a caller with this persona barges in on an answer (as simulation personas say).
INTERRUPTS: dict[str, float] = {
    "frustrated": 0.35,
    "hurried": 0.25,
    "typical": 0.1,
    "elderly": 0.05,
}
_PERSONA_WORD = re.compile(r"\b(" + "|".join(INTERRUPTS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Seat:
    """One participant's voice and tendency to interrupt (0–1)."""

    voice: Voice
    interrupts: float = 0.0
    persona: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceConfig:
    """Voices by participant name; ``mode`` is ``fast`` (simulated timeline) or ``real``."""

    seats: Mapping[str, Seat] = field(default_factory=dict)
    mode: str = "fast"

    def as_metadata(self) -> dict[str, Any]:
        seats = {
            name: {**asdict(seat.voice), "interrupts": seat.interrupts, "persona": seat.persona}
            for name, seat in self.seats.items()
        }
        return {"mode": self.mode, "participants": seats}

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> VoiceConfig | None:
        """The voice settings of a conversation; None when it is not a voice conversation."""
        voice = metadata.get("voice")
        if not isinstance(voice, Mapping):
            return None
        seats = {}
        for name, raw in dict(voice.get("participants") or {}).items():
            spoken = Voice(name=raw["name"], rate_wpm=int(raw["rate_wpm"]), pitch=int(raw["pitch"]))
            seats[name] = Seat(
                voice=spoken,
                interrupts=float(raw.get("interrupts", 0.0)),
                persona=raw.get("persona"),
            )
        return cls(seats=seats, mode=str(voice.get("mode", "fast")))


def persona_name(persona: object) -> str | None:
    """The built-in persona ``persona`` is (an object's ``name`` or a name in its text)."""
    if persona is None:
        return None
    name = getattr(persona, "name", None)
    if isinstance(name, str):
        return name
    found = _PERSONA_WORD.search(str(persona))
    return found.group(1).lower() if found else None


def configure(participants: Sequence[tuple[str, object]], mode: str = "fast") -> VoiceConfig:
    """Voices for ``(name, persona)`` pairs in speaking order; ValueError for a bad mode."""
    if mode not in MODES:
        raise ValueError(f"voice mode must be one of {', '.join(MODES)}, not {mode!r}")
    seats = {}
    for position, (name, persona) in enumerate(participants):
        named = persona_name(persona)
        tendency = getattr(persona, "interrupts", None)
        if not isinstance(tendency, int | float):
            tendency = INTERRUPTS.get(named or "", 0.0)
        seats[name] = Seat(
            voice=voice_for(position, named), interrupts=float(tendency), persona=named
        )
    return VoiceConfig(seats=seats, mode=mode)
