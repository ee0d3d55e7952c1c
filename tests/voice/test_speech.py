"""Text-to-speech and recognition with real audio: espeak-ng in, pocketsphinx out."""

from __future__ import annotations

import asyncio
import time

import pytest

from aiconv.errors import VoiceUnavailable
from aiconv.voice.audio import RATE, decode_wav, encode_wav
from aiconv.voice.stt import PocketsphinxRecognizer
from aiconv.voice.tts import EspeakSynthesizer, Voice, require_espeak, speakable, voice_for
from aiconv.voice.wer import word_error_rate

SENTENCE = "Hello, I would like to check the status of my order please."


async def test_synthesis_gives_16k_mono_pcm16_wav_of_plausible_length(
    synthesizer: EspeakSynthesizer,
) -> None:
    """Ten words at 165 wpm last a few seconds; the WAV header says PCM16, 16 kHz, mono."""
    audio = await synthesizer.synthesize(SENTENCE, voice_for(0))
    data = encode_wav(audio)
    assert data[:4] == b"RIFF" and data[8:16] == b"WAVEfmt "
    assert int.from_bytes(data[22:24], "little") == 1  # channels
    assert int.from_bytes(data[24:28], "little") == RATE
    assert int.from_bytes(data[34:36], "little") == 16  # bits per sample
    assert 2.0 < audio.duration_s < 6.0
    assert decode_wav(data) == audio


async def test_persona_sets_the_pace(synthesizer: EspeakSynthesizer) -> None:
    """A hurried caller says the same sentence faster than a typical one, an elderly slower."""
    hurried = await synthesizer.synthesize(SENTENCE, voice_for(0, "hurried"))
    typical = await synthesizer.synthesize(SENTENCE, voice_for(0, "typical"))
    elderly = await synthesizer.synthesize(SENTENCE, voice_for(0, "elderly"))
    assert hurried.duration_s < typical.duration_s < elderly.duration_s


async def test_participants_get_different_voices(synthesizer: EspeakSynthesizer) -> None:
    first, second = voice_for(0), voice_for(1)
    assert first.name != second.name
    one = await synthesizer.synthesize(SENTENCE, first)
    two = await synthesizer.synthesize(SENTENCE, second)
    assert one.pcm != two.pcm


async def test_recognition_hears_most_words(
    synthesizer: EspeakSynthesizer, recognizer: PocketsphinxRecognizer
) -> None:
    """Real recognition of real synthesis: imperfect, but most words come through."""
    audio = await synthesizer.synthesize(SENTENCE, voice_for(0))
    heard = await recognizer.recognize(audio)
    assert "order" in heard.text.split()
    assert 0.0 <= word_error_rate(SENTENCE, heard.text) < 0.6
    assert 0.0 < heard.confidence <= 1.0


async def test_recognition_does_not_block_the_event_loop(
    synthesizer: EspeakSynthesizer, recognizer: PocketsphinxRecognizer
) -> None:
    """While three utterances are decoded, a ticker on the loop keeps ticking: no stall comes
    near the time one decode takes (which it would, were decoding done on the loop)."""
    audio = await synthesizer.synthesize(SENTENCE, Voice(rate_wpm=120))
    await recognizer.recognize(audio)  # the worker is started and its model loaded
    stalls: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.monotonic()
            stalls.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    decodes = []
    for _ in range(3):
        began = time.monotonic()
        await recognizer.recognize(audio)
        decodes.append(time.monotonic() - began)
    done.set()
    await ticker
    assert len(stalls) > 20
    # A busy machine may pause any process briefly; a blocked loop would pause for a decode.
    assert max(stalls) < max(0.25, 0.5 * min(decodes)), (max(stalls), decodes)


async def test_silence_and_empty_text_are_handled(
    synthesizer: EspeakSynthesizer, recognizer: PocketsphinxRecognizer
) -> None:
    assert (await synthesizer.synthesize("  <END> ", voice_for(0))).frames == 0
    heard = await recognizer.recognize(await synthesizer.synthesize("", voice_for(0)))
    assert heard.text == "" and heard.confidence == 0.0


def test_text_is_spoken_without_markup_or_end_token() -> None:
    assert speakable("**Sure** — see [the page](http://x.y)\n<END>") == "Sure — see the page"


def test_missing_espeak_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(VoiceUnavailable, match="apt-get install espeak-ng"):
        require_espeak()


def test_bad_voice_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="espeak-ng voice id"):
        Voice(name="en; rm -rf /")
    with pytest.raises(ValueError, match="rate"):
        Voice(rate_wpm=10)


def test_zero_workers_is_rejected() -> None:
    with pytest.raises(ValueError, match="worker"):
        PocketsphinxRecognizer(workers=0)
