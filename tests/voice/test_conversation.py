"""Voice conversations end to end: offline, real audio, through the public API."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

import aiconv
from aiconv.agents.messages import ChatRequest
from aiconv.errors import VoiceUnavailable
from aiconv.platform import codec
from aiconv.platform.events import MessagePosted, UtteranceHeard, UtteranceSpoken
from aiconv.testing.providers import FunctionProvider
from aiconv.voice.audio import RATE, decode_wav
from aiconv.voice.blobs import BlobStore
from aiconv.voice.projection import utterances_of
from aiconv.voice.timeline import measure

CALLER = [
    "Hello, I would like to check the status of my order please.",
    "It is order number four five six. I placed it last week on Monday.",
    "Thank you very much for your help, goodbye.",
]
AGENT = [
    "Of course. Can you give me your order number please?",
    "I have found your order. It will arrive tomorrow morning.",
    "You are welcome, have a nice day.",
]


def _script(lines: list[str]) -> FunctionProvider:
    return FunctionProvider(lambda request: lines[(int(request.context["turn"]) - 1) // 2])


async def _events(log: aiconv.ConversationLog, cid: str) -> list[codec.Recorded]:
    return [codec.decode(s) for s in await log.read(cid, after=0)]


async def test_offline_voice_conversation_end_to_end(tmp_path: Path) -> None:
    """Every message is spoken and heard; the listener's model gets what it heard."""
    caller, agent = _script(CALLER), _script(AGENT)
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("caller", provider=caller, persona="typical"),
                aiconv.Participant("agent", provider=agent),
            ],
            topic="Where is my order?",
            max_turns=6,
            seed=7,
            voice=True,
        )
        events = await _events(log, result.conversation_id)
    assert result.state.turns == 6
    spoken = [r.event for r in events if isinstance(r.event, UtteranceSpoken)]
    heard = [r.event for r in events if isinstance(r.event, UtteranceHeard)]
    posted = {r.sequence: r.event for r in events if isinstance(r.event, MessagePosted)}
    assert len(spoken) == 6 and len(heard) == 5  # the last message has no listener yet
    assert [s.text for s in spoken] == [m.content for m in posted.values()]
    assert all(posted[s.message_sequence].sender == s.speaker for s in spoken)
    assert spoken[0].voice != spoken[1].voice
    store = BlobStore(tmp_path / "runs.audio")  # next to the log by default
    for utterance in spoken:
        data = await store.get(utterance.audio_ref)
        with wave.open(str(store.path(utterance.audio_ref)), "rb") as wav:
            assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (1, RATE, 2)
        assert decode_wav(data).duration_s == pytest.approx(utterance.duration_s, abs=0.001)
        assert 1.0 < utterance.duration_s < 8.0
    # What the agent's model received is what it heard, not what the caller's model wrote.
    first_heard = next(h for h in heard if h.listener == "agent")
    request: ChatRequest = agent.requests[0]
    assert request.messages[-1].content == first_heard.text != CALLER[0]
    starts = [s.start_s for s in spoken]
    assert starts == sorted(starts) and starts[0] == 0.0
    metrics = measure(utterances_of(events))
    # the API's result had no voice metrics, though aic-start's summary and --json have them
    assert result.voice == result.document()["voice"] == metrics.as_dict()
    assert set(metrics.wer) == {"caller", "agent"}
    assert all(0.0 < rate < 0.8 for rate in metrics.wer.values()), metrics.wer
    assert metrics.response_gap_p50_s is not None and metrics.response_gap_p50_s >= 0.25


async def test_voice_needs_espeak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing espeak-ng: a one-line error naming the package, and nothing written."""
    monkeypatch.setenv("PATH", "/nonexistent")
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        with pytest.raises(VoiceUnavailable, match="apt-get install espeak-ng"):
            await aiconv.run_conversation(
                log,
                participants=[aiconv.Participant("a"), aiconv.Participant("b")],
                topic="x",
                voice=True,
            )
        assert await log.list_conversations() == []
    assert not (tmp_path / "runs.audio").exists()


async def test_a_caller_who_barges_in_cuts_the_agent_off(tmp_path: Path) -> None:
    """An impatient caller cuts in: the cut-off audio and the part heard are recorded."""
    from aiconv.simulation.personas import Persona

    impatient = Persona(name="frustrated", interrupts=1.0)
    agent = _script(AGENT)
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("caller", provider=_script(CALLER), persona=impatient),
                aiconv.Participant("agent", provider=agent),
            ],
            topic="Where is my order?",
            max_turns=4,
            seed=3,
            voice=True,
            audio_dir=tmp_path / "audio",
        )
        events = await _events(log, result.conversation_id)
    cut = [r.event for r in events if isinstance(r.event, UtteranceHeard) and r.event.interrupted]
    assert cut and all(h.listener == "caller" for h in cut)
    utterances = {u.sequence: u for u in utterances_of(events)}
    first_cut = utterances[cut[0].message_sequence]
    assert first_cut.played_s is not None and first_cut.played < first_cut.duration_s
    assert first_cut.interrupted_by == "caller"
    assert len(first_cut.said.split()) < len(first_cut.text.split())
    answer = next(u for u in utterances.values() if u.sequence > first_cut.sequence)
    assert answer.start_s < first_cut.start_s + first_cut.duration_s  # talked over the rest
    metrics = measure(list(utterances.values()))
    assert metrics.interruptions == len(cut)
    assert metrics.overlap_s == pytest.approx(0.3 * len(cut), abs=0.01)
    assert (tmp_path / "audio").is_dir()


async def test_real_time_mode_waits_for_the_audio_to_play_out(tmp_path: Path) -> None:
    """In real mode the timeline is the wall clock: an answer starts after the question ended."""
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("caller", provider=_script(["Hello, is anyone there?"] * 2)),
                aiconv.Participant("agent", provider=_script(["Yes, I am here."] * 2)),
            ],
            topic="Hello",
            max_turns=2,
            seed=1,
            voice=True,
            voice_mode="real",
        )
        events = await _events(log, result.conversation_id)
    question, answer = utterances_of(events)
    assert question.start_s >= 0.0
    assert answer.start_s >= question.start_s + question.duration_s  # it heard it all first
    started = events[0].at
    answered = next(
        r.at
        for r in events
        if r.sequence > question.sequence and isinstance(r.event, MessagePosted)
    )
    assert answered - started >= question.duration_s
