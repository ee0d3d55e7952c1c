"""A content-addressed blob store for audio: a directory of files named by their SHA-256.

Events never hold audio, only a reference (``sha256:<hex>``) into this store. Storing the same
bytes twice stores them once (and marks the blob as used again, which ``prune`` respects). File
I/O runs in a thread (``asyncio.to_thread``): there is no async file API in the standard
library, and a write must not block the event loop. Writes are atomic (temporary file + rename).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs


def default_blob_dir(log: object) -> Path:
    """Audio lives next to a SQLite log (``runs.db`` → ``runs.audio/``), else in the data dir."""
    path = log if isinstance(log, os.PathLike) else getattr(log, "path", None)
    path = path or getattr(getattr(log, "inner", None), "path", None)
    if isinstance(path, str | os.PathLike):
        log_file = Path(path)
        if not log_file.name:  # '.' or '/': a directory, refused when the log opens
            log_file = log_file.resolve()
        if log_file.name:
            return log_file.with_name(log_file.stem + ".audio")
    return Path(platformdirs.user_data_dir("aiconv", appauthor=False)) / "audio"


_REF = re.compile(r"^sha256:([0-9a-f]{64})$")


@dataclass(frozen=True, slots=True, kw_only=True)
class BlobInfo:
    """A stored blob: its reference, size in bytes and last use (POSIX time)."""

    ref: str
    size: int
    used_at: float


def is_ref(value: str) -> bool:
    """Whether ``value`` is a blob reference (``sha256:`` and 64 hex digits)."""
    return _REF.match(value) is not None


class BlobStore:
    """Blobs under ``root`` (created on the first write, never before)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, ref: str) -> Path:
        """Where the blob ``ref`` lives (whether or not it exists); ValueError for a bad ref."""
        match = _REF.match(ref)
        if match is None:
            raise ValueError(f"not a blob reference: {ref!r}")
        digest = match.group(1)
        return self.root / digest[:2] / f"{digest}.wav"

    async def put(self, data: bytes) -> str:
        """Store ``data``; its reference."""
        ref = "sha256:" + hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, self.path(ref), data)
        return ref

    async def get(self, ref: str) -> bytes:
        """The bytes of ``ref``; FileNotFoundError when it is not stored (e.g. pruned)."""
        return await asyncio.to_thread(self.path(ref).read_bytes)

    async def has(self, ref: str) -> bool:
        """Whether ``ref`` is stored."""
        return await asyncio.to_thread(self.path(ref).is_file)

    async def scan(self) -> list[BlobInfo]:
        """Every stored blob."""
        return await asyncio.to_thread(self._scan)

    async def remove(self, refs: list[str]) -> int:
        """Delete ``refs`` (missing ones are skipped); how many bytes were freed."""
        return await asyncio.to_thread(self._remove, refs)

    def _write(self, path: Path, data: bytes) -> None:
        if path.is_file():
            os.utime(path)  # used again: keeps it from being pruned as old
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _scan(self) -> list[BlobInfo]:
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.glob("??/*.wav")):
            stat = path.stat()
            found.append(
                BlobInfo(ref=f"sha256:{path.stem}", size=stat.st_size, used_at=stat.st_mtime)
            )
        return found

    def _remove(self, refs: list[str]) -> int:
        freed = 0
        for ref in refs:
            path = self.path(ref)
            if path.is_file():
                freed += path.stat().st_size
                path.unlink()
        return freed
