"""The public Python API: run conversations from code the way the CLI does.

A thin layer over ``platform.session`` that resolves agent ids through the registry (keys come
from ``Settings``/``.env`` unless passed explicitly) and streams events to a callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiconv.agents.catalog import default_registry
from aiconv.agents.guarded import Guards
from aiconv.agents.provider import ChatProvider
from aiconv.agents.registry import Registry
from aiconv.agents.toolbox import ToolBox, ToolKit, close_all, open_tools, recorded_reference
from aiconv.errors import ConfigError, MissingExtra
from aiconv.platform import session
from aiconv.platform.codec import Recorded
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ConversationEnded, ParticipantSpec, StopConfig
from aiconv.platform.projections import Summary, summarize, transcript_document
from aiconv.queues.log import ConversationLog
from aiconv.settings import provider_env
from aiconv.voice.ids import check_voice_agents

#: Called with every event of the conversation and the state after it, live.
EventCallback = Callable[[Recorded, ConversationState], None]


@dataclass(frozen=True, slots=True)
class Participant:
    """Who takes part: ``Participant("customer", "claude", persona=...)``.

    ``agent`` is an agent id (``mock``, ``claude``, ``openai:gpt-…``, ``script:path``); pass
    ``provider=`` to bring your own ``ChatProvider`` instead (used as given: wrap it in
    ``aiconv.agents.guarded.Guards().wrap`` for retries and a breaker). ``persona`` is a
    description or any object with a ``describe()`` method (``aiconv.simulation`` personas).
    ``tools`` are tool references (a Python file or module, ``mcp:stdio:COMMAND``,
    ``mcp:http://…``), recorded with the conversation, or ``ToolBox`` objects (this process
    only: they cannot be recorded).
    """

    name: str
    agent: str = "mock"
    model: str | None = None
    persona: Any = None
    system: str | None = None
    role: str | None = None
    base_url: str | None = None
    provider: ChatProvider | None = field(default=None, compare=False)
    tools: Sequence[str | ToolBox] = field(default=(), compare=False)

    def persona_text(self) -> str | None:
        """The persona as text."""
        if self.persona is None or isinstance(self.persona, str):
            return self.persona
        describe = getattr(self.persona, "describe", None)
        return str(describe()) if callable(describe) else str(self.persona)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationResult:
    """How a conversation went: its final state, why it ended, and the summary."""

    conversation_id: str
    state: ConversationState
    summary: Summary

    @property
    def ended(self) -> ConversationEnded | None:
        """The end event (None if it has not ended)."""
        return self.state.ended

    def document(self) -> dict[str, Any]:
        """The documented JSON export."""
        return transcript_document(self.state)


#: Breakers and rate limits shared by every conversation this process runs through the API.
_GUARDS = Guards()


async def _tools(
    participants: Sequence[Participant], registry: Registry
) -> tuple[dict[str, ToolBox], list[ToolBox]]:
    """Every participant's tools, and those opened here from references (which the caller
    closes; a ``ToolBox`` passed in stays the caller's). Opened before anything is written, so
    a bad reference fails first."""
    seats: dict[str, ToolBox] = {}
    opened: list[ToolBox] = []
    try:
        for p in participants:
            if not p.tools:
                continue
            if p.provider is None:
                registry.check_tools(registry.resolve(p.agent, model=p.model))
            references = [t for t in p.tools if isinstance(t, str)]
            kit = await open_tools(references)
            opened.append(kit)
            seats[p.name] = ToolKit([*(t for t in p.tools if not isinstance(t, str)), kit])
        return seats, opened
    except BaseException:
        await close_all(opened)
        raise


async def _seats(
    participants: Sequence[Participant],
    registry: Registry,
    env: Mapping[str, str],
    voiced: Mapping[str, ChatProvider],
) -> tuple[list[ParticipantSpec], dict[str, ChatProvider]]:
    specs, providers = [], {}
    for p in participants:
        if p.name in voiced:  # a voice agent: not in the registry, built by the voice layer
            providers[p.name], model = voiced[p.name], voiced[p.name].model
        else:
            spec = registry.resolve(p.agent, model=p.model, base_url=p.base_url)
            if p.provider is None:
                await asyncio.to_thread(registry.preflight, spec)  # e.g. reads a script file
            providers[p.name] = p.provider or _GUARDS.wrap(registry.build(spec, env))
            model = spec.model
        recorded = tuple(recorded_reference(t) for t in p.tools if isinstance(t, str))
        specs.append(
            ParticipantSpec(
                name=p.name,
                agent=p.agent,
                model=model,
                persona=p.persona_text(),
                role=p.role,
                system=p.system,
                base_url=p.base_url,
                tools=recorded,
            )
        )
    return specs, providers


async def run_conversation(
    log: ConversationLog,
    participants: Sequence[Participant],
    topic: str,
    *,
    max_turns: int = 20,
    first: str | None = None,
    stop: StopConfig | None = None,
    seed: int | None = None,
    on_event: EventCallback | None = None,
    metadata: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    registry: Registry | None = None,
    voice: bool = False,
    voice_mode: str = "fast",
    audio_dir: str | os.PathLike[str] | None = None,
) -> ConversationResult:
    """Create a conversation, run every participant in this process until it ends.

    ``voice=True`` makes it a voice conversation: every message is spoken (espeak-ng), heard
    through speech recognition (pocketsphinx) and the listener's model receives what it heard;
    audio goes to ``audio_dir`` (default: next to a SQLite log). ``voice_mode`` is ``fast``
    (simulated timeline) or ``real`` (audio plays out in real time).
    """
    registry = registry or default_registry()
    tools, opened = await _tools(participants, registry)
    try:
        return await _run_with_tools(
            log, participants, topic, registry, (tools, env, voice, voice_mode, audio_dir),
            max_turns=max_turns, first=first, stop=stop, seed=seed, on_event=on_event,
            metadata=metadata,
        )  # fmt: skip
    finally:
        await close_all(opened)


async def _run_with_tools(
    log: ConversationLog,
    participants: Sequence[Participant],
    topic: str,
    registry: Registry,
    options: tuple[dict[str, ToolBox], Mapping[str, str] | None, bool, str, Any],
    *,
    max_turns: int,
    first: str | None,
    stop: StopConfig | None,
    seed: int | None,
    on_event: EventCallback | None,
    metadata: Mapping[str, object] | None,
) -> ConversationResult:
    tools, env, voice, voice_mode, audio_dir = options
    env = provider_env() if env is None else env
    agents = [(p.name, p.agent if p.provider is None else "") for p in participants]
    check_voice_agents(agents, voice=voice, first=first)
    kit = _voice_kit(log, participants, voice_mode, audio_dir, env) if voice else None
    voiced = kit[0].layer.voice_agents if kit else {}
    specs, providers = await _seats(participants, registry, env, voiced)
    if kit is not None:
        metadata = {**(metadata or {}), "voice": kit[1].as_metadata()}
    conductor = Conductor(log, turn_hook=kit[0].layer if kit else None)
    try:
        if voiced:  # a refused session fails here, before the conversation exists
            opening = stop or StopConfig(max_turns=max_turns)
            await _open_voice_sessions(voiced, specs, providers, topic, opening)
        return await _run(
            conductor, specs, (providers, tools), topic, max_turns, first, stop, seed, on_event,
            metadata,
        )  # fmt: skip
    finally:
        if kit is not None:
            await kit[0].recognizer.close()


async def _open_voice_sessions(
    voiced: Mapping[str, Any],
    specs: list[ParticipantSpec],
    providers: Mapping[str, ChatProvider],
    topic: str,
    stop: StopConfig,
) -> None:
    """Open the voice agents' sessions; on a refusal, close every provider and raise."""
    from aiconv.voice.participants import open_sessions

    try:
        await open_sessions(voiced, specs, topic=topic, stop=stop)
    except BaseException:
        for provider in providers.values():
            await provider.aclose()
        raise


