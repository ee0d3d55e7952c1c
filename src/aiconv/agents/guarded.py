"""``GuardedProvider``: a per-call timeout, retries, a circuit breaker and a rate limiter around
any ``ChatProvider``; ``Guards`` holds one breaker and one limiter per provider name, shared by
every conversation in the process.

A call goes: breaker admits it (or says how long to wait) -> limiter paces it -> the inner
provider answers within the timeout. Retryable failures (timeouts, 408/409/429, 5xx, dropped
connections: adapters set ``retryable``) are retried by ``RetryPolicy`` (tenacity), honouring
``retry_after``; an open breaker is waited out while its cool-down ends before the deadline
(``unavailable_after``), and past that the call fails with ``ProviderUnavailable``. Every error
that leaves carries its ``breaker_state`` and ``attempts`` (fields of ``ProviderError``) for
``AgentFailed``. Hooks
(``GuardObserver``) let metrics attach without editing this module. No vendor knowledge here.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

import tenacity

from aiconv.agents.messages import ChatReply, ChatRequest, request_tokens
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider
from aiconv.errors import ProviderError, ProviderTimeout, ProviderUnavailable
from aiconv.reliability.circuit_breaker import BreakerOpen, BreakerState, CircuitBreaker
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock
from aiconv.reliability.rate_limit import RateLimiter
from aiconv.reliability.retry import RetryPolicy


class GuardObserver(Protocol):
    """Hooks for metrics and logs; every method is called synchronously and must not raise."""

    def on_attempt(self, provider: str, outcome: str, seconds: float) -> None:
        """One call to the inner provider ended: ``ok`` or the error kind (``timeout`` …)."""
        ...

    def on_retry(self, provider: str, reason: str, delay: float) -> None:
        """A retry will follow after ``delay`` seconds because of ``reason`` (an error kind)."""
        ...

    def on_breaker_change(self, provider: str, state: str) -> None:
        """The provider's breaker moved to ``closed``, ``open`` or ``half_open``."""
        ...

    def on_rate_limited(self, provider: str, waited: float) -> None:
        """The client-side limiter held a call back for ``waited`` seconds."""
        ...


class NullGuardObserver(GuardObserver):
    """Ignores everything; subclass it and override only the hooks you need."""

    def on_attempt(self, provider: str, outcome: str, seconds: float) -> None:
        """Ignored."""

    def on_retry(self, provider: str, reason: str, delay: float) -> None:
        """Ignored."""

    def on_breaker_change(self, provider: str, state: str) -> None:
        """Ignored."""

    def on_rate_limited(self, provider: str, waited: float) -> None:
        """Ignored."""


NULL_GUARD_OBSERVER = NullGuardObserver()


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardConfig:
    """Timeout per call, retry policy, breaker thresholds, give-up deadline and default limits.

    Rate limits pace by the event loop's clock (``aiolimiter``), every other wait by ``clock``.
    """

    timeout: float = 90.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    failure_threshold: int = 5
    cooldown: float = 30.0
    unavailable_after: float = 120.0
    rpm: float | None = None
    tpm: float | None = None
    #: The period ``rpm`` and ``tpm`` count over: a minute (shorter in tests).
    rate_period: float = 60.0


