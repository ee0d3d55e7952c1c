"""The public Python API: run conversations from code the way the CLI does.

A thin layer over ``aiconv.launch`` (the path ``aic-start`` takes too): agent ids are resolved
through the registry (keys come from the environment and ``.env`` unless passed explicitly),
events stream to a callback. What the caller passes in (the log, its own providers) is the
caller's: it is used, never closed.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiconv.agents.catalog import default_registry
from aiconv.agents.guarded import Guards
from aiconv.agents.provider import ChatProvider
from aiconv.agents.registry import AgentSpec, Registry
from aiconv.errors import ConfigError
from aiconv.extras import require_extra
from aiconv.launch import (
    ConversationOptions,
    EventCallback,
    Participant,
    Seating,
    check,
    open_conversation,
    play,
    seat,
)
from aiconv.platform import session
from aiconv.platform.codec import decode_all
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ConversationEnded, StopConfig
from aiconv.platform.projections import Summary, summarize, transcript_document
from aiconv.queues.log import ConversationLog
from aiconv.settings import provider_env
from aiconv.voice.ids import check_voice_agents

__all__ = ["ConversationResult", "EventCallback", "Participant", "run_conversation"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationResult:
    """How a conversation went: its final state, why it ended, and the summary."""

    conversation_id: str
    state: ConversationState
    summary: Summary
    #: A voice conversation's voice metrics (WER by listener, response gaps, overlap …, as
    #: ``aic-start --json`` has them under ``voice``); None for a text conversation.
    voice: dict[str, Any] | None = None

    @property
    def ended(self) -> ConversationEnded | None:
        """The end event (None if it has not ended)."""
        return self.state.ended

    def document(self) -> dict[str, Any]:
        """The documented JSON export (``aic export --format json``'s)."""
        document = transcript_document(self.state)
        if self.voice is not None:
            document["voice"] = self.voice
        return document


#: Breakers and rate limits shared by every conversation this process runs through the API.
_GUARDS = Guards()


async def run_conversation(
    log: ConversationLog,
    participants: Sequence[Participant],
    topic: str,
    *,
    max_turns: int = 20,
    first: str | None = None,
    stop: StopConfig | None = None,
    seed: int | None = None,
    lease_s: float = 60.0,
    turn_policy: str = "round_robin",
    on_event: EventCallback | None = None,
    metadata: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    registry: Registry | None = None,
    voice: bool = False,
    voice_mode: str = "fast",
    audio_dir: str | os.PathLike[str] | None = None,
) -> ConversationResult:
    """Create a conversation and run every participant in this process until it ends.

    Bad values (NaN or infinite numbers, an empty topic, duplicate names, a base URL with
    credentials …) raise ``ConfigError`` before anything is written. Providers built here from
    agent ids are closed at the end; ``log`` and providers passed in are left open.

    ``voice=True`` makes it a voice conversation: every message is spoken (espeak-ng), heard
    through speech recognition (pocketsphinx) and the listener's model receives what it heard;
    audio goes to ``audio_dir`` (default: next to a SQLite log). ``voice_mode`` is ``fast``
    (simulated timeline) or ``real`` (audio plays out in real time).
    """
    registry = registry or default_registry()
    keys = provider_env() if env is None else env
    agents = [(p.name, p.agent if p.provider is None else "") for p in participants]
    check_voice_agents(agents, voice=voice, first=first)
    kit = _voice_kit(log, participants, voice_mode, audio_dir, keys) if voice else None
    voice_metadata = {"voice": kit[1].as_metadata()} if kit is not None else {}
    options = ConversationOptions(
        topic=topic,
        first=first,
        stop=stop or StopConfig(max_turns=max_turns),
        seed=seed,
        lease_s=lease_s,
        turn_policy=turn_policy,
        metadata={**(metadata or {}), **voice_metadata},
    )
    try:
        seating = await _seat(participants, registry, keys, kit[0] if kit else None)
        try:
            return await _run(log, seating, options, kit[0] if kit else None, on_event)
        finally:
            await seating.aclose()
    finally:
        if kit is not None:
            await kit[0].recognizer.close()


async def _seat(
    participants: Sequence[Participant], registry: Registry, keys: Mapping[str, str], kit: Any
) -> Seating:
    """``launch.seat``, with the voice agents the voice layer built (closed with the others)."""

    def build(spec: AgentSpec) -> ChatProvider:
        return _GUARDS.wrap(registry.build(spec, keys, wrap=_GUARDS.wrap))

    voiced = dict(kit.layer.voice_agents) if kit is not None else {}
    return await seat(participants, registry=registry, build=build, prebuilt=voiced)


async def _run(
    log: ConversationLog,
    seating: Seating,
    options: ConversationOptions,
    kit: Any,
    on_event: EventCallback | None,
) -> ConversationResult:
    conductor = Conductor(log, turn_hook=kit.layer if kit is not None else None)
    if kit is not None and kit.layer.voice_agents:
        from aiconv.voice.participants import open_sessions

        check(seating, options)  # a refused session fails here, before anything is written
        chosen = session.new_conversation_id()  # the agents are told it as they open
        options = dataclasses.replace(options, conversation_id=chosen)
        await open_sessions(
            kit.layer.voice_agents,
            seating.specs,
            topic=options.topic,
            stop=options.stop,
            conversation_id=chosen,
        )
    state = await open_conversation(conductor, seating, options)
    cid = state.conversation_id
    final = await play(conductor, cid, seating.providers, on_event=on_event, tools=seating.tools)
    voice = await _voice_metrics(log, cid) if kit is not None else None
    return ConversationResult(
        conversation_id=cid, state=final, summary=summarize(final), voice=voice
    )


async def _voice_metrics(log: ConversationLog, conversation_id: str) -> dict[str, Any] | None:
    from aiconv.voice.export import voice_metrics

    found = voice_metrics(decode_all(await log.read(conversation_id)))
    return None if found is None else found.as_dict()


def _voice_kit(
    log: ConversationLog,
    participants: Sequence[Participant],
    mode: str,
    audio_dir: str | os.PathLike[str] | None,
    env: Mapping[str, str],
) -> tuple[Any, Any]:
    """The voice layer and its settings (imported here: voice is an optional extra)."""
    require_extra("voice", "voice")
    from aiconv.voice.config import configure
    from aiconv.voice.kit import VoiceKit
    from aiconv.voice.participants import voice_providers

    try:
        config = configure([(p.name, p.persona) for p in participants], mode)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    agents = [(p.name, p.agent, p.base_url) for p in participants if p.provider is None]
    return VoiceKit.open(log, audio_dir, voice_agents=voice_providers(agents, env)), config
