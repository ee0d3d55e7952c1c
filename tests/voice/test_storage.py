"""Blob store, word error rate, timeline metrics and the recording layout."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from aiconv.voice.audio import RATE, decode_wav, encode_wav
from aiconv.voice.blobs import BlobStore, is_ref
from aiconv.voice.recording import FILES, Call, write_recording
from aiconv.voice.timeline import Utterance, measure
from aiconv.voice.tts import EspeakSynthesizer, voice_for
from aiconv.voice.wer import pooled_word_error_rate, word_error_rate


async def test_blob_store_is_content_addressed(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    assert await store.scan() == [] and not (tmp_path / "blobs").exists()
    ref = await store.put(b"RIFF-audio")
    assert is_ref(ref) and await store.put(b"RIFF-audio") == ref
    assert await store.get(ref) == b"RIFF-audio"
    other = await store.put(b"other")
    assert {b.ref for b in await store.scan()} == {ref, other}
    assert await store.remove([ref]) == len(b"RIFF-audio")
    assert not await store.has(ref) and await store.has(other)
    with pytest.raises(FileNotFoundError):
        await store.get(ref)
    with pytest.raises(ValueError, match="blob reference"):
        store.path("sha256:../../etc/passwd")


def test_word_error_rate_counts_substitutions_deletions_insertions() -> None:
    assert word_error_rate("Check my order, please!", "check my order please") == 0.0
    assert word_error_rate("check my order please", "check the order") == 0.5
    assert word_error_rate("yes", "yes yes yes") == 2.0
    assert word_error_rate("", "") == 0.0
    assert pooled_word_error_rate([("a b c d", "a b c d"), ("x y", "")]) == pytest.approx(2 / 6)
    assert pooled_word_error_rate([]) is None


def test_metrics_measure_gaps_overlap_and_interruptions() -> None:
    """Caller 0–2 s, agent 2.5–6.5 s cut at 4 s by the caller who starts at 3.6 s."""
    utterances = [
        Utterance(sequence=2, speaker="caller", text="hello there", start_s=0, duration_s=2,
                  listener="agent", heard="hello there"),
        Utterance(sequence=3, speaker="agent", text="how can I help you today friend",
                  start_s=2.5, duration_s=4, played_s=1.5, interrupted_by="caller",
                  listener="caller", heard="how can", first_audio_s=0.4),
        Utterance(sequence=4, speaker="caller", text="my card", start_s=3.6, duration_s=1,
                  listener="agent", heard="my car"),
    ]  # fmt: skip
    metrics = measure(utterances)
    assert metrics.interruptions == 1
    assert metrics.overlap_s == pytest.approx(0.4)
    assert metrics.silence_s == pytest.approx(0.5)
    assert metrics.response_gap_p50_s == pytest.approx(-0.4)
    assert metrics.response_gap_p95_s == pytest.approx(0.5)
    assert metrics.wer == {"agent": 0.25, "caller": pytest.approx(0.3333)}
    assert metrics.time_to_first_audio_s == pytest.approx(0.4)
    assert utterances[1].said == "how can i"


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _channel_energy(path: Path, channel: int, start_s: float, end_s: float) -> float:
    with wave.open(str(path), "rb") as wav:
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        frames = frames.reshape(-1, wav.getnchannels())[:, channel].astype(np.float64)
    window = frames[round(start_s * RATE) : round(end_s * RATE)]
    return float(np.sqrt(np.mean(window**2))) if window.size else 0.0


@pytest.mark.skipif(not Path("/usr/bin/espeak-ng").exists(), reason="espeak-ng missing")
async def test_recording_layout_aligns_caller_left_and_agent_right(tmp_path: Path) -> None:
    synthesizer, store = EspeakSynthesizer(), BlobStore(tmp_path / "blobs")
    hello = await synthesizer.synthesize("Hello, my card was stolen.", voice_for(0))
    answer = await synthesizer.synthesize("I am sorry, I will block it now.", voice_for(1))
    gap = 1.0
    call = Call(
        conversation_id="c1",
        caller="caller",
        utterances=(
            Utterance(
                sequence=2,
                speaker="caller",
                text="Hello, my card was stolen.",
                audio_ref=await store.put(encode_wav(hello)),
                duration_s=hello.duration_s,
                listener="agent",
                heard="hello my card was stolen",
            ),
            Utterance(
                sequence=3,
                speaker="agent",
                text="I am sorry, I will block it now.",
                audio_ref=await store.put(encode_wav(answer)),
                duration_s=answer.duration_s,
                start_s=hello.duration_s + gap,
                listener="caller",
                heard="i am sorry",
            ),
        ),
        function_calls=({"name": "block_card", "arguments": {"last4": "1234"}},),
        metadata={"topic": "stolen card"},
        events=({"kind": "ConversationStarted", "sequence": 1},),
    )
    written = await write_recording(call, store, tmp_path / "rec")
    assert sorted(p.name for p in written) == sorted(FILES)
    stereo = tmp_path / "rec" / "stereo.wav"
    with wave.open(str(stereo), "rb") as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (2, RATE, 2)
        total = wav.getnframes() / RATE
    assert total == pytest.approx(hello.duration_s + gap + answer.duration_s, abs=0.01)
    during_hello, during_answer = (0.2, hello.duration_s - 0.2), (total - 1.0, total - 0.3)
    assert (
        _channel_energy(stereo, 0, *during_hello) > 300 > _channel_energy(stereo, 1, *during_hello)
    )
    assert (
        _channel_energy(stereo, 1, *during_answer)
        > 300
        > _channel_energy(stereo, 0, *during_answer)
    )
    gap_window = (hello.duration_s + 0.1, hello.duration_s + gap - 0.1)
    assert _channel_energy(stereo, 0, *gap_window) == _channel_energy(stereo, 1, *gap_window) == 0
    caller = decode_wav((tmp_path / "rec" / "caller.wav").read_bytes())
    assert caller.duration_s == pytest.approx(total, abs=0.01)
    transcript = json.loads((tmp_path / "rec" / "transcript.json").read_text())["utterances"]
    assert transcript[1]["heard"] == "i am sorry" and transcript[1]["wer"] > 0
    metadata = json.loads((tmp_path / "rec" / "call_metadata.json").read_text())
    assert metadata["voice_metrics"]["response_gap_p50_s"] == pytest.approx(gap, abs=0.001)
    calls = json.loads((tmp_path / "rec" / "function_calls.json").read_text())
    assert calls[0]["name"] == "block_card"
    assert _names(tmp_path) == ["blobs", "rec"]  # no staging directory left behind


async def test_recording_fails_before_writing_when_audio_is_missing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    missing = "sha256:" + "0" * 64
    call = Call(
        conversation_id="c1",
        caller="caller",
        utterances=(
            Utterance(sequence=2, speaker="caller", text="hi", audio_ref=missing, duration_s=1.0),
        ),
    )
    with pytest.raises(FileNotFoundError):
        await write_recording(call, store, tmp_path / "rec")
    assert not (tmp_path / "rec").exists()
