"""Whether an agent's server on this machine is there, checked before a process takes part.

A local server (Ollama, vLLM, LM Studio on ``localhost``) that is not running refuses a
connection at once, so one connect tells, without sending a request or a key. Remote servers are
not probed: a connect costs a round trip and proves little; their failures are met at the first
call. Nothing here reads the environment: the caller passes the URL, and a URL from a vendor's
variable is checked here for a form a client can use (``check_variable_url``).
"""

from __future__ import annotations

import asyncio
import ipaddress
from urllib.parse import urlsplit

from aiconv.errors import ConfigError, ProviderUnavailable
from aiconv.observability.redaction import redact_url

#: How long a connect to this machine may take before the server counts as not answering.
CONNECT_TIMEOUT_S = 2.0


def local_endpoint(url: str) -> tuple[str, int] | None:
    """(host, port) of ``url`` when it names this machine (``localhost``, a loopback address);
    None for a remote or unreadable URL. A URL without a scheme (``OLLAMA_HOST=host:port``)
    is read as ``http://``."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is no number: the provider's own error says so
        return None
    if host is None or not _is_loopback(host):
        return None
    return host, port or (443 if parts.scheme == "https" else 80)


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def require_local_server(url: str | None, *, who: str, hint: str = "") -> None:
    """ProviderUnavailable when ``url`` is on this machine and nothing accepts a connection
    there; ``who`` names the agent in the message, ``hint`` says how to fix it."""
    endpoint = local_endpoint(url) if url else None
    if endpoint is None:
        return
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            _, writer = await asyncio.open_connection(*endpoint)
    except TimeoutError:
        cause = f"no answer within {CONNECT_TIMEOUT_S:g} s"
    except ConnectionRefusedError:
        cause = "connection refused"
    except OSError as exc:  # e.g. several addresses (::1, 127.0.0.1), each refused
        cause = f"cannot connect: {exc}"
    else:
        writer.close()
        await writer.wait_closed()
        return
    suffix = f"; {hint}" if hint else ""
    shown = redact_url(url or "")  # a vendor's *_BASE_URL variable may carry user:password@
    raise ProviderUnavailable(f"{who}: nothing answers at {shown} ({cause}){suffix}", provider=who)


def check_variable_url(name: str, url: str) -> str:
    """``url`` from the variable ``name``; ConfigError unless a client can use it: http(s), a
    host, a port that is a number other than 0, no spaces or control characters (``ftp://``
    ran a conversation into failures; a port that is no number or an unclosed IPv6 bracket
    was a traceback). ``OLLAMA_HOST`` may leave out the scheme. Credentials are left alone:
    the variable is not recorded with the conversation, and a proxy may need them."""
    text = url.strip() if "://" in url else f"http://{url.strip()}"
    try:
        if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in text):
            raise ValueError
        parts = urlsplit(text)
        if parts.port == 0:  # raises for a port that is not a number
            raise ValueError
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name}={redact_url(url)!r} must look like http://host:port/v1")
    return url
