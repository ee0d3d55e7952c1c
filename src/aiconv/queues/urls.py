"""Open a conversation log from a URL: ``memory://``, ``sqlite:///…``, a file path, ``redis://…``.

It owns URL parsing and the dispatch by scheme. Openers are ``aiconv.logs`` plugins (entry
points named by their scheme, aiconv's own included: ``memory``, ``sqlite``, ``redis``,
``rediss``), imported the first time a URL of their scheme is opened, so the Redis backend costs
nothing until it is used and a missing ``redis`` extra is a one-line error. It must not know how
a backend works beyond the one opener function per scheme.

Accepted forms:

* ``memory://`` — a fresh in-memory log (one per call; not shared between processes);
* ``sqlite:///runs.db`` — a path relative to the working directory;
  ``sqlite:////var/lib/aiconv/runs.db`` — an absolute path (four slashes, as in SQLAlchemy);
* ``runs.db``, ``./data/runs.db``, ``/abs/runs.db`` — a plain file path means SQLite;
* ``redis://[user:password@]host[:port][/db]`` and ``rediss://…`` (TLS), once the Redis
  backend is installed; a Redis Cluster with ``?cluster=1`` (or detected), several
  ``host:port`` separated by commas (its parameters are checked in ``redis_urls``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Generator
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from aiconv.errors import ConfigError
from aiconv.observability.redaction import redact_url
from aiconv.plugins import PluginGroup
from aiconv.queues.log import OPEN_MODES, ConversationLog, OpenMode
from aiconv.queues.memory import InMemoryLog
from aiconv.queues.sqlite import SqliteLog

#: Opens the log at a URL as a mode allows (see ``OpenMode``).
Opener = Callable[[str, OpenMode], Awaitable[ConversationLog]]

ACCEPTED_FORMS = "memory://, sqlite:///relative.db, sqlite:////absolute.db, a file path, redis://…"


def _opener(scheme: str, declared: object) -> Opener:
    if not callable(declared):
        raise ConfigError(
            f"log plugin {scheme!r} must name an opener function: async (url, mode) -> log"
        )
    return declared  # an entry point's object is untyped: callable is all we can check


#: Log URL schemes -> openers, from the ``aiconv.logs`` entry points.
LOG_PLUGINS: PluginGroup[Opener] = PluginGroup("aiconv.logs", _opener, feature="a {name}:// log")


async def open_memory_log(url: str, mode: OpenMode) -> ConversationLog:
    """The opener of ``memory://``: a fresh in-memory log (in every mode: nothing outlives
    the process)."""
    if url != "memory://":
        raise ConfigError(f"bad memory URL {url!r}: write memory:// (it takes no host or query)")
    return InMemoryLog()


async def open_sqlite_log(url: str, mode: OpenMode) -> ConversationLog:
    """The opener of ``sqlite:///relative.db`` and ``sqlite:////absolute.db``."""
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/") or parts.path == "/":
        raise ConfigError(
            f"bad SQLite URL {redact_url(url)!r}: use sqlite:///relative.db or sqlite:////absolute/path.db"
        )
    if parts.query or parts.fragment:
        unknown = (parts.query or parts.fragment).partition("=")[0]
        raise ConfigError(
            f"bad SQLite URL {redact_url(url)!r}: unknown parameter {unknown!r} (a SQLite log URL"
            " takes none)"
        )
    path = unquote(parts.path[1:])
    if path == ":memory:":
        raise ConfigError("sqlite:///:memory: is not supported: use memory:// for a log in memory")
    return await SqliteLog.open(path, mode=mode)


#: ``redis:host``, ``sqlite:runs.db``, ``foo:bar``: a scheme without ``//`` is a mistyped URL,
#: never a file name (one letter is left for a drive, ``C:``); ``./a:b.db`` is such a file.
_SCHEME_WITHOUT_SLASHES = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")


def _opener_for(url: str) -> Opener:
    if "://" not in url:
        if typo := _SCHEME_WITHOUT_SLASHES.match(url):  # only its scheme is echoed: no password
            raise ConfigError(
                f"cannot parse log URL '{typo.group()}…': use one of {ACCEPTED_FORMS}"
                " (a file whose name has a colon: ./NAME)"
            )
        return lambda path, mode: SqliteLog.open(path, mode=mode)
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError as exc:
        raise ConfigError(
            f"cannot parse log URL {redact_url(url)!r}: use one of {ACCEPTED_FORMS}"
        ) from exc
    if scheme not in LOG_PLUGINS:
        raise ConfigError(f"unsupported log URL {redact_url(url)!r}: use one of {ACCEPTED_FORMS}")
    return LOG_PLUGINS.get(scheme)


async def connect_log(url: str, mode: OpenMode = "create") -> ConversationLog:
    """Open the log at ``url`` as ``mode`` allows; the caller closes it (``await log.close()``).

    ``mode="read"`` (listing, showing, exporting) never creates, upgrades or writes anything: a
    missing SQLite file is ``LogMissing``; ``"existing"`` never creates; ``"create"`` does.
    """
    if mode not in OPEN_MODES:
        raise ValueError(f"open mode {mode!r} is not one of {', '.join(OPEN_MODES)}")
    if not url or not url.strip():
        raise ConfigError(f"empty log URL: use one of {ACCEPTED_FORMS}")
    return await _opener_for(url.strip())(url.strip(), mode)


class LogOpener:
    """What ``open_log`` returns: ``async with`` it (closes on exit) or ``await`` it."""

    def __init__(self, url: str, mode: OpenMode = "create") -> None:
        self.url = url
        self.mode: OpenMode = mode
        self._log: ConversationLog | None = None

    def __await__(self) -> Generator[Any, None, ConversationLog]:
        return connect_log(self.url, self.mode).__await__()

    async def __aenter__(self) -> ConversationLog:
        self._log = await connect_log(self.url, self.mode)
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


def open_log(url: str, mode: OpenMode = "create") -> LogOpener:
    """The log at ``url``: ``async with open_log(url) as log`` or ``log = await open_log(url)``.

    ``mode`` is ``"create"`` (the default), ``"existing"`` or ``"read"`` (see ``connect_log``).

    Raises ``ConfigError`` for an unknown scheme or a malformed URL, naming the accepted forms.
    """
    return LogOpener(url, mode)
