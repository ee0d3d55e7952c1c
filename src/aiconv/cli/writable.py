"""Output paths checked before any work: a file or folder a command will write must be
creatable, so a run of minutes never ends in a traceback, and a refused command writes nothing.

The check creates and removes a probe file in the nearest existing folder (``os.access`` says
yes for root even where nothing can be created, e.g. under ``/proc``).
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from aiconv.errors import ConfigError


def check_writable(path: Path, flag: str = "--output") -> None:
    """ConfigError unless a file can be created at ``path``."""
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        _probe(path.parent)
    except OSError as exc:
        raise ConfigError(f"cannot write {flag} {path}: {exc.strerror or exc}") from exc


def check_writable_dir(path: Path, flag: str = "--out-dir") -> None:
    """ConfigError unless ``path`` is, or can be created as, a folder to write files in."""
    try:
        if path.exists() and not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "is not a directory")
        _probe(path)
    except OSError as exc:
        raise ConfigError(f"cannot write {flag} {path}: {exc.strerror or exc}") from exc


def _probe(folder: Path) -> None:
    """Create and remove a file in ``folder`` or, when it does not exist yet, in the nearest
    existing folder above it (an existing file there fails as "not a directory")."""
    while not folder.exists():
        folder = folder.parent
    with tempfile.TemporaryFile(dir=folder):
        pass


#: The files of a SQLite log beside the database itself.
_COMPANIONS = ("-wal", "-shm", "-journal", ".lock")


def check_not_the_log(path: Path, log_url: str, flag: str = "--output") -> None:
    """ConfigError when ``path`` is the SQLite log the command reads, or one of its files
    (``-wal``, ``-shm``, ``-journal``, ``.lock``): ``aic export ID -o runs.db`` replaced the
    log, every conversation in it, with one conversation's transcript."""
    if not log_url.startswith("sqlite:///"):
        return
    log = Path(unquote(urlsplit(log_url).path[1:]))
    for own in (log, *(Path(f"{log}{suffix}") for suffix in _COMPANIONS)):
        same = path.resolve() == own.resolve()
        if same or (path.exists() and own.exists() and os.path.samefile(path, own)):
            raise ConfigError(
                f"{flag} {path} is the log {log} or one of its files: writing there would"
                " destroy it; choose another path"
            )
