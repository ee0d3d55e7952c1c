"""Speech recognition with pocketsphinx, in worker processes (never on the event loop).

Decoding is CPU-bound (about 0.2× real time here), so it runs in ``python -m
aiconv.voice.sphinx_worker`` subprocesses driven through ``asyncio.create_subprocess_exec``: a
thread would hold the GIL through the decode and stall every coroutine, and a multiprocessing
pool would re-import the caller's ``__main__``. Each worker loads the en-US model once and keeps
its decoder; ``workers`` of them decode in parallel.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from types import TracebackType

from aiconv.errors import VoiceUnavailable
from aiconv.voice.audio import RATE, Audio

INSTALL_HINT = (
    "the speech recognition model is missing: install the voice extra "
    "(`pip install 'aiconv[voice]'`, which brings pocketsphinx and its en-US model)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Heard:
    """What recognition made of an utterance: ``text`` and a ``confidence`` in 0–1."""

    text: str
    confidence: float


def model_path() -> str:
    """The directory of pocketsphinx's en-US model; VoiceUnavailable when it is not installed."""
    try:
        import pocketsphinx
    except ImportError as exc:
        raise VoiceUnavailable(INSTALL_HINT) from exc
    path = os.path.join(pocketsphinx.get_model_path(), "en-us")
    needed = ("en-us", "en-us.lm.bin", "cmudict-en-us.dict")
    if not all(os.path.exists(os.path.join(path, name)) for name in needed):
        raise VoiceUnavailable(INSTALL_HINT)
    return path


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "aiconv.voice.sphinx_worker"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        worker = cls(process)
        if not (await worker._answer()).get("ready"):
            raise VoiceUnavailable(INSTALL_HINT)
        return worker

    async def _answer(self) -> dict[str, object]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            await self.process.wait()
            raise VoiceUnavailable(f"the recognition worker exited ({INSTALL_HINT})")
        answer = json.loads(line)
        assert isinstance(answer, dict)
        return answer

    async def decode(self, pcm: bytes) -> Heard:
        assert self.process.stdin is not None
        self.process.stdin.write(len(pcm).to_bytes(4, "big") + pcm)
        await self.process.stdin.drain()
        answer = await self._answer()
        return Heard(text=str(answer["text"]), confidence=float(str(answer["confidence"])))

    async def stop(self) -> None:
        if self.process.returncode is None and self.process.stdin is not None:
            self.process.stdin.write(bytes(4))
            self.process.stdin.close()
        await self.process.wait()


class PocketsphinxRecognizer:
    """Offline speech recognition (en-US) in ``workers`` processes; use ``async with``."""

    def __init__(self, workers: int = 1) -> None:
        model_path()
        if workers < 1:
            raise ValueError("recognition needs at least one worker process")
        self.workers = workers
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: list[_Worker] = []
        self._starting = asyncio.Lock()

    async def _checkout(self) -> _Worker:
        async with self._starting:
            if self._idle is None:
                self._idle = asyncio.Queue()
                for _ in range(self.workers):
                    worker = await _Worker.start()
                    self._all.append(worker)
                    self._idle.put_nowait(worker)
        return await self._idle.get()

    async def recognize(self, audio: Audio) -> Heard:
        """What a listener makes of ``audio``."""
        if audio.frames == 0:
            return Heard(text="", confidence=0.0)
        worker = await self._checkout()
        try:
            return await worker.decode(audio.to_rate(RATE).pcm)
        finally:
            assert self._idle is not None
            self._idle.put_nowait(worker)

    async def close(self) -> None:
        """Stop the worker processes."""
        workers, self._all, self._idle = self._all, [], None
        for worker in workers:
            await worker.stop()

    async def __aenter__(self) -> PocketsphinxRecognizer:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
