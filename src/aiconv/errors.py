"""The whole exception tree of aiconv, in one place.

Foreign errors (vendor SDKs, ``redis``, ``aiosqlite``) are mapped into this tree by the adapter
that meets them (``raise ... from exc``); nothing above an adapter catches a foreign error.
A normal end of a conversation is a value (``StopReason``), never an exception.

::

    AiconvError
    ├── ConfigError                 bad input from a user or a file; the message says what to fix
    │   ├── UnknownAgent            an agent id that no provider answers to
    │   ├── MissingApiKey           a provider needs a key that is not set
    │   ├── MissingExtra            a feature whose optional dependencies are not installed
    │   ├── ScenarioError           a scenario, persona or script file that does not validate
    │   ├── VoiceUnavailable        voice needs a program or model that is not installed
    │   ├── TranscriptError         a transcript file to import that cannot be read or mapped
    │   └── LogMissing              no log where one must already exist (read-only commands)
    ├── LogError                    the conversation log
    │   ├── SequenceConflict        someone else appended at the expected sequence first
    │   ├── ConversationNotFound    no conversation with that id
    │   ├── ConversationAlreadyEnded  the conversation has ended (e.g. resuming an ended one)
    │   └── LogUnavailable          the backend cannot be reached within its deadline
    ├── CodecError                  an event that cannot be decoded or upcast
    ├── OutputClosed                the reader of stdout went away (``aic start | head -1``)
    └── ProviderError               a model provider failed: ``retryable``, ``retry_after``,
        │                           ``status``, ``request_id``, ``attempts``, ``breaker_state``
        ├── ProviderTimeout         the call exceeded its timeout (retryable)
        ├── RateLimited             429 or a client-side limit (retryable, may carry retry_after)
        ├── ProviderUnavailable     the circuit breaker is open, or retries are exhausted
        ├── MalformedResponse       the vendor's reply could not be read (retryable)
        ├── ProviderRejected        the request itself is wrong (4xx): never retried
        └── CacheMiss               a replayed participant asked what the cache never answered
"""

from __future__ import annotations


class AiconvError(Exception):
    """Base of every error aiconv raises on purpose."""


class ConfigError(AiconvError):
    """Bad input from a user or a file; the message is one line that says what to fix."""


class UnknownAgent(ConfigError):
    """An agent id that no provider answers to."""


class MissingApiKey(ConfigError):
    """A provider needs an API key that is not set; the message names the variable."""


class MissingExtra(ConfigError):
    """A feature needs an optional extra that is not installed; the message names the
    ``pip install`` command."""


class ScenarioError(ConfigError):
    """A scenario, persona or script file that does not validate."""


class VoiceUnavailable(ConfigError):
    """Voice needs a program or model that is not installed; the message names what to install."""


class TranscriptError(ConfigError):
    """A transcript file (or its field mapping) that cannot be read or mapped; names the file."""


class LogMissing(ConfigError):
    """No log at the given path or URL, and the open mode may not create one."""


class LogError(AiconvError):
    """A failure of the conversation log."""


class SequenceConflict(LogError):
    """Another writer appended at the expected sequence first: re-read and re-decide."""

    def __init__(self, conversation_id: str, expected: int, actual: int | None = None) -> None:
        self.conversation_id = conversation_id
        self.expected = expected
        self.actual = actual
        seen = "" if actual is None else f", log is at {actual}"
        super().__init__(f"conversation {conversation_id}: expected sequence {expected}{seen}")


class LogLostEvents(LogError):
    """The log holds fewer events of a conversation than it had acknowledged to this process:
    its storage lost confirmed writes (Redis killed without ``appendfsync always``, a Redis
    Cluster failover without ``?min_replicas``). Said, never waited out: what this process
    knows can no longer be continued, and the log decides what happened."""

    def __init__(self, conversation_id: str, acknowledged: int, actual: int) -> None:
        self.conversation_id = conversation_id
        self.acknowledged = acknowledged
        self.actual = actual
        super().__init__(
            f"conversation {conversation_id}: the log lost events it had acknowledged (it is at"
            f" sequence {actual}, this process saw {acknowledged}); run Redis with appendfsync"
            " always, or a Cluster with ?min_replicas=1, to keep them. The conversation goes"
            " on from what the log holds when a process serves it again (aic resume, aic join,"
            " aic worker)"
        )


class ConversationNotFound(LogError):
    """No conversation with that id."""

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        super().__init__(f"no conversation with id {conversation_id!r} (see `aic ls`)")


class ConversationAlreadyEnded(LogError):
    """The conversation has ended and cannot take this action (e.g. resuming it)."""


class LogUnavailable(LogError):
    """The log backend could not be reached within its deadline."""


class OutputClosed(AiconvError):
    """The reader of the command's output went away (``| head``): the command stops, its
    ``finally`` blocks run (a conversation records ``interrupted``), and it exits quietly."""


class CodecError(AiconvError):
    """An event that cannot be decoded or upcast to the current schema."""


class ProviderError(AiconvError):
    """A model provider failed.

    ``retryable`` says whether the same request may succeed later; ``retry_after`` is the
    server's hint in seconds, when it gave one; ``status`` is the HTTP status and ``request_id``
    the vendor's id of the request, when there were any. ``attempts`` (calls made, retries
    included) and ``breaker_state`` (the provider's circuit breaker when the error left) are set
    by ``aiconv.agents.guarded.GuardedProvider`` and recorded in ``AgentFailed``.
    """

    kind = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        retryable: bool = False,
        retry_after: float | None = None,
        status: int | None = None,
        request_id: str | None = None,
        attempts: int = 1,
        breaker_state: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status
        self.request_id = request_id
        self.attempts = attempts
        self.breaker_state = breaker_state


class ProviderTimeout(ProviderError):
    """The call exceeded its timeout."""

    kind = "timeout"

    def __init__(self, message: str, *, provider: str = "") -> None:
        super().__init__(message, provider=provider, retryable=True)


class RateLimited(ProviderError):
    """The provider (429) or the client-side limiter refused the call for now."""

    kind = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        retry_after: float | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            message,
            provider=provider,
            retryable=True,
            retry_after=retry_after,
            status=429,
            request_id=request_id,
        )


class ProviderUnavailable(ProviderError):
    """The circuit breaker is open past its deadline, or retries are exhausted."""

    kind = "unavailable"


class MalformedResponse(ProviderError):
    """The vendor answered something its SDK (or the adapter) could not read: a broken body, a
    stream cut short or out of order. Retrying is safe: a chat request has no side effects."""

    kind = "malformed_response"

    def __init__(self, message: str, *, provider: str = "", request_id: str | None = None) -> None:
        super().__init__(message, provider=provider, retryable=True, request_id=request_id)


class ProviderRejected(ProviderError):
    """The provider rejected the request itself (a 4xx other than 408/409/429)."""

    kind = "rejected"


class CacheMiss(ProviderError):
    """A participant in cache mode ``replay`` asked something the response cache has no reply
    for (its conversation diverged from the recorded one): never retried."""

    kind = "cache_miss"
