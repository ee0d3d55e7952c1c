"""Reading a file a user named (a scenario, task, flow, config or mapping file): it must end.

A named pipe that nobody writes to (``mkfifo s.toml``) made every command that read one wait
for ever, and a device that never ends (``/dev/zero``) would fill the memory. Here a pipe is
opened without waiting: one with no writer is an ``OSError`` at once, one with a writer
(``--config <(make-config)``) is read as it comes; whatever is read stops at ``limit`` bytes.
Only reads; callers map the ``OSError`` to their own error, as for any unreadable file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

#: The most a user's file may hold: far more than any scenario, task list or config.
LIMIT = 64 * 1024 * 1024


def read_bytes(path: Path, limit: int = LIMIT) -> bytes:
    """The bytes of ``path``; ``OSError`` for a pipe nobody writes to or more than ``limit``."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        chunks = [_first_chunk(fd, path)] if stat.S_ISFIFO(os.fstat(fd).st_mode) else []
        os.set_blocking(fd, True)
        size = sum(map(len, chunks))
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit / 2**20:g} MB", str(path))
    return data


def read_text(path: Path, limit: int = LIMIT) -> str:
    """The UTF-8 text of ``path`` (``UnicodeDecodeError`` when it is not UTF-8)."""
    return read_bytes(path, limit).decode("utf-8")


def _first_chunk(fd: int, path: Path) -> bytes:
    """What a pipe holds now: empty with no writer is the end (refused: it would be read as an
    empty file, or waited on for ever); nothing yet with a writer waits for the writer."""
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        return b""
    if not chunk:
        raise OSError(errno.ENXIO, "a named pipe that nothing writes to", str(path))
    return chunk
