"""Retry with exponential backoff and full jitter, honouring a server's ``retry-after`` (capped).

Built on ``tenacity``: ``RetryPolicy.retrying`` gives an ``AsyncRetrying`` whose wait strategy
prefers ``ProviderError.retry_after`` and whose sleeps go through the injected ``Clock`` (a
``FakeClock`` in tests, so nothing ever waits). Also here, because every HTTP adapter needs
them: parsing a ``retry-after`` header and mapping an HTTP status to the error tree. This module
knows nothing about agents or logs.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass

import tenacity

from aiconv.errors import ProviderError, ProviderRejected, RateLimited
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock

#: Statuses worth another attempt: timeout, conflict, too many requests, and server errors.
RETRYABLE_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """At most ``attempts`` calls; backoff ``base * 2**n`` capped at ``cap``, fully jittered.

    A server's ``retry_after`` hint replaces the backoff, capped at ``max_retry_after``.
    """

    attempts: int = 4
    base: float = 1.0
    cap: float = 30.0
    max_retry_after: float = 60.0

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Full jitter: uniform in ``[0, min(cap, base * 2**(retry_number - 1))]``."""
        ceiling = min(self.cap, self.base * 2 ** max(0, retry_number - 1))
        return rng.uniform(0.0, ceiling)

    def delay(self, retry_number: int, error: BaseException | None, rng: random.Random) -> float:
        """The wait before retry ``retry_number`` (1-based) after ``error``."""
        hint = error.retry_after if isinstance(error, ProviderError) else None
        if hint is not None:
            return max(0.0, min(hint, self.max_retry_after))
        return self.backoff(retry_number, rng)

    def retrying(
        self,
        *,
        retry: Callable[[BaseException], bool],
        stop: Callable[[tenacity.RetryCallState], bool] | None = None,
        clock: Clock = SYSTEM_CLOCK,
        rng: random.Random | None = None,
        before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    ) -> tenacity.AsyncRetrying:
        """A tenacity ``AsyncRetrying`` for this policy (re-raises the last error)."""
        return tenacity.AsyncRetrying(
            sleep=clock.sleep,
            stop=stop or tenacity.stop_after_attempt(self.attempts),
            wait=RetryAfterWait(self, rng or random.Random()),
            retry=tenacity.retry_if_exception(retry),
            before_sleep=before_sleep,
            reraise=True,
        )


class RetryAfterWait(tenacity.wait.wait_base):
    """A tenacity wait strategy: the error's ``retry_after`` if any, else jittered backoff."""

    def __init__(self, policy: RetryPolicy, rng: random.Random) -> None:
        self.policy = policy
        self.rng = rng

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        """Seconds to wait before the next attempt."""
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        return self.policy.delay(retry_state.attempt_number, error, self.rng)


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds from a ``retry-after`` (or ``retry-after-ms``) value: delta-seconds or HTTP-date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def retry_after_from(headers: Callable[[str], str | None], *, now: float) -> float | None:
    """The hint from response headers (``retry-after-ms`` first, then ``retry-after``)."""
    millis = parse_retry_after(headers("retry-after-ms"), now=now)
    if millis is not None:
        return millis / 1000.0
    return parse_retry_after(headers("retry-after"), now=now)


def is_retryable_status(status: int) -> bool:
    """408, 409, 429 and every 5xx; never another 4xx."""
    return status in RETRYABLE_STATUSES or status >= 500


def error_for_status(
    status: int, message: str, *, provider: str, retry_after: float | None = None
) -> ProviderError:
    """The aiconv error for an HTTP error status (``retryable`` and ``retry_after`` set)."""
    text = f"{provider}: HTTP {status}: {message}"
    if status == 429:
        return RateLimited(text, provider=provider, retry_after=retry_after)
    if is_retryable_status(status):
        return ProviderError(
            text, provider=provider, retryable=True, retry_after=retry_after, status=status
        )
    if status in (401, 403):
        text += " (check the API key and its permissions)"
    return ProviderRejected(text, provider=provider, status=status)
