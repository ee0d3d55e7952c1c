"""Real audio for the voice tests: espeak-ng speaks, pocketsphinx (in worker processes) listens."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest

from aiconv.voice.stt import PocketsphinxRecognizer
from aiconv.voice.tts import EspeakSynthesizer


@pytest.fixture
def synthesizer() -> EspeakSynthesizer:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/ensure-system-packages.sh installs it)")
    return EspeakSynthesizer()


@pytest.fixture
async def recognizer() -> AsyncIterator[PocketsphinxRecognizer]:
    async with PocketsphinxRecognizer() as listening:
        yield listening
