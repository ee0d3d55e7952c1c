"""Wiring for the CLI: settings -> registry -> providers, the log, signal handling.

The only place (with ``main``) that reads ``Settings`` and composes the parts.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import click

from aiconv.agents.catalog import default_registry
from aiconv.agents.guarded import GuardConfig, GuardObserver, Guards
from aiconv.agents.provider import ChatProvider
from aiconv.agents.registry import AgentSpec, Registry
from aiconv.agents.toolbox import recorded_reference
from aiconv.cli.options import REDIS_PREFIX_META
from aiconv.errors import ConfigError
from aiconv.observability.redaction import has_credentials, redact_url
from aiconv.platform.events import ParticipantSpec
from aiconv.queues.log import ConversationLog
from aiconv.settings import Settings, provider_env

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentChoice:
    """One ``--agentN`` with its per-participant options."""

    agent: str
    name: str | None = None
    model: str | None = None
    system: str | None = None
    base_url: str | None = None
    persona: str | None = None
    tools: tuple[str, ...] = ()


@dataclass(slots=True, kw_only=True)
class Runtime:
    """What every command needs: settings, vendor variables, the registry, the log URL."""

    settings: Settings
    env: Mapping[str, str]
    registry: Registry
    log_url: str
    #: One set of breakers and rate limiters for every provider this process builds.
    guards: Guards = field(default_factory=Guards)

    @classmethod
    def load(cls, *, log_url: str | None, db: Path | None) -> Runtime:
        """From the environment, ``.env`` and the command-line overrides."""
        settings = Settings()
        if db is not None and log_url is not None:
            raise ConfigError("give either --db or --log-url, not both")
        url = log_url or (f"sqlite:///{db}" if db is not None else settings.default_log_url())
        url = prefixed(url, _redis_prefix() or None)
        guards = Guards(GuardConfig(rpm=settings.rpm, tpm=settings.tpm))
        return cls(
            settings=settings,
            env=provider_env(),
            registry=default_registry(),
            log_url=url,
            guards=guards,
        )

    def observe_guards(self, observer: GuardObserver) -> None:
        """Report retries, attempts and breaker changes of every guarded provider."""
        self.guards.observer = observer

    def provider(self, spec: AgentSpec) -> ChatProvider:
        """A guarded provider for ``spec`` (checks the key first): timeout, retries, breaker,
        rate limit. Offline agents are guarded too, so ``mock:fail=…`` exercises the retries."""
        return self.guards.wrap(self.registry.build(spec, self.env))

    def provider_for(self, participant: ParticipantSpec) -> ChatProvider:
        """A provider for a participant of an existing conversation."""
        spec = self.registry.resolve(
            participant.agent, model=participant.model or None, base_url=participant.base_url
        )
        return self.provider(spec)


def _redis_prefix() -> str | None:
    ctx = click.get_current_context(silent=True)
    return None if ctx is None else ctx.find_root().meta.get(REDIS_PREFIX_META)


def prefixed(url: str, prefix: str | None) -> str:
    """``url`` with the Redis key prefix applied (only Redis URLs have one)."""
    if prefix is None:
        return url
    if not url.startswith(("redis://", "rediss://")):
        raise ConfigError("--redis-prefix only applies to redis:// and rediss:// log URLs")
    from aiconv.queues.redis import with_prefix  # the Redis backend is optional at import time

    return with_prefix(url, prefix)


def check_base_url(url: str) -> None:
    """ConfigError unless ``url`` is an http(s) URL without credentials (they belong in the
    vendor's key variable, never in a URL that is recorded in the conversation)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"base URL {redact_url(url)!r} must look like http://host:port/v1")
    if has_credentials(url):
        raise ConfigError(
            f"base URL {redact_url(url)!r} carries credentials: put the key in the vendor's "
            "API key variable instead (the base URL is recorded with the conversation)"
        )


def default_names(choices: Sequence[AgentChoice]) -> list[str]:
    """Participant names: explicit ones, else the agent alias, made unique with -1, -2 …"""
    bases = [c.name or c.agent.split(":", 1)[0].lower() for c in choices]
    names: list[str] = []
    for index, (choice, base) in enumerate(zip(choices, bases, strict=True)):
        if choice.name is None and bases.count(base) > 1:
            base = f"{base}-{bases[: index + 1].count(base)}"
        names.append(base)
    return names


def plan(
    runtime: Runtime, choices: Sequence[AgentChoice]
) -> tuple[list[ParticipantSpec], dict[str, ChatProvider]]:
    """Resolve and build every agent (before anything is written): specs and providers by name."""
    specs: list[ParticipantSpec] = []
    providers: dict[str, ChatProvider] = {}
    for choice, name in zip(choices, default_names(choices), strict=True):
        if choice.base_url is not None:
            check_base_url(choice.base_url)
        agent = runtime.registry.resolve(choice.agent, model=choice.model, base_url=choice.base_url)
        runtime.registry.preflight(agent)
        if choice.tools:
            runtime.registry.check_tools(agent)
        providers[name] = runtime.provider(agent)
        specs.append(
            ParticipantSpec(
                name=name,
                agent=choice.agent,
                model=agent.model,
                persona=choice.persona,
                system=choice.system,
                base_url=choice.base_url,
                tools=tuple(recorded_reference(t) for t in choice.tools),
            )
        )
    return specs, providers


async def run_interruptibly(work: Callable[[], Awaitable[T]]) -> tuple[T | None, bool]:
    """Run ``work``; SIGINT/SIGTERM cancel it. Returns (result, interrupted)."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work())
    signals = (signal.SIGINT, signal.SIGTERM)

    def cancel_once() -> None:
        # A second Ctrl+C must not cancel the recording of the first one's interruption.
        if not task.cancelling():
            task.cancel()

    for sig in signals:
        loop.add_signal_handler(sig, cancel_once)
    try:
        return await task, False
    except asyncio.CancelledError:
        if task.cancelled():
            return None, True
        raise
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def close_run(log: ConversationLog, providers: Iterable[ChatProvider]) -> None:
    """Release the providers' HTTP clients, then the log (the end of every running command)."""
    for provider in providers:
        await provider.aclose()
    await log.close()
