"""Wiring for the CLI: settings -> registry -> providers, the log URL, signal handling.

``Runtime`` is the one place a command gets its settings, its vendor variables and its
provider registry from; commands never read the environment or build a registry themselves.
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import click
from click.core import ParameterSource

from aiconv.agents.catalog import default_registry
from aiconv.agents.guarded import GuardConfig, GuardObserver, Guards
from aiconv.agents.provider import ChatProvider
from aiconv.agents.registry import AgentSpec, Registry
from aiconv.cli.defaults import sources_of
from aiconv.cli.options import AicOption, command_key
from aiconv.errors import ConfigError
from aiconv.platform.cancellation import cancel_and_wait
from aiconv.platform.events import ParticipantSpec
from aiconv.queues.log import ConversationLog
from aiconv.settings import RateLimits, Settings, default_db_path

T = TypeVar("T")


#: A scheme and a slash: a URL given where a file path belongs (two letters at least, so a
#: drive letter is not one).
_URL_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:/")


@dataclass(frozen=True, slots=True, kw_only=True)
class LogOptions:
    """``--log-url``, ``--db`` and ``--redis-prefix``."""

    log_url: str | None = None
    db: Path | None = None
    redis_prefix: str | None = None
    #: Where ``log_url`` and ``redis_prefix`` came from, for an error that names them.
    url_origin: str = "--log-url"
    prefix_origin: str = "--redis-prefix"

    @classmethod
    def of(cls, kw: Mapping[str, Any]) -> LogOptions:
        """From a command's keyword arguments (the edge where click hands them over). A
        ``--db`` or ``--log-url`` flag wins over the other spelling from the settings."""
        log_url, db = kw["log_url"], kw["db"]
        ctx = click.get_current_context(silent=True)
        if ctx is not None and log_url is not None and db is not None:
            given = {
                n
                for n in ("db", "log_url")
                if ctx.get_parameter_source(n) == ParameterSource.COMMANDLINE
            }
            log_url = None if given == {"db"} else log_url
            db = None if given == {"log_url"} else db
        return cls(
            log_url=log_url,
            db=db,
            redis_prefix=kw["redis_prefix"],
            url_origin=origin_of(ctx, "log_url", "--log-url"),
            prefix_origin=origin_of(ctx, "redis_prefix", "--redis-prefix"),
        )

    def url(self) -> str:
        """The log URL: ``--log-url``, else ``--db``, else the default SQLite file; with the
        Redis key prefix applied."""
        if self.db is not None and self.log_url is not None:
            raise ConfigError("give either --db or --log-url, not both")
        if self.db is not None and _URL_LIKE.match(str(self.db)):  # click made '//' one '/'
            raise ConfigError("--db takes a file path, not a URL: give a URL with --log-url")
        url = self.log_url or f"sqlite:///{self.db or default_db_path()}"
        return prefixed(url, self.redis_prefix, origins=(self.url_origin, self.prefix_origin))


@dataclass(slots=True, kw_only=True)
class Runtime:
    """What every command needs: settings, vendor variables, the registry, the log URL."""

    settings: Settings
    env: Mapping[str, str]
    registry: Registry
    log_url: str
    #: Reads the rate limits when the guards are first needed: only a command that calls a
    #: provider refuses a bad ``AIC_RPM`` (every command did, ``aic ls`` included).
    rate_limits: Callable[[], RateLimits] = RateLimits
    #: Put around each stage agent of a flow after its guard (metrics, spans, logs), once
    #: telemetry is started (``telemetry.start_telemetry``); the flow itself is instrumented
    #: by the command like any provider.
    instrument_part: Callable[[ChatProvider], ChatProvider] | None = None
    _guards: Guards | None = field(default=None, init=False, repr=False)
    _warned: bool = field(default=False, init=False, repr=False)

    @classmethod
    def load(cls, log: LogOptions) -> Runtime:
        """From the settings layers this command loaded and its log options."""
        ctx = click.get_current_context(silent=True)
        sources = sources_of(ctx) if ctx is not None else None
        settings = sources.settings() if sources is not None else Settings()
        return cls(
            settings=settings,
            env=settings.vendor_env,
            registry=default_registry(),
            log_url=log.url(),
            rate_limits=sources.rate_limits if sources is not None else RateLimits,
        )

    @property
    def guards(self) -> Guards:
        """One set of breakers and rate limiters for every provider this process builds (made,
        and the rate limits read, at the first use: a command's telemetry or first provider)."""
        if self._guards is None:
            limits = self.rate_limits()
            self._guards = Guards(GuardConfig(rpm=limits.rpm, tpm=limits.tpm))
        return self._guards

    def check_rate_limits(self) -> None:
        """ConfigError now for a bad rate limit: for a command that calls providers before it
        builds one (a ``--processes`` parent, whose children would each refuse it)."""
        self.rate_limits()

    def observe_guards(self, observer: GuardObserver) -> None:
        """Report retries, attempts and breaker changes of every guarded provider."""
        self.guards.observer = observer

    def provider(self, spec: AgentSpec) -> ChatProvider:
        """A guarded provider for ``spec`` (checks the key first): timeout, retries, breaker,
        rate limit. Offline agents are guarded too, so ``mock:fail=…`` exercises the retries;
        so is each stage agent of a flow."""
        self.warn_broken_plugins()
        return self.guards.wrap(self.registry.build(spec, self.env, wrap=self._part))

    def warn_broken_plugins(self) -> None:
        """A warning line for each provider plugin that failed to load, once: at the first
        provider built (the agents asked for resolved; asking for a broken plugin's is its
        error alone), or when a worker starts serving whatever agents it is sent."""
        if not self._warned:
            self._warned = True
            for why in self.registry.broken.values():
                click.echo(f"warning: {why}", err=True)

    def _part(self, provider: ChatProvider) -> ChatProvider:
        guarded = self.guards.wrap(provider)
        return self.instrument_part(guarded) if self.instrument_part is not None else guarded

    def provider_for(self, participant: ParticipantSpec) -> ChatProvider:
        """A provider for a participant of an existing conversation."""
        spec = self.registry.resolve(
            participant.agent, model=participant.model or None, base_url=participant.base_url
        )
        return self.provider(spec)


def origin_of(ctx: click.Context | None, name: str, flag: str) -> str:
    """Where option ``name`` got its value: its ``flag``, or the variable or config key that
    set it (``AIC_REDIS_PREFIX in the environment (--redis-prefix)``)."""
    if ctx is None or ctx.get_parameter_source(name) is not ParameterSource.DEFAULT_MAP:
        return flag
    option = next((p for p in ctx.command.params if p.name == name), None)
    if not isinstance(option, AicOption):
        return flag
    found = sources_of(ctx).lookup(option.key(command_key(ctx)))
    return flag if found is None else f"{found.origin} ({flag})"


def prefixed(
    url: str, prefix: str | None, *, origins: tuple[str, str] = ("--log-url", "--redis-prefix")
) -> str:
    """``url`` with the Redis key prefix applied (only Redis URLs have one). ConfigError when
    the URL's own ``?prefix=`` is another: which one was meant cannot be told (the flag won,
    silently). ``origins``: where the URL and the prefix came from, for that error."""
    if prefix is None:
        return url
    if not url.startswith(("redis://", "rediss://")):
        raise ConfigError("--redis-prefix only applies to redis:// and rediss:// log URLs")
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    given = next((value for name, value in query if name == "prefix"), prefix)
    if given != prefix:
        url_origin, prefix_origin = origins
        raise ConfigError(
            f"two Redis key prefixes: {prefix!r} from {prefix_origin} and {given!r} from"
            f" ?prefix= in the log URL ({url_origin}): give one, or the same in both"
        )
    from aiconv.queues.redis import with_prefix  # the Redis backend is optional at import time

    return with_prefix(url, prefix)


def default_names(agents: Sequence[str], names: Sequence[str | None]) -> list[str]:
    """Participant names: explicit ones, else the agent alias, made unique with -1, -2 …"""
    bases = [
        name or agent.split(":", 1)[0].lower() for agent, name in zip(agents, names, strict=True)
    ]
    chosen: list[str] = []
    for index, (name, base) in enumerate(zip(names, bases, strict=True)):
        if name is None and bases.count(base) > 1:
            base = f"{base}-{bases[: index + 1].count(base)}"
        chosen.append(base)
    return chosen


async def run_interruptibly(work: Callable[[], Awaitable[T]]) -> tuple[T | None, bool]:
    """Run ``work``; SIGINT/SIGTERM cancel it. Returns (result, interrupted).

    The work is cancelled once, so that it can clean up (record the interruption, close its
    providers); a cancellation it loses (redis-py swallows one while reading a reply, a timeout
    racing it takes it back) is asserted again, as the worker's stop does (``cancellation``),
    so a signal always stops the work instead of letting it run on to its natural end."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work())
    signals = (signal.SIGINT, signal.SIGTERM)
    stopping: list[asyncio.Task[None]] = []

    def interrupt() -> None:
        # A second Ctrl+C must not cancel the recording of the first one's interruption.
        if not stopping and not task.done():
            stopping.append(loop.create_task(cancel_and_wait([task])))

    for sig in signals:
        loop.add_signal_handler(sig, interrupt)
    try:
        return await task, False
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if stopping and task.cancelled() and (current is None or current.cancelling() == 0):
            return None, True
        raise  # cancelled from outside (too), not by a signal alone: not ours to swallow
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        for watch in stopping:
            watch.cancel()
            await asyncio.gather(watch, return_exceptions=True)


async def close_run(log: ConversationLog, providers: Iterable[ChatProvider]) -> None:
    """Release the providers' HTTP clients, then the log (the end of every running command)."""
    for provider in providers:
        await provider.aclose()
    await log.close()