class Guards:
    """Per-provider breakers and limiters for one process; ``wrap`` guards a provider."""

    def __init__(
        self,
        config: GuardConfig | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
        observer: GuardObserver = NULL_GUARD_OBSERVER,
        limits: Mapping[str, tuple[float | None, float | None]] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config or GuardConfig()
        self.clock = clock
        self.observer = observer
        self.limits = dict(limits or {})
        self.rng = rng or random.Random()
        self._breakers: dict[str, CircuitBreaker] = {}
        self._limiters: dict[str, RateLimiter] = {}

    def breaker(self, name: str) -> CircuitBreaker:
        """The breaker of provider ``name`` (created on first use)."""
        if name not in self._breakers:
            self._breakers[name] = CircuitBreaker(
                name=name,
                failure_threshold=self.config.failure_threshold,
                cooldown=self.config.cooldown,
                clock=self.clock,
                on_change=self._breaker_hook(name),
            )
        return self._breakers[name]

    def limiter(self, name: str) -> RateLimiter:
        """The limiter of provider ``name``: ``limits[name]`` (rpm, tpm) or the config's."""
        if name not in self._limiters:
            rpm, tpm = self.limits.get(name, (self.config.rpm, self.config.tpm))
            period = self.config.rate_period
            self._limiters[name] = RateLimiter(rpm=rpm, tpm=tpm, period=period)
        return self._limiters[name]

    def wrap(self, provider: ChatProvider) -> GuardedProvider:
        """``provider`` guarded by this process's breaker and limiter for its ``name``."""
        return GuardedProvider(provider, guards=self)

    def _breaker_hook(self, name: str) -> Callable[[BreakerState], None]:
        def changed(state: BreakerState) -> None:
            self.observer.on_breaker_change(name, state)

        return changed


class GuardedProvider(ForwardingProvider):
    """A ``ChatProvider`` that times out, retries, breaks and paces calls to ``inner``."""

    def __init__(self, inner: ChatProvider, *, guards: Guards | None = None) -> None:
        super().__init__(inner)
        self.guards = guards or Guards()
        self.breaker = self.guards.breaker(inner.name)
        self.limiter = self.guards.limiter(inner.name)

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The inner reply, with ``attempts`` and the latency of the successful attempt."""
        call = _Call(self, request, on_delta)
        try:
            # Most calls succeed at once: the first attempt runs on its own, and tenacity (~45 µs
            # a call to set up and step) only takes over after a failure, which it then sees
            # as its own first attempt's: the same retry decision, waits and hooks.
            try:
                return await call.attempt()
            except ProviderError as exc:
                failed: ProviderError | None = exc
            async for attempt in self._retrying(call):
                with attempt:
                    if failed is not None:
                        first, failed = failed, None
                        raise first
                    return await call.attempt()
        except ProviderError as exc:
            final = self._final(call, exc)
            if final is exc:
                raise
            raise final from exc
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def wrap_attempts(self, wrap: Callable[[ChatProvider], ChatProvider]) -> None:
        """Put ``wrap`` around the inner provider, so it sees every attempt on its own (a
        tracing span per attempt: retries are not folded into one)."""
        self.inner = wrap(self.inner)

    def _retrying(self, call: _Call) -> tenacity.AsyncRetrying:
        policy = self.guards.config.retry

        def should_retry(exc: BaseException) -> bool:
            if not isinstance(exc, ProviderError) or not exc.retryable:
                return False
            if isinstance(exc, BreakerOpen):
                wait = exc.retry_after or 0.0
                return self.guards.clock.monotonic() + wait <= call.deadline
            return call.attempts < policy.attempts

        def before_sleep(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            delay = state.upcoming_sleep
            kind = error.kind if isinstance(error, ProviderError) else "error"
            self.guards.observer.on_retry(self.name, kind, delay)

        return policy.retrying(
            retry=should_retry,
            stop=lambda _state: False,  # should_retry decides: attempts and the deadline
            clock=self.guards.clock,
            rng=self.guards.rng,
            before_sleep=before_sleep,
        )

    def _final(self, call: _Call, exc: ProviderError) -> ProviderError:
        """The error that leaves: exhausted retries become ``ProviderUnavailable``."""
        final = exc
        if exc.retryable and not isinstance(exc, ProviderUnavailable):
            final = ProviderUnavailable(
                f"{self.name}: gave up after {call.attempts} attempts: {exc}",
                provider=self.name,
                retryable=False,
                retry_after=exc.retry_after,
                status=exc.status,
                request_id=exc.request_id,
            )
        final.attempts = call.attempts
        final.breaker_state = self.breaker.state
        return final


class _Call:
    """One guarded call: counts attempts and holds its give-up deadline."""

    def __init__(
        self, guarded: GuardedProvider, request: ChatRequest, on_delta: DeltaCallback | None
    ) -> None:
        self.guarded = guarded
        self.request = request
        self.on_delta = on_delta
        self.attempts = 0
        clock = guarded.guards.clock
        self.deadline = clock.monotonic() + guarded.guards.config.unavailable_after

    async def attempt(self) -> ChatReply:
        """One admitted, paced, timed call to the inner provider."""
        g = self.guarded
        g.breaker.before_call()
        try:
            waited = await g.limiter.acquire(request_tokens(self.request))
        except BaseException:
            g.breaker.release()
            raise
        if waited > 0:
            g.guards.observer.on_rate_limited(g.name, waited)
        self.attempts += 1
        started = g.guards.clock.monotonic()
        try:
            reply = await self._timed()
        except ProviderError as exc:
            self._failed(exc, started)
            raise
        except BaseException:
            g.breaker.release()  # cancelled or a bug: neither proves nor disproves health
            raise
        g.breaker.record_success()
        g.limiter.record(reply.usage.output_tokens)
        elapsed = g.guards.clock.monotonic() - started
        g.guards.observer.on_attempt(g.name, "ok", elapsed)
        return replace(reply, attempts=self.attempts, provider=reply.provider or g.name)

    async def _timed(self) -> ChatReply:
        g = self.guarded
        timeout = g.guards.config.timeout
        try:
            async with asyncio.timeout(timeout):
                return await g.inner.complete(self.request, on_delta=self.on_delta)
        except TimeoutError as exc:
            raise ProviderTimeout(
                f"{g.name}: no reply within {timeout:g}s", provider=g.name
            ) from exc

    def _failed(self, exc: ProviderError, started: float) -> None:
        g = self.guarded
        if exc.retryable:
            g.breaker.record_failure()
        else:
            g.breaker.record_success()  # the provider is up; the request itself was wrong
        g.guards.observer.on_attempt(g.name, exc.kind, g.guards.clock.monotonic() - started)
