"""A small persistent cache of model answers: one JSON line per answer, keyed by a hash.

The file is read once, on first use; new answers are appended (a line each). File access runs in
a worker thread (``asyncio.to_thread``: there is no async file API in the standard library) so
the event loop never waits on the disk. ``AnswerCache(None)`` keeps answers in memory only.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path


class AnswerCache:
    """Answers by key, kept in ``path`` (JSON lines) when one is given."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._answers: dict[str, str] | None = None
        self._lock = asyncio.Lock()
        self.hits = 0

    async def get(self, key: str) -> str | None:
        """The cached answer for ``key``, if any."""
        answers = await self._loaded()
        found = answers.get(key)
        self.hits += found is not None
        return found

    async def put(self, key: str, answer: str) -> None:
        """Remember ``answer`` under ``key`` (appended to the file)."""
        answers = await self._loaded()
        async with self._lock:
            answers[key] = answer
            if self.path is not None:
                line = json.dumps({"key": key, "answer": answer}, ensure_ascii=False) + "\n"
                await asyncio.to_thread(_append, self.path, line)

    async def _loaded(self) -> dict[str, str]:
        if self._answers is None:
            async with self._lock:
                if self._answers is None:
                    self._answers = await asyncio.to_thread(_read, self.path)
        return self._answers


def _read(path: Path | None) -> dict[str, str]:
    answers: dict[str, str] = {}
    if path is None or not path.exists():
        return answers
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
            answers[str(item["key"])] = str(item["answer"])
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line (a crash mid-write) is only a lost answer
    return answers


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(line)
