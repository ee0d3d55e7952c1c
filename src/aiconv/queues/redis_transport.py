"""A log URL whose transport does not match its server's: told from an outage at once.

A ``rediss://`` URL at a plain Redis sends a TLS hello that Redis buffers as the start of an
inline command: nothing comes back, and each connect timed out after 2 s and was retried until
the deadline (30 s) as if Redis were down. A ``redis://`` URL at a TLS-only Redis is reset, and
was retried the same way. After the first failed connect, ``mismatch`` asks the first node once
the other way (a plain ``PING``, or a TLS handshake that checks no certificate) and says which
scheme to use when that one answers. A certificate the client does not trust never passes
either: ``refused_certificate`` finds it in a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from urllib.parse import urlsplit

from aiconv.queues.redis_urls import RedisTarget, address

#: How long the probe waits to connect and for an answer (a server on the network answers a
#: PING or a handshake in milliseconds; a probe that times out decides nothing).
PROBE_S = 1.0
#: Redis answers an inline ``PING`` with ``+PONG``, or with an error (``-NOAUTH …``) when it
#: wants credentials first: either way, the first byte of a RESP reply.
_RESP_FIRST = (b"+", b"-")


async def mismatch(
    target: RedisTarget, timeout: float = PROBE_S, *, what: str = "log URL"
) -> str | None:
    """What to fix when the first node of ``target`` speaks the other transport than its URL
    (plain Redis for ``rediss://``, TLS for ``redis://``), naming the URL as ``what``; None when
    it does not, or does not answer (an outage: the caller retries as before)."""
    host, port = target.nodes[0]
    where = address(host, port)
    if urlsplit(target.url).scheme == "rediss":
        if await _answers_plain_ping(host, port, timeout):
            return (
                f"Redis at {where} does not speak TLS (it answers plain commands): use a"
                f" redis:// {what} for it, or turn TLS on in the server for rediss://"
            )
        return None
    if await _completes_tls_handshake(host, port, timeout):
        return (
            f"Redis at {where} speaks TLS only: use a rediss:// {what} for it (with"
            " ?ssl_ca_certs=PATH when its certificate is signed by a private CA)"
        )
    return None


def refused_certificate(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate check that failed behind ``exc`` (redis-py wraps it), if one did: a
    server this client does not trust is refused the same way on every try."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


async def _answers_plain_ping(host: str, port: int, timeout: float) -> bool:
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(b"PING\r\n")
                first = await reader.read(1)
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    except (OSError, TimeoutError):
        return False
    return first in _RESP_FIRST


async def _completes_tls_handshake(host: str, port: int, timeout: float) -> bool:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only whether it speaks TLS: nothing is sent
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port, ssl=context)
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()
    except (OSError, TimeoutError):  # ssl.SSLError is an OSError
        return False
    return True