def _voice_kit(
    log: ConversationLog,
    participants: Sequence[Participant],
    mode: str,
    audio_dir: str | os.PathLike[str] | None,
    env: Mapping[str, str],
) -> tuple[Any, Any]:
    """The voice layer and its settings (imported here: voice is an optional extra)."""
    try:
        from aiconv.voice.config import configure
        from aiconv.voice.kit import VoiceKit
        from aiconv.voice.participants import voice_providers
    except ImportError as exc:
        raise MissingExtra("voice needs the voice extra: pip install 'aiconv[voice]'") from exc
    try:
        config = configure([(p.name, p.persona) for p in participants], mode)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    agents = [(p.name, p.agent, p.base_url) for p in participants if p.provider is None]
    return VoiceKit.open(log, audio_dir, voice_agents=voice_providers(agents, env)), config


async def _run(
    conductor: Conductor,
    specs: list[ParticipantSpec],
    seats: tuple[dict[str, ChatProvider], dict[str, ToolBox]],
    topic: str,
    max_turns: int,
    first: str | None,
    stop: StopConfig | None,
    seed: int | None,
    on_event: EventCallback | None,
    metadata: Mapping[str, object] | None,
) -> ConversationResult:
    log = conductor.log
    providers, tools = seats
    state = await session.create(
        conductor,
        topic=topic,
        participants=specs,
        first=first,
        stop=stop or StopConfig(max_turns=max_turns),
        seed=seed,
        metadata=metadata,
    )
    cid = state.conversation_id
    watcher = asyncio.create_task(_watch(log, cid, on_event)) if on_event else None
    try:
        final = await session.play_all(conductor, cid, providers, tools=tools)
    finally:
        if watcher is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(watcher, timeout=5)
        for provider in providers.values():
            await provider.aclose()
    return ConversationResult(conversation_id=cid, state=final, summary=summarize(final))


async def _watch(log: ConversationLog, cid: str, on_event: EventCallback) -> None:
    async for recorded, state in session.follow(log, cid):
        on_event(recorded, state)
