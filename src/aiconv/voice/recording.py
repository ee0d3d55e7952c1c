"""A call's recording in the seed layout: caller, agent and stereo WAVs plus JSON documents.

::

    DIR/caller.wav            the caller's side (PCM16 16 kHz mono), on the call's timeline
    DIR/agent.wav             the other side(s), on the same timeline
    DIR/stereo.wav            caller left, agent right, aligned
    DIR/transcript.json       every utterance: spoken and heard text, times, voice, WER
    DIR/function_calls.json   the tool calls made during the call
    DIR/call_metadata.json    who, when, how long, why it ended, the voice metrics
    DIR/session_events.json   the conversation's events as stored

Everything is built in memory first (a missing audio blob fails before anything is written), then
written to a temporary directory beside ``DIR`` and moved into place file by file.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiconv.voice.audio import Clip, decode_wav, encode_wav_channels, lay_out
from aiconv.voice.blobs import BlobStore
from aiconv.voice.timeline import Utterance, measure
from aiconv.voice.wer import word_error_rate

FILES = (
    "caller.wav",
    "agent.wav",
    "stereo.wav",
    "transcript.json",
    "function_calls.json",
    "call_metadata.json",
    "session_events.json",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """What a recording is made of; ``caller`` names the speaker on the left channel."""

    conversation_id: str
    caller: str
    utterances: tuple[Utterance, ...]
    function_calls: tuple[dict[str, Any], ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    events: tuple[dict[str, Any], ...] = ()


def transcript_entry(utterance: Utterance) -> dict[str, Any]:
    """One utterance as ``transcript.json`` lists it."""
    heard = utterance.heard
    return {
        "sequence": utterance.sequence,
        "speaker": utterance.speaker,
        "voice": utterance.voice,
        "audio": utterance.audio_ref,
        "start_s": round(utterance.start_s, 3),
        "end_s": round(utterance.end_s, 3),
        "duration_s": round(utterance.duration_s, 3),
        "spoken": utterance.text,
        "said": utterance.said,
        "interrupted_by": utterance.interrupted_by,
        "listener": utterance.listener,
        "heard": heard,
        "confidence": utterance.confidence,
        "wer": None if heard is None else round(word_error_rate(utterance.said, heard), 4),
    }


async def render(call: Call, store: BlobStore) -> dict[str, bytes]:
    """The recording's files, by name, as bytes."""
    left: list[Clip] = []
    right: list[Clip] = []
    for utterance in call.utterances:
        if not utterance.audio_ref:
            continue
        audio = decode_wav(await store.get(utterance.audio_ref)).cut(utterance.played)
        (left if utterance.speaker == call.caller else right).append(Clip(utterance.start_s, audio))
    length = max((u.end_s for u in call.utterances), default=0.0)
    caller, agent = lay_out(left, length), lay_out(right, length)
    metrics = measure(call.utterances)
    metadata = {**call.metadata, "conversation_id": call.conversation_id, "caller": call.caller}
    metadata |= {"duration_s": round(length, 3), "voice_metrics": metrics.as_dict()}
    documents: dict[str, Any] = {
        "transcript.json": {"utterances": [transcript_entry(u) for u in call.utterances]},
        "function_calls.json": list(call.function_calls),
        "call_metadata.json": metadata,
        "session_events.json": list(call.events),
    }
    files = {
        "caller.wav": encode_wav_channels([caller]),
        "agent.wav": encode_wav_channels([agent]),
        "stereo.wav": encode_wav_channels([caller, agent]),
    }
    for name, document in documents.items():
        files[name] = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
    return files


async def write_recording(call: Call, store: BlobStore, directory: Path) -> list[Path]:
    """Write the recording of ``call`` into ``directory`` (created); the paths written."""
    files = await render(call, store)
    return await asyncio.to_thread(_write_all, files, directory)  # file I/O off the event loop


def _write_all(files: dict[str, bytes], directory: Path) -> list[Path]:
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        directory.mkdir(exist_ok=True)
        written = []
        for name in files:
            target = directory / name
            (staging / name).replace(target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
