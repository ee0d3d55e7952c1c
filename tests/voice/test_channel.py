"""The WebSocket voice channel against a local voice agent, with real audio both ways."""

from __future__ import annotations

import json
import socket

import pytest
from websockets.asyncio.server import ServerConnection, serve

from aiconv.agents.messages import ToolCall, ToolResult, ToolSpec
from aiconv.errors import ConfigError, MalformedResponse, ProviderRejected, ProviderUnavailable
from aiconv.testing.fake_realtime import FakeReply, FakeTurn
from aiconv.testing.voice_agent import LocalVoiceAgent
from aiconv.voice.audio import silence
from aiconv.voice.channel import WebSocketVoiceAgent, check_ws_url
from aiconv.voice.stt import PocketsphinxRecognizer
from aiconv.voice.tts import EspeakSynthesizer, voice_for
from aiconv.voice.wer import word_error_rate

ASK = "My card was stolen and I need a new one."


async def test_a_conversation_over_the_channel(
    synthesizer: EspeakSynthesizer, recognizer: PocketsphinxRecognizer
) -> None:
    """Two turns: the agent hears the caller's audio and answers with audio we can recognise."""
    async with LocalVoiceAgent() as agent:
        channel = WebSocketVoiceAgent(agent.url, conversation_id="conv-1")
        await channel.open("You are the bank's phone agent.")
        try:
            first = await channel.respond(await synthesizer.synthesize(ASK, voice_for(0)))
            await channel.interrupted(1.25)
            second = await channel.respond(await synthesizer.synthesize("Thank you.", voice_for(0)))
        finally:
            await channel.close()
        assert agent.log.sessions[0]["conversation_id"] == "conv-1"
        assert agent.log.sessions[0]["instructions"] == "You are the bank's phone agent."
        assert agent.log.interrupts == [1250]
        assert agent.log.ended == 1
    assert first.heard is not None and word_error_rate(ASK, first.heard) < 0.7
    assert first.transcript == f"I heard you say {first.heard}. How else can I help?"
    assert first.audio.duration_s > 1.5 and first.first_audio_s is not None
    heard_back = await recognizer.recognize(first.audio)
    assert word_error_rate(first.transcript, heard_back.text) < 0.8
    assert second.transcript.startswith("I heard you say")


async def test_tool_calls_travel_over_the_channel(synthesizer: EspeakSynthesizer) -> None:
    def model(turn: FakeTurn) -> FakeReply:
        if turn.tool_output is None:
            return FakeReply(tool=("block_card", {"reason": "stolen"}))
        return FakeReply(text=f"Your card is {turn.tool_output}.")

    async def run(call: ToolCall) -> ToolResult:
        return ToolResult(call_id=call.id, name=call.name, content="blocked")

    async with LocalVoiceAgent(model) as agent:
        channel = WebSocketVoiceAgent(agent.url)
        await channel.open("Bank agent.", [ToolSpec(name="block_card")])
        try:
            turn = await channel.respond(await synthesizer.synthesize(ASK, voice_for(0)), run)
        finally:
            await channel.close()
        assert agent.log.sessions[0]["tools"][0]["name"] == "block_card"
    assert turn.transcript == "Your card is blocked."
    assert [(c.name, dict(c.arguments), r.content) for c, r in turn.tool_calls] == [
        ("block_card", {"reason": "stolen"}, "blocked")
    ]


async def test_an_agent_that_refuses_the_session() -> None:
    async with LocalVoiceAgent(refuse="this agent only speaks French") as agent:
        channel = WebSocketVoiceAgent(agent.url)
        with pytest.raises(ProviderRejected, match="refused the session: this agent only speaks"):
            await channel.open("x")


@pytest.mark.parametrize(
    "url",
    ["http://example.org/voice", "ws://", "ws://user:pw@host/x", "ws://host:99999/x", "nonsense"],
)
def test_bad_urls_are_rejected_before_connecting(url: str) -> None:
    with pytest.raises(ConfigError, match="voice agent URL"):
        check_ws_url(url)


async def test_nothing_listening_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderUnavailable, match="cannot reach the voice agent"):
        await WebSocketVoiceAgent(f"ws://127.0.0.1:{port}/v").open("x")


async def _answers_three_bytes(socket: ServerConnection) -> None:
    """An external agent whose audio is not whole PCM16 samples (3 bytes)."""
    async for frame in socket:
        kind = None if isinstance(frame, bytes) else json.loads(frame).get("type")
        if kind == "session.start":
            await socket.send(json.dumps({"type": "session.ready"}))
        elif kind == "input.end":
            await socket.send(b"\x01\x02\x03")
            await socket.send(json.dumps({"type": "response.end", "transcript": "Hello"}))


async def test_audio_that_is_not_whole_pcm16_samples_is_a_malformed_answer() -> None:
    """The run ended in a numpy ValueError traceback (``buffer size must be a multiple of
    element size``) when the answer was later decoded: the agent's answer is what is wrong."""
    async with serve(_answers_three_bytes, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        channel = WebSocketVoiceAgent(f"ws://127.0.0.1:{port}/voice")
        await channel.open("x")
        try:
            with pytest.raises(MalformedResponse, match="3 bytes of audio: not whole PCM16"):
                await channel.respond(silence(0.2))
        finally:
            await channel.close()
