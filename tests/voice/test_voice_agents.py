"""Voice agents as participants: a WebSocket voice agent and the OpenAI Realtime API (fake)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection, serve

import aiconv
from aiconv.errors import ConfigError, ProviderRejected
from aiconv.platform import codec
from aiconv.platform.events import MessagePosted, UtteranceHeard, UtteranceSpoken
from aiconv.testing.fake_realtime import FakeRealtimeServer
from aiconv.testing.providers import FunctionProvider
from aiconv.testing.voice_agent import LocalVoiceAgent
from aiconv.voice.audio import silence
from aiconv.voice.export import voice_metrics
from aiconv.voice.wer import word_error_rate

KEY = {"OPENAI_API_KEY": "sk-fake-realtime"}
CALLER_LINES = ["Hello, my card was stolen yesterday.", "Thank you, goodbye."]


def _caller() -> aiconv.Participant:
    lines = CALLER_LINES
    provider = FunctionProvider(lambda r: lines[min(len(lines) - 1, int(r.context["turn"]) // 2)])
    return aiconv.Participant("caller", provider=provider)


async def _events(log: aiconv.ConversationLog, cid: str) -> list[codec.Recorded]:
    return codec.decode_all(await log.read(cid))


async def _converse(tmp_path: Path, agent: aiconv.Participant) -> list[codec.Recorded]:
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[_caller(), agent],
            topic="A stolen card",
            max_turns=4,
            seed=2,
            voice=True,
            env=KEY,
        )
        assert result.state.turns == 4, result.state.ended
        return await _events(log, result.conversation_id)


def _check_agent_spoke_and_heard(events: list[codec.Recorded], label: str) -> None:
    posted = {r.sequence: r.event for r in events if isinstance(r.event, MessagePosted)}
    spoken = [r.event for r in events if isinstance(r.event, UtteranceSpoken)]
    heard = [r.event for r in events if isinstance(r.event, UtteranceHeard)]
    by_agent = [s for s in spoken if s.speaker == "agent"]
    assert len(by_agent) == 2 and all(s.voice.startswith(label) for s in by_agent)
    assert all(s.duration_s > 1.0 for s in by_agent)
    first_answer = posted[by_agent[0].message_sequence]
    assert isinstance(first_answer, MessagePosted) and first_answer.content.startswith("I heard")
    agent_heard = [h for h in heard if h.listener == "agent"]
    assert len(agent_heard) == 2  # its own transcription of the caller's audio
    assert word_error_rate(CALLER_LINES[0], agent_heard[0].text) < 0.8
    assert first_answer.content == f"I heard you say {agent_heard[0].text}. How else can I help?"
    assert [h.listener for h in heard].count("caller") == 1  # the caller heard the first answer


async def test_a_websocket_voice_agent_takes_part(tmp_path: Path) -> None:
    async with LocalVoiceAgent() as agent:
        events = await _converse(tmp_path, aiconv.Participant("agent", agent.url))
        assert len(agent.log.heard) == 2 and agent.log.ended == 1
    _check_agent_spoke_and_heard(events, "ws:127.0.0.1")
    # session.start names the call it opens (the frame format's conversation_id), though the
    # session is opened before the conversation is written
    assert [s["conversation_id"] for s in agent.log.sessions] == [events[0].conversation_id]


async def _never_says_what_it_heard(socket: ServerConnection) -> None:
    """An external agent that sends no ``transcript.heard`` (optional in the frame format)."""
    async for frame in socket:
        kind = None if isinstance(frame, bytes) else json.loads(frame).get("type")
        if kind == "session.start":
            await socket.send(json.dumps({"type": "session.ready"}))
        elif kind == "input.end":
            await socket.send(silence(1.0).pcm)
            await socket.send(json.dumps({"type": "response.end", "transcript": "Go on."}))


async def test_an_agent_that_does_not_say_what_it_heard_has_no_word_error_rate(
    tmp_path: Path,
) -> None:
    """Its hearing was recorded as the empty text, so the summary and the report gave it a
    word error rate of 100 %: an agent that hears perfectly but keeps its transcription to
    itself looked deaf."""
    async with serve(_never_says_what_it_heard, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        events = await _converse(tmp_path, aiconv.Participant("agent", f"ws://127.0.0.1:{port}/v"))
    heard = [r.event for r in events if isinstance(r.event, UtteranceHeard)]
    assert [h.listener for h in heard] == ["caller"]  # the agent's own hearing is unknown
    metrics = voice_metrics(events)
    assert metrics is not None and "agent" not in metrics.wer


async def test_the_openai_realtime_api_takes_part(tmp_path: Path) -> None:
    async with FakeRealtimeServer() as server:
        agent = aiconv.Participant("agent", "realtime", base_url=server.url)
        events = await _converse(tmp_path, agent)
        session = server.stats.sessions[0]
        assert "A stolen card" in session["instructions"]
    _check_agent_spoke_and_heard(events, "openai-realtime:gpt-realtime")


async def test_a_refused_session_writes_nothing(tmp_path: Path) -> None:
    async with (
        FakeRealtimeServer(refuse_session="Realtime is not enabled") as server,
        aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log,
    ):
        agent = aiconv.Participant("agent", "realtime", base_url=server.url)
        with pytest.raises(ProviderRejected, match="refused the session"):
            await aiconv.run_conversation(
                log,
                participants=[_caller(), agent],
                topic="x",
                voice=True,
                env=KEY,
                audio_dir=tmp_path / "audio",
            )
        assert await log.list_conversations() == []
    assert not (tmp_path / "audio").exists()


@pytest.mark.parametrize(
    ("agent", "voice", "first", "message"),
    [
        ("ws://127.0.0.1:9/voice", False, None, "only in a voice conversation: add --voice"),
        ("realtime", True, "agent", "cannot speak first"),
        ("ws://user:pw@127.0.0.1:9/x", True, None, "must not carry credentials"),
        ("realtime", True, None, "needs OPENAI_API_KEY"),
    ],
)
async def test_voice_agent_mistakes_are_caught_before_anything_is_written(
    tmp_path: Path, agent: str, voice: bool, first: str | None, message: str
) -> None:
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        with pytest.raises(ConfigError, match=message):
            await aiconv.run_conversation(
                log,
                participants=[_caller(), aiconv.Participant("agent", agent)],
                topic="x",
                voice=voice,
                first=first,
                env={},
                audio_dir=tmp_path / "audio",
            )
        assert await log.list_conversations() == []
    assert not (tmp_path / "audio").exists()
