"""What a flow participant has collected: a pure fold over its ``StageEntered`` and
``FieldsExtracted`` events. The latest accepted value of a field wins; rejected guesses are kept
(with their reasons) for the transcript, the web view and grading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from aiconv.agents.messages import Record
from aiconv.errors import CodecError, ProviderError
from aiconv.platform import codec
from aiconv.platform.flow_events import (
    FLOW_KINDS,
    Extraction,
    FieldsExtracted,
    FlowEvent,
    StageEntered,
)

_NOTHING: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowProgress:
    """Where one flow participant stands: its stage, the stages it went through, and the
    values it accepted (with their confidence)."""

    participant: str
    flow: str = ""
    stage: str | None = None
    stages: tuple[str, ...] = ()
    #: Whether the flow reached a final stage, and the output it rendered there.
    final: bool = False
    output: Mapping[str, Any] = field(default_factory=lambda: _NOTHING)
    values: Mapping[str, Any] = field(default_factory=lambda: _NOTHING)
    confidence: Mapping[str, float] = field(default_factory=lambda: _NOTHING)
    rejected: tuple[Extraction, ...] = ()
    #: What the latest extraction reported (accepted or not): what the flow answers to next.
    latest: tuple[Extraction, ...] = ()
    extractions: int = 0
    failures: int = 0

    def has(self, name: str) -> bool:
        """Whether field ``name`` holds an accepted value."""
        return name in self.values

    def as_json(self) -> dict[str, Any]:
        """The collected data as plain JSON values."""
        return {
            "participant": self.participant,
            "flow": self.flow,
            "stage": self.stage,
            "stages": list(self.stages),
            "complete": self.final,
            "values": dict(self.values),
            "confidence": dict(self.confidence),
            "output": dict(self.output),
            "rejected": [
                {"field": r.name, "value": r.value, "confidence": r.confidence, "note": r.note}
                for r in self.rejected
            ],
        }


def advance(progress: FlowProgress, event: FlowEvent) -> FlowProgress:
    """``progress`` after one of its events."""
    if isinstance(event, StageEntered):
        kept = {k: v for k, v in progress.values.items() if k not in event.cleared}
        sure = {k: v for k, v in progress.confidence.items() if k not in event.cleared}
        return replace(
            progress,
            values=MappingProxyType(kept),
            confidence=MappingProxyType(sure),
            flow=event.flow or progress.flow,
            stage=event.stage,
            stages=(*progress.stages, event.stage),
            final=event.final,
            output=MappingProxyType(dict(event.output)) if event.final else _NOTHING,
        )
    return _extracted(progress, event)


def _extracted(progress: FlowProgress, event: FieldsExtracted) -> FlowProgress:
    values = dict(progress.values)
    confidence = dict(progress.confidence)
    rejected = list(progress.rejected)
    for item in event.extractions:
        if item.accepted:
            values[item.name] = item.value
            confidence[item.name] = item.confidence
        else:
            rejected.append(item)
    return replace(
        progress,
        values=MappingProxyType(values),
        confidence=MappingProxyType(confidence),
        rejected=tuple(rejected),
        latest=event.extractions,
        extractions=progress.extractions + 1,
        failures=progress.failures + (event.error is not None),
    )


def flow_progress(events: Iterable[FlowEvent], participant: str) -> FlowProgress:
    """What ``participant`` collected, from the flow events of a conversation (any order of
    participants; only its own count)."""
    progress = FlowProgress(participant=participant)
    for event in events:
        if event.participant == participant:
            progress = advance(progress, event)
    return progress


def flows_of(events: Iterable[FlowEvent]) -> dict[str, FlowProgress]:
    """Every flow participant's progress, in the order they first recorded something."""
    found: dict[str, FlowProgress] = {}
    for event in events:
        current = found.get(event.participant) or FlowProgress(participant=event.participant)
        found[event.participant] = advance(current, event)
    return found


def records_of(events: Iterable[FlowEvent], participant: str) -> tuple[Record, ...]:
    """``participant``'s own flow events as the records it is handed with a request."""
    return tuple(
        Record(kind=e.KIND, data=codec.body_of(e)) for e in events if e.participant == participant
    )


def events_of(records: Iterable[Record], participant: str) -> list[FlowEvent]:
    """The events a reply's records stand for, recorded as ``participant``'s whoever the
    records name. Only flow events can be recorded this way; anything else is the provider's
    error (``ProviderError``), recorded like any failed call."""
    events: list[FlowEvent] = []
    for record in records:
        if record.kind not in FLOW_KINDS:
            raise ProviderError(f"{participant} cannot record {record.kind!r} events")
        try:
            event = codec.event_from_body(record.kind, {**record.data, "participant": participant})
        except CodecError as exc:
            raise ProviderError(f"{participant} recorded an invalid event: {exc}") from exc
        assert isinstance(event, StageEntered | FieldsExtracted)
        events.append(event)
    return events


def flow_document(conversation_id: str, events: Iterable[FlowEvent]) -> dict[str, Any]:
    """The ``flow-data`` export: every flow participant's collected data and output."""
    return {
        "conversation_id": conversation_id,
        "flows": [p.as_json() for p in flows_of(events).values()],
    }
