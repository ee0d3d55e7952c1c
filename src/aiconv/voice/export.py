"""A voice conversation's recording, built from its events and the blob store (``aic export
ID --format recording -o DIR``), and its voice metrics."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from aiconv.errors import ConfigError
from aiconv.platform import session
from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState
from aiconv.platform.projections import summarize
from aiconv.queues.log import ConversationLog
from aiconv.voice.blobs import BlobStore
from aiconv.voice.config import VoiceConfig
from aiconv.voice.projection import utterances_of
from aiconv.voice.recording import Call, write_recording
from aiconv.voice.timeline import VoiceMetrics, measure


def event_record(recorded: Recorded) -> dict[str, Any]:
    """One event as ``session_events.json`` lists it (the JSONL export's shape)."""
    data = json.loads(json.dumps(asdict(recorded.event), default=list))
    return {
        "sequence": recorded.sequence,
        "position": recorded.position,
        "kind": recorded.event.KIND,
        "at": recorded.at,
        "data": data,
    }


def tool_calls(events: list[Recorded]) -> list[dict[str, Any]]:
    """The tool calls made during the call (``Tool*`` events), in order."""
    return [event_record(r) for r in events if r.event.KIND.startswith("Tool")]


def call_of(state: ConversationState, events: list[Recorded]) -> Call:
    """The recording's content; ConfigError when the conversation was not a voice one."""
    assert state.started is not None
    config = VoiceConfig.from_metadata(state.started.metadata)
    utterances = utterances_of(events)
    if config is None or not utterances:
        raise ConfigError(
            f"conversation {state.conversation_id} has no recording: it was not a voice "
            "conversation (start one with --voice)"
        )
    summary = summarize(state)
    seats = config.seats
    participants = [
        {
            "name": p.name,
            "agent": p.agent,
            "model": p.model,
            "persona": p.persona,
            "voice": seats[p.name].voice.label if p.name in seats else None,
        }
        for p in state.participants
    ]
    metadata = {
        "topic": state.started.topic,
        "participants": participants,
        "voice_mode": config.mode,
        "started_at": state.started_at,
        "turns": summary.turns,
        "end_reason": summary.end_reason,
        "end_detail": summary.end_detail,
    }
    return Call(
        conversation_id=state.conversation_id,
        caller=state.participants[0].name,
        utterances=tuple(utterances),
        function_calls=tuple(tool_calls(events)),
        metadata=metadata,
        events=tuple(event_record(r) for r in events),
    )


async def export_recording(
    log: ConversationLog, conversation_id: str, directory: Path, store: BlobStore
) -> list[Path]:
    """Write the recording of ``conversation_id`` into ``directory``; the files written."""
    state, events = await session.load_recorded(log, conversation_id)
    return await write_recording(call_of(state, events), store, directory)


def voice_metrics(events: list[Recorded]) -> VoiceMetrics | None:
    """The voice metrics of a conversation (None when nothing was spoken)."""
    utterances = utterances_of(events)
    return measure(utterances) if utterances else None
