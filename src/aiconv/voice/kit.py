"""Everything a voice conversation needs in one process: synthesis, recognition, blobs, layer.

``VoiceKit.open`` checks the tools first (espeak-ng and the recognition model: a one-line
``VoiceUnavailable`` naming what to install) and creates nothing on disk until audio is stored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

from prometheus_client import CollectorRegistry

from aiconv.queues.log import ConversationLog
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock
from aiconv.voice.blobs import BlobStore, default_blob_dir
from aiconv.voice.layer import VoiceLayer
from aiconv.voice.participants import VoiceAgentProvider
from aiconv.voice.stt import PocketsphinxRecognizer, model_path
from aiconv.voice.telemetry import VoiceTelemetry
from aiconv.voice.tts import EspeakSynthesizer, require_espeak


def preflight() -> None:
    """VoiceUnavailable (one line, what to install) when espeak-ng or the model is missing."""
    require_espeak()
    model_path()


@dataclass(slots=True)
class VoiceKit:
    """The voice layer and the parts it drives; ``async with VoiceKit.open(log)``."""

    store: BlobStore
    synthesizer: EspeakSynthesizer
    recognizer: PocketsphinxRecognizer
    layer: VoiceLayer

    @classmethod
    def open(
        cls,
        log: ConversationLog,
        blobs: str | os.PathLike[str] | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
        workers: int = 1,
        voice_agents: Mapping[str, VoiceAgentProvider] | None = None,
        registry: CollectorRegistry | None = None,
    ) -> VoiceKit:
        preflight()
        store = BlobStore(blobs if blobs is not None else default_blob_dir(log))
        synthesizer, recognizer = EspeakSynthesizer(), PocketsphinxRecognizer(workers)
        layer = VoiceLayer(
            log,
            store,
            synthesizer=synthesizer,
            recognizer=recognizer,
            clock=clock,
            voice_agents=voice_agents,
            telemetry=VoiceTelemetry(registry) if registry is not None else None,
        )
        return cls(store=store, synthesizer=synthesizer, recognizer=recognizer, layer=layer)

    async def __aenter__(self) -> VoiceKit:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.recognizer.close()
