"""One path from options to a running conversation, shared by ``aic-start`` and
``aiconv.run_conversation``: typed participants and options in, providers seated, the
conversation created, every seat played while a follower reports each event.

``seat`` builds providers through a caller-given ``build`` (the CLI's runtime adds guards and
telemetry; the API its shared guards) and remembers which ones it built: ``Seating.aclose``
closes only those, never a provider the caller passed in. Nothing here closes a log.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

from aiconv.agents.provider import ChatProvider
from aiconv.agents.registry import AgentSpec, Registry
from aiconv.agents.toolbox import ToolBox, ToolKit, close_all, open_tools, recorded_reference
from aiconv.errors import ConfigError, UnknownAgent
from aiconv.observability.redaction import has_credentials, redact_url
from aiconv.platform import session
from aiconv.platform.codec import Recorded
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ParticipantSpec, StopConfig
from aiconv.platform.turns import resolve_policy
from aiconv.queues.log import ConversationLog
from aiconv.validation import POSITIVE, POSITIVE_INT, SEED, Bounds, parse_number

#: Called with every event of the conversation and the state after it, live.
EventCallback = Callable[[Recorded, ConversationState], None]
HTTP = ("http", "https")
#: Tool rounds a turn may take, as ``--max-tool-rounds`` and a scenario's ``[limits]`` allow.
TOOL_ROUNDS = Bounds(integer=True, minimum=0, maximum=1000)
#: Builds the provider of an agent spec (guarded, maybe instrumented).
ProviderBuilder = Callable[[AgentSpec], ChatProvider]


@dataclass(frozen=True, slots=True)
class Participant:
    """Who takes part: ``Participant("customer", "claude", persona=...)``.

    ``agent`` is an agent id (``mock``, ``claude``, ``openai:gpt-…``, ``script:path``); pass
    ``provider=`` to bring your own ``ChatProvider`` instead (used as given and never closed
    here: wrap it in ``aiconv.agents.guarded.Guards().wrap`` for retries and a breaker).
    ``persona`` is a description or any object with a ``describe()`` method
    (``aiconv.simulation`` personas). ``tools`` are tool references (a Python file or module,
    ``mcp:stdio:COMMAND``, ``mcp:http://…``), recorded with the conversation, or ``ToolBox``
    objects (this process only: they cannot be recorded, and stay the caller's).
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
class ConversationOptions:
    """How a new conversation runs: topic, first speaker, stop rules, seed, lease, policy."""

    topic: str
    first: str | None = None
    stop: StopConfig = field(default_factory=StopConfig)
    seed: int | None = None
    lease_s: float = 60.0
    turn_policy: str = "round_robin"
    detached: bool = False
    metadata: Mapping[str, object] = field(default_factory=dict)
    #: The new conversation's id; None: a fresh one. Chosen early when voice agents must be told
    #: it as their sessions open, before the conversation is written.
    conversation_id: str | None = None


@dataclass(slots=True, kw_only=True)
class Seating:
    """The participants' specs, providers and tools; ``owned`` and ``opened`` are the providers
    built and the tool sources opened here (closed by ``aclose``; the caller's own stay open)."""

    specs: list[ParticipantSpec] = field(default_factory=list)
    providers: dict[str, ChatProvider] = field(default_factory=dict)
    tools: dict[str, ToolBox] = field(default_factory=dict)
    owned: list[ChatProvider] = field(default_factory=list)
    opened: list[ToolBox] = field(default_factory=list)

    async def aclose(self) -> None:
        """Close the tool sources opened and the providers built by ``seat``."""
        try:
            await close_all(self.opened)
        finally:
            for provider in self.owned:
                await provider.aclose()


def _check_takes_base_url(registry: Registry, spec: AgentSpec, name: str) -> None:
    """ConfigError for a base URL given to an agent that calls no server (the offline ``mock``,
    ``echo`` …): it would be recorded and silently ignored. (``compat`` has no default server
    nor variable: its base URL is how it reaches one.)"""
    vendor = registry.vendor(spec.vendor)
    if spec.base_url and vendor.offline:
        raise ConfigError(f"{name}: agent {spec.agent_id!r} calls no server: drop its base URL")


def check_base_url(url: str, schemes: tuple[str, ...] = HTTP) -> None:
    """ConfigError unless ``url`` is an http(s) URL (or one of ``schemes``) without credentials
    (they belong in the vendor's key variable, never in a URL recorded in the conversation)."""
    parts = _split(url)
    if parts is None or parts.scheme not in schemes or not parts.hostname:
        raise ConfigError(f"base URL {redact_url(url)!r} must look like http://host:port/v1")
    if has_credentials(url):
        raise ConfigError(
            f"base URL {redact_url(url)!r} carries credentials: put the key in the vendor's "
            "API key variable instead (the base URL is recorded with the conversation)"
        )


def _split(url: str) -> SplitResult | None:
    """The parts of ``url``; None for one no client could use (an unclosed IPv6 bracket, a
    port that is not a number or is 0, spaces or control characters)."""
    if any(char.isspace() or ord(char) < 32 for char in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number
    except ValueError:
        return None
    return None if port == 0 else parts  # port 0 reaches nothing


def _resolve_all(
    registry: Registry, participants: Sequence[Participant], prebuilt: Mapping[str, ChatProvider]
) -> None:
    """Every agent id the seating will build, resolved before any is built: an unknown or
    broken one is the error alone, not after another seat's provider was made."""
    for p in participants:
        if prebuilt.get(p.name, p.provider) is None:
            registry.resolve(p.agent, model=p.model, base_url=p.base_url)


async def seat(
    participants: Sequence[Participant],
    *,
    registry: Registry,
    build: ProviderBuilder,
    prebuilt: Mapping[str, ChatProvider] | None = None,
) -> Seating:
    """Resolve, check and build every participant before anything is written.

    ``prebuilt`` are providers the caller built for some names (e.g. voice agents, which no
    registry knows): seated as given and owned by the seating, so closed with it.
    """
    _resolve_all(registry, participants, prebuilt or {})
    seating = Seating(owned=list((prebuilt or {}).values()))
    try:
        for p in participants:
            provider = (prebuilt or {}).get(p.name, p.provider)
            if p.base_url is not None:
                # a voice agent the caller built may speak over ws:// or wss://
                check_base_url(p.base_url, HTTP if provider is None else (*HTTP, "ws", "wss"))
            if provider is None:
                spec = registry.resolve(p.agent, model=p.model, base_url=p.base_url)
                _check_takes_base_url(registry, spec, p.name)
                if p.tools:
                    registry.check_tools(spec)
                # e.g. reads a script file: off the event loop
                await asyncio.to_thread(registry.preflight, spec)
                provider = build(spec)
                seating.owned.append(provider)
                model = spec.model
            else:
                model = _model_of(registry, p, provider)
            seating.providers[p.name] = provider
            seating.specs.append(_spec(p, model))
            await _open_tools(seating, p)
    except BaseException:
        await seating.aclose()
        raise
    return seating


async def _open_tools(seating: Seating, p: Participant) -> None:
    """Open ``p``'s tool references (a bad one fails before anything is written)."""
    if not p.tools:
        return
    kit = await open_tools([t for t in p.tools if isinstance(t, str)])
    seating.opened.append(kit)
    seating.tools[p.name] = ToolKit([*(t for t in p.tools if not isinstance(t, str)), kit])


def _model_of(registry: Registry, p: Participant, provider: ChatProvider) -> str:
    """The model recorded for a provider the caller brought: its agent id's, else its own
    (an agent id no registry knows, such as a voice agent's)."""
    try:
        return registry.resolve(p.agent, model=p.model, base_url=p.base_url).model
    except UnknownAgent:
        return p.model or provider.model


def _spec(p: Participant, model: str) -> ParticipantSpec:
    return ParticipantSpec(
        name=p.name,
        agent=p.agent,
        model=model,
        persona=p.persona_text(),
        role=p.role,
        system=p.system,
        base_url=p.base_url,
        tools=tuple(recorded_reference(t) for t in p.tools if isinstance(t, str)),
    )


def check_options(options: ConversationOptions) -> None:
    """ConfigError for a number no conversation can run with (NaN, infinities, <= 0)."""
    stop = options.stop
    checks: list[tuple[str, object, Bounds]] = [
        ("max_turns", stop.max_turns, POSITIVE_INT),
        ("max_turns_per_participant", stop.max_turns_per_participant, POSITIVE_INT),
        ("max_tokens", stop.max_tokens, POSITIVE_INT),
        ("timeout_s", stop.timeout_s, POSITIVE),
        ("max_cost_usd", stop.max_cost_usd, POSITIVE),
        ("lease_s", options.lease_s, POSITIVE),
        ("seed", options.seed, SEED),
        ("max_tool_rounds", stop.max_tool_rounds, TOOL_ROUNDS),
        ("tool_timeout_s", stop.tool_timeout_s, POSITIVE),
    ]
    for name, value, bounds in checks:
        if value is not None:
            try:
                parse_number(value, bounds)
            except ValueError as exc:
                raise ConfigError(f"{name} {exc}") from None
    if not stop.end_token.strip():
        raise ConfigError("end_token must not be empty")


def check(seating: Seating, options: ConversationOptions) -> None:
    """Everything ``open_conversation`` checks, without writing anything."""
    check_options(options)
    if not options.topic.strip():
        raise ConfigError("the topic must not be empty")
    session.validate_participants(seating.specs, options.first)
    resolve_policy(options.turn_policy)


async def open_conversation(
    conductor: Conductor, seating: Seating, options: ConversationOptions
) -> ConversationState:
    """Check ``seating`` and ``options``, then append ``ConversationStarted``."""
    check(seating, options)
    return await session.create(
        conductor,
        topic=options.topic,
        participants=seating.specs,
        first=options.first,
        stop=options.stop,
        seed=options.seed,
        lease_s=options.lease_s,
        turn_policy=options.turn_policy,
        detached=options.detached,
        metadata=options.metadata,
        conversation_id=options.conversation_id,
    )


async def play(
    conductor: Conductor,
    cid: str,
    seats: Mapping[str, ChatProvider],
    *,
    on_event: EventCallback | None = None,
    after: int = 0,
    tools: Mapping[str, ToolBox] | None = None,
) -> ConversationState:
    """Run ``seats`` until the conversation ends while ``on_event`` hears every event after
    sequence ``after``. A failed or interrupted run stops the follower; after a finished one
    the follower reports every remaining event (it ends with the conversation's end event) and
    a callback's own error is raised then, never from a clean-up."""
    if on_event is None:
        return await session.play_all(conductor, cid, seats, tools=tools)
    follower = asyncio.create_task(_follow(conductor.log, cid, on_event, after))
    try:
        final = await session.play_all(conductor, cid, seats, tools=tools)
    except BaseException:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await follower
        raise
    await follower
    return final


async def _follow(log: ConversationLog, cid: str, on_event: EventCallback, after: int) -> None:
    async for recorded, state in session.follow(log, cid, after=after):
        on_event(recorded, state)
