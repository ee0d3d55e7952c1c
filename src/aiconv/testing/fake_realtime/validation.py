"""``session.update`` validated the way the real Realtime server does (GA session shape)."""

from __future__ import annotations

import copy
from typing import Any

VOICES = ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar")
FORMATS = ("audio/pcm", "audio/pcmu", "audio/pcma")
DETECTION = ("server_vad", "semantic_vad")

DEFAULT_SESSION: dict[str, Any] = {
    "type": "realtime",
    "object": "realtime.session",
    "model": "gpt-realtime",
    "output_modalities": ["audio"],
    "instructions": "",
    "tools": [],
    "tool_choice": "auto",
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": None,
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 500,
                "create_response": True,
                "interrupt_response": True,
            },
        },
        "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy", "speed": 1.0},
    },
}


class SessionInvalid(Exception):
    """An invalid ``session.update``: ``code``, message and the offending ``param``."""

    def __init__(self, code: str, message: str, param: str) -> None:
        super().__init__(message)
        self.code = code
        self.param = param


def merge_session(current: dict[str, Any], update: object) -> dict[str, Any]:
    """``current`` with ``update`` applied; SessionInvalid naming the first bad field."""
    if not isinstance(update, dict):
        raise SessionInvalid("invalid_type", "Invalid type for 'session'.", "session")
    if update.get("type") != "realtime":
        raise SessionInvalid(
            "missing_required_parameter",
            "Missing required parameter: 'session.type'.",
            "session.type",
        )
    merged = copy.deepcopy(current)
    for key, value in update.items():
        if key == "audio":
            _merge_audio(merged["audio"], value)
        else:
            merged[key] = value
    _check(merged)
    return merged


def _merge_audio(audio: dict[str, Any], update: object) -> None:
    if not isinstance(update, dict):
        raise SessionInvalid("invalid_type", "Invalid type for 'session.audio'.", "session.audio")
    for side in ("input", "output"):
        if isinstance(update.get(side), dict):
            audio[side].update(update[side])


def _check(session: dict[str, Any]) -> None:
    for side in ("input", "output"):
        fmt = session["audio"][side].get("format") or {}
        if fmt.get("type") not in FORMATS or (
            fmt.get("type") == "audio/pcm" and fmt.get("rate", 24000) != 24000
        ):
            raise SessionInvalid(
                "invalid_value",
                f"Invalid value for 'session.audio.{side}.format': {fmt}.",
                f"session.audio.{side}.format",
            )
    if session["audio"]["output"].get("voice") not in VOICES:
        raise SessionInvalid(
            "invalid_value",
            "Invalid value for 'session.audio.output.voice'.",
            "session.audio.output.voice",
        )
    detection = session["audio"]["input"].get("turn_detection")
    if detection is not None and detection.get("type") not in DETECTION:
        raise SessionInvalid(
            "invalid_value",
            "Invalid value for 'session.audio.input.turn_detection.type'.",
            "session.audio.input.turn_detection.type",
        )
    for index, tool in enumerate(session.get("tools") or []):
        if not isinstance(tool, dict) or tool.get("type") != "function" or not tool.get("name"):
            raise SessionInvalid(
                "invalid_value",
                f"Invalid tool at 'session.tools[{index}]'.",
                f"session.tools[{index}]",
            )
