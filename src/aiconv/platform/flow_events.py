"""Events of a stage flow (a participant driven by a flow file): the stage it entered and the
fields it extracted from what it heard, each accepted or rejected by its confidence threshold
(re-exported by ``events.py``). A flow records them with its message, in one atomic append, as
``Record``s of its reply (``record_event`` turns one into its event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class Extraction:
    """One field's extracted value and the extractor's confidence in it (0–1).

    ``accepted`` when the confidence reached the flow's threshold and the value validated
    against the field's schema; otherwise ``note`` says why it was rejected.
    """

    name: str
    value: Any = None
    confidence: float = 0.0
    accepted: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StageEntered:
    """Flow participant ``participant`` (running flow ``flow``) moved to ``stage`` (from
    ``previous``; ``None`` at the start) because ``reason`` (e.g. ``has agent_type, goals,
    tone``). Entering a ``final`` stage carries the flow's ``output``: its result rendered from
    the collected values (for the agent designer, the designed agent's specification);
    ``cleared`` fields lose their values."""

    KIND: ClassVar[str] = "StageEntered"
    SCHEMA_VERSION: ClassVar[int] = 1
    participant: str
    stage: str
    flow: str = ""
    previous: str | None = None
    reason: str = ""
    final: bool = False
    output: dict[str, Any] = field(default_factory=dict)
    #: Fields whose values the transition dropped (e.g. a confirmation, to ask it again).
    cleared: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldsExtracted:
    """What ``participant``'s extractor (agent ``by``) read from the last message, in stage
    ``stage``: one ``Extraction`` per field it reported, judged against ``threshold``.

    ``error`` is set when the extractor's reply could not be used (invalid JSON twice, a
    provider failure): nothing was extracted and the flow asked again.
    """

    KIND: ClassVar[str] = "FieldsExtracted"
    SCHEMA_VERSION: ClassVar[int] = 1
    participant: str
    stage: str
    extractions: tuple[Extraction, ...] = ()
    threshold: float = 0.6
    by: str = ""
    error: str | None = None


FlowEvent = StageEntered | FieldsExtracted
#: The kinds a participant may record with its message (``ChatReply.records``).
FLOW_KINDS = frozenset({StageEntered.KIND, FieldsExtracted.KIND})
