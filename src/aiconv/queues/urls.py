"""Open a conversation log from a URL: ``memory://``, ``sqlite:///…``, a file path, ``redis://…``.

It owns URL parsing and the scheme dispatch table ``_OPENERS``. Backends that live in optional
modules register themselves with ``register_scheme`` when imported (``aiconv.queues.redis``
registers ``redis`` and ``rediss``; it is imported lazily the first time such a URL is opened).
It must not know how a backend works beyond the one opener function per scheme.

Accepted forms:

* ``memory://`` — a fresh in-memory log (one per call; not shared between processes);
* ``sqlite:///runs.db`` — a path relative to the working directory;
  ``sqlite:////var/lib/aiconv/runs.db`` — an absolute path (four slashes, as in SQLAlchemy);
* ``runs.db``, ``./data/runs.db``, ``/abs/runs.db`` — a plain file path means SQLite;
* ``redis://[user:password@]host[:port][/db]`` and ``rediss://…`` (TLS), once the Redis
  backend is installed.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Awaitable, Callable, Generator
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from aiconv.errors import ConfigError
from aiconv.observability.redaction import redact_url
from aiconv.queues.log import ConversationLog
from aiconv.queues.memory import InMemoryLog
from aiconv.queues.sqlite import SqliteLog

Opener = Callable[[str], Awaitable[ConversationLog]]

ACCEPTED_FORMS = "memory://, sqlite:///relative.db, sqlite:////absolute.db, a file path, redis://…"

# Scheme -> opener. Built-ins are registered below; other backends call `register_scheme`.
_OPENERS: dict[str, Opener] = {}
# Schemes whose opener lives in a module imported only when such a URL is first opened.
_LAZY_MODULES: dict[str, str] = {"redis": "aiconv.queues.redis", "rediss": "aiconv.queues.redis"}


def register_scheme(scheme: str, opener: Opener) -> None:
    """Make ``open_log`` hand URLs of ``scheme`` (e.g. ``"redis"``) to ``opener(url)``."""
    _OPENERS[scheme.lower()] = opener


async def _open_memory(url: str) -> ConversationLog:
    return InMemoryLog()


async def _open_sqlite(url: str) -> ConversationLog:
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/") or parts.path == "/":
        raise ConfigError(
            f"bad SQLite URL {redact_url(url)!r}: use sqlite:///relative.db or sqlite:////absolute/path.db"
        )
    path = unquote(parts.path[1:])
    if path == ":memory:":
        raise ConfigError("sqlite:///:memory: is not supported: use memory:// for a log in memory")
    return await SqliteLog.open(path)


register_scheme("memory", _open_memory)
register_scheme("sqlite", _open_sqlite)


def _opener_for(url: str) -> Opener:
    if "://" not in url:
        return lambda path: SqliteLog.open(path)
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError as exc:
        raise ConfigError(
            f"cannot parse log URL {redact_url(url)!r}: use one of {ACCEPTED_FORMS}"
        ) from exc
    if scheme not in _OPENERS and scheme in _LAZY_MODULES:
        module = _LAZY_MODULES[scheme]
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)  # registers its schemes
    opener = _OPENERS.get(scheme)
    if opener is None:
        raise ConfigError(f"unsupported log URL {redact_url(url)!r}: use one of {ACCEPTED_FORMS}")
    return opener


async def connect_log(url: str) -> ConversationLog:
    """Open the log at ``url``; the caller closes it (``await log.close()``)."""
    if not url or not url.strip():
        raise ConfigError(f"empty log URL: use one of {ACCEPTED_FORMS}")
    return await _opener_for(url.strip())(url.strip())


class LogOpener:
    """What ``open_log`` returns: ``async with`` it (closes on exit) or ``await`` it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._log: ConversationLog | None = None

    def __await__(self) -> Generator[Any, None, ConversationLog]:
        return connect_log(self.url).__await__()

    async def __aenter__(self) -> ConversationLog:
        self._log = await connect_log(self.url)
        return self._log

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._log is not None:
            log, self._log = self._log, None
            await log.close()


def open_log(url: str) -> LogOpener:
    """The log at ``url``: ``async with open_log(url) as log`` or ``log = await open_log(url)``.

    Raises ``ConfigError`` for an unknown scheme or a malformed URL, naming the accepted forms.
    """
    return LogOpener(url)
