"""The utterances of a conversation, projected from its events (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from aiconv.platform.codec import Recorded
from aiconv.platform.events import UtteranceHeard, UtteranceSpoken
from aiconv.voice.timeline import Utterance


def apply(utterances: dict[int, Utterance], recorded: Recorded) -> None:
    """Fold one event into ``utterances`` (by message sequence); other events are ignored."""
    event = recorded.event
    if isinstance(event, UtteranceSpoken):
        utterances[event.message_sequence] = Utterance(
            sequence=event.message_sequence,
            speaker=event.speaker,
            text=event.text,
            voice=event.voice,
            audio_ref=event.audio_ref,
            start_s=event.start_s,
            duration_s=event.duration_s,
            first_audio_s=event.first_audio_s,
        )
    elif isinstance(event, UtteranceHeard):
        spoken = utterances.get(event.message_sequence)
        if spoken is not None and spoken.listener is None:  # the first listener's hearing
            utterances[event.message_sequence] = replace(
                spoken,
                listener=event.listener,
                heard=event.text,
                confidence=event.confidence,
                played_s=event.played_s,
                interrupted_by=event.listener if event.interrupted else None,
            )


def utterances_of(events: Iterable[Recorded]) -> list[Utterance]:
    """Every utterance of a conversation, in message order."""
    found: dict[int, Utterance] = {}
    for recorded in events:
        apply(found, recorded)
    return [found[sequence] for sequence in sorted(found)]
