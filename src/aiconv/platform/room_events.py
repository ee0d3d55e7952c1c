"""Events recorded by the rooms around the core: what was spoken and heard in a voice call, and
where a forked conversation comes from (re-exported by ``events.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiconv.platform.specs import ParticipantSpec, PluginRef, StopConfig


@dataclass(frozen=True, slots=True, kw_only=True)
class UtteranceSpoken:
    """``speaker`` said message ``message_sequence`` aloud: ``voice``, audio in the blob store.

    ``start_s`` is where the audio starts on the conversation's timeline (seconds from its
    start); ``first_audio_s`` is how long the listener waited for the first audio.
    """

    KIND: ClassVar[str] = "UtteranceSpoken"
    SCHEMA_VERSION: ClassVar[int] = 1
    speaker: str
    message_sequence: int
    text: str
    voice: str
    audio_ref: str
    duration_s: float
    start_s: float = 0.0
    first_audio_s: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UtteranceHeard:
    """``listener`` heard message ``message_sequence`` as ``text`` (recognised, ``confidence``).

    ``played_s`` is how much of the audio was heard: less than its duration when the listener
    ``interrupted`` (barged in), and then the rest was never heard.
    """

    KIND: ClassVar[str] = "UtteranceHeard"
    SCHEMA_VERSION: ClassVar[int] = 1
    listener: str
    speaker: str
    message_sequence: int
    text: str
    confidence: float = 1.0
    played_s: float | None = None
    interrupted: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationForked:
    """This conversation continues another one from a point: its events ``1..at_sequence`` are
    copies of ``parent_id``'s, and from here on it runs with the replacements given (the
    parent's participants, stop rules, turn policy, judge and stamp when not). The parent is
    never changed; ``metadata`` replaces the parent's run id and adds what the fork is for.
    """

    KIND: ClassVar[str] = "ConversationForked"
    SCHEMA_VERSION: ClassVar[int] = 1
    parent_id: str
    at_sequence: int
    participants: tuple[ParticipantSpec, ...] = ()
    stop: StopConfig | None = None
    turn_policy: str | None = None
    judge: PluginRef | None = None
    stamp: PluginRef | None = None
    by: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
