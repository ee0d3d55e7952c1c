"""How ``RedisLog`` talks to Redis: clients, retries until a deadline, and error mapping.

Foreign ``redis`` errors are mapped here (``ConfigError`` for credentials and permissions,
``LogUnavailable`` once the deadline has passed, ``LogError`` otherwise) and never leave the
Redis modules. No knowledge of the key layout beyond the prefix named in messages.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions as rexc
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from aiconv.errors import ConfigError, LogError, LogUnavailable
from aiconv.observability.redaction import redact_url
from aiconv.queues.group_read import Read
from aiconv.queues.redis_packing import pack_with_hiredis
from aiconv.queues.redis_scripts import ACL_RULES, CLUSTER_ACL_RULES
from aiconv.queues.redis_transport import refused_certificate

#: Connections for commands per RedisLog; callers beyond it queue for a free one.
POOL_SIZE = 16
#: How long one XREAD blocks; short, because redis-py can swallow the cancellation of a read
#: cut short by a reconnect, and the reader then only notices ``close`` when the read returns.
BLOCK_MS = 1000


class NotReplicated(rexc.RedisError):
    """An append is on its master but ``WAIT`` did not see enough replicas take it in time:
    its outcome is unknown (a failover may still lose it), so it is retried like a lost reply."""


#: Passing states: retried until the deadline (a failover makes the cluster refuse for a while).
TRANSIENT = (
    rexc.ConnectionError,
    rexc.TimeoutError,
    OSError,
    rexc.ClusterError,
    rexc.TryAgainError,
    rexc.AskError,
    rexc.ReadOnlyError,
    rexc.RedisClusterException,
    NotReplicated,
)


class Calls:
    """Runs operations against one Redis with retries and mapped errors."""

    def __init__(
        self,
        *,
        where: str,
        prefix: str,
        deadline: float,
        clustered: bool = False,
        probe: Callable[[], Awaitable[str | None]] | None = None,
    ) -> None:
        self.where = where
        self.prefix = prefix
        self.deadline = deadline
        self.clustered = clustered
        #: Asked once, at the first failure that would be retried: what to fix when the server
        #: cannot be the one the URL means (``redis_transport.mismatch``), else None.
        self.probe = probe

    @property
    def rules(self) -> str:
        """The ACL rules a user of this log needs (a cluster's client reads its topology)."""
        return f"{ACL_RULES} {CLUSTER_ACL_RULES}" if self.clustered else ACL_RULES

    async def __call__(self, what: str, op: Callable[[], Awaitable[Any]]) -> Any:
        """``op()``, retried with backoff while Redis is unreachable, until the deadline."""
        give_up = time.monotonic() + self.deadline
        delay = 0.02
        while True:
            try:
                return await op()
            except (rexc.RedisError, rexc.RedisClusterException, OSError, AttributeError) as exc:
                if not self._is_transient(exc):
                    if isinstance(exc, AttributeError):
                        raise  # not redis-py's: a bug of ours, as it is
                    raise self._mapped(what, exc) from exc
                if self.probe is not None:
                    probe, self.probe = self.probe, None
                    wrong = await probe()
                    if wrong is not None:
                        raise ConfigError(wrong) from exc
                if time.monotonic() + delay > give_up:
                    raise self._unavailable(what, exc) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    def raise_transient(self, replies: Sequence[object]) -> None:
        """Raise the first reply of a batch that failed transiently: the batch (reads, which
        change nothing) is then retried whole instead of that read failing alone."""
        for reply in replies:
            if isinstance(reply, Exception) and self._is_transient(reply):
                raise reply

    def _is_transient(self, exc: BaseException) -> bool:
        if isinstance(exc, rexc.AuthenticationError | rexc.AuthorizationError):
            return False
        if refused_certificate(exc) is not None:
            return False
        if isinstance(exc, AttributeError):  # redis-py's, on a connection torn down
            return is_a_torn_connection(exc)  # (appends are retried safely: their token)
        if isinstance(exc, rexc.AskError | rexc.ClusterCrossSlotError):
            return self.clustered and isinstance(exc, rexc.AskError)  # else: not a cluster client
        return isinstance(exc, TRANSIENT)

    def _unavailable(self, what: str, exc: BaseException) -> LogUnavailable:
        if isinstance(exc, NotReplicated):
            return LogUnavailable(
                f"Redis at {self.where}: {exc} within {self.deadline:g}s ({what}); its outcome is"
                " unknown: it is on its master, and lost if that master fails before a replica"
                " takes it"
            )
        if isinstance(exc, rexc.BusyLoadingError):  # it answers: "is it running?" misleads
            return LogUnavailable(
                f"Redis at {self.where} was still loading its data ({what}) after"
                f" {self.deadline:g}s: wait until it has loaded, or give the log URL a longer"
                " ?deadline="
            )
        return LogUnavailable(
            f"Redis at {self.where} did not answer ({what}) for {self.deadline:g}s:"
            f" {str(exc).rstrip('.')}. Is redis-server running and the --log-url right?"
        )

    def mapped(self, what: str, exc: BaseException) -> Exception:
        """The ``LogError`` (or ``ConfigError``) that stands for redis-py's ``exc``."""
        return self._mapped(what, exc)

    def _mapped(self, what: str, exc: BaseException) -> Exception:
        refused = refused_certificate(exc)
        if refused is not None:
            return ConfigError(
                f"Redis at {self.where} has a TLS certificate this client does not trust"
                f" ({refused.verify_message}): give its CA as ?ssl_ca_certs=PATH in the log URL"
            )
        if isinstance(exc, rexc.AuthenticationError | rexc.AuthorizationError):
            return ConfigError(
                f"Redis at {self.where} refused the credentials: check user:password in the"
                f" log URL ({exc})"
            )
        if not self.clustered and isinstance(exc, rexc.AskError | rexc.ClusterCrossSlotError):
            return ConfigError(
                f"Redis at {self.where} is a Redis Cluster node ({what} was redirected): add"
                f" ?cluster=1 to the log URL (or let the user run INFO: {CLUSTER_ACL_RULES})"
            )
        if isinstance(exc, rexc.ResponseError) and "SELECT is not allowed in cluster" in str(exc):
            return ConfigError(
                f"Redis at {self.where} is a Redis Cluster node, which has database 0 alone:"
                " drop the database (/N or ?db=N) from the log URL"
            )
        if isinstance(exc, rexc.RedisError) and is_permission(exc):
            return ConfigError(
                f"the Redis user of the log URL may not {what} ({exc}); grant it:"
                f" ACL SETUSER <user> on >password ~{self.prefix}:* &{self.prefix}:*"
                f" {self.rules}"
            )
        return LogError(f"Redis at {self.where} failed ({what}): {exc}")


def clients(url: str, redis_url: str) -> tuple[aioredis.Redis, aioredis.Redis]:
    """A bounded pool for commands and one dedicated connection for blocking reads."""
    kwargs: dict[str, Any] = {"retry": Retry(NoBackoff(), 0), "socket_connect_timeout": 2}
    try:
        pool = aioredis.BlockingConnectionPool.from_url(
            redis_url, max_connections=POOL_SIZE, timeout=10, socket_timeout=10, **kwargs
        )
        watcher = aioredis.from_url(
            redis_url,
            single_connection_client=True,
            socket_timeout=BLOCK_MS / 1000 + 5,
            **kwargs,
        )
    except ValueError as exc:
        raise ConfigError(f"bad Redis URL {redact_url(url)!r}: {exc}") from exc
    pack_with_hiredis(pool)
    return aioredis.Redis.from_pool(pool), watcher


async def is_a_cluster(client: aioredis.Redis, call: Calls) -> bool:
    """Whether the Redis behind ``client`` is a Redis Cluster node: ``cluster_enabled:1``, or,
    for a user who may not run INFO, a read of two keys of different slots refused with
    ``CROSSSLOT``. (Left undetected, a node holding the single layout's keys answered every
    read as an empty log: ``aic ls`` listed nothing and ``aic worker`` served nothing.)"""

    async def detect() -> bool:
        try:
            found: dict[str, object] = await client.info("cluster")
        except rexc.NoPermissionError:
            return await _refuses_cross_slot(client, call.prefix)
        return str(found.get("cluster_enabled", 0)) == "1"

    found: bool = await call("connect", detect)
    return found


async def require_replicas(client: aioredis.Redis, call: Calls, wanted: int) -> None:
    """``?min_replicas=N`` on a Redis with fewer than N connected replicas is a ConfigError:
    no ``WAIT`` could confirm an append, so the first one ended after the deadline with its
    outcome unknown, its conversation left active. (A user who may not run INFO is not
    checked: appends say it then.)"""
    if not wanted:
        return

    async def replicas() -> int | None:
        try:
            info: dict[str, object] = await client.info("replication")
        except rexc.NoPermissionError:
            return None
        return int(str(info.get("connected_slaves", 0)))

    have = await call("connect", replicas)
    if have is not None and have < wanted:
        raise ConfigError(
            f"Redis at {call.where} has {have} connected replica(s), fewer than"
            f" ?min_replicas={wanted}, so no append could be confirmed: attach a replica"
            " (replicaof) or lower min_replicas"
        )


async def _refuses_cross_slot(client: aioredis.Redis, prefix: str) -> bool:
    """``EXISTS`` of two keys under ``prefix`` (which the user may read) in different slots."""
    try:
        await client.exists(f"{prefix}:{{a}}", f"{prefix}:{{b}}")  # slots 15495 and 3300
    except rexc.ClusterCrossSlotError:
        return True
    except rexc.NoPermissionError:
        return False  # nothing tells: a redirect will (Calls._mapped)
    return False


async def pipelined(
    client: aioredis.Redis, call: Calls, what: str, batch: Sequence[Read]
) -> list[object]:
    """Every read of ``batch`` in one pipeline, retried whole by ``call`` (reads change
    nothing); a read that failed alone gets its mapped error as its result. A batch of one
    (an idle process) is sent as a plain command: a pipeline costs ~60 µs more CPU."""
    if len(batch) == 1:
        only = batch[0]
        command = getattr(client, only.command)
        return [await call(what, lambda: command(*only.args))]

    async def run() -> list[object]:
        pipe = client.pipeline(transaction=False)
        for read in batch:
            getattr(pipe, read.command)(*read.args)
        results: list[object] = await pipe.execute(raise_on_error=False)
        call.raise_transient(results)
        return results

    results: list[object] = await call(what, run)
    return [call.mapped(what, r) if isinstance(r, rexc.RedisError) else r for r in results]


def is_a_torn_connection(exc: AttributeError) -> bool:
    """redis-py (8.x) raises AttributeError when a connection is torn down under a command
    during a cluster failover (``_writer`` is None): a lost connection, not a bug of ours."""
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and "/redis/" in frame.tb_frame.f_code.co_filename


def is_permission(exc: rexc.RedisError) -> bool:
    """NOPERM, including a command refused inside the append script."""
    text = str(exc)
    return (
        isinstance(exc, rexc.NoPermissionError)
        or "no permissions" in text
        or ("can't run this command" in text)
    )
