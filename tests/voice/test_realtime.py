"""The OpenAI Realtime adapter (the real openai SDK) against the fake Realtime server."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from aiconv.agents.messages import ToolCall, ToolResult, ToolSpec
from aiconv.errors import ProviderRejected, ProviderUnavailable
from aiconv.testing.fake_realtime import FakeRealtimeServer, FakeReply, FakeTurn
from aiconv.voice.audio import Audio, silence
from aiconv.voice.realtime import OpenAIRealtimeAgent
from aiconv.voice.tts import EspeakSynthesizer, voice_for
from aiconv.voice.wer import word_error_rate

KEY = "sk-fake-realtime"
ASK = "I would like to check the status of my order please."


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    async with FakeRealtimeServer() as running:
        yield running


async def test_a_turn_streams_audio_and_transcripts(
    server: FakeRealtimeServer, synthesizer: EspeakSynthesizer
) -> None:
    """Audio in, server VAD ends the turn, the answer streams back as audio with a transcript."""
    agent = OpenAIRealtimeAgent(api_key=KEY, websocket_url=server.url)
    await agent.open("You are a support agent for an online shop.")
    try:
        turn = await agent.respond(await synthesizer.synthesize(ASK, voice_for(0)))
    finally:
        await agent.close()
    assert turn.heard is not None and word_error_rate(ASK, turn.heard) < 0.7
    assert turn.transcript == f"I heard you say {turn.heard}. How else can I help?"
    assert turn.audio.rate == 16_000 and turn.audio.duration_s > 1.5
    assert turn.first_audio_s is not None and 0 < turn.first_audio_s <= turn.latency_s
    assert turn.output_tokens > 0
    session = server.stats.sessions[-1]
    assert session["instructions"].startswith("You are a support agent")
    assert session["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    events = server.stats.client_events
    assert events[0] == "session.update" and "input_audio_buffer.append" in events
    assert "input_audio_buffer.commit" not in events  # the server detected the end of speech


async def test_a_caller_who_pauses_mid_turn_is_heard_whole(
    server: FakeRealtimeServer, synthesizer: EspeakSynthesizer
) -> None:
    """A pause longer than the server's silence window splits the caller's audio into two
    committed items, each transcribed: what the agent heard is both, in order (it was the last
    one alone, so the first sentence counted as words the agent missed)."""
    first = await synthesizer.synthesize("I lost my card yesterday.", voice_for(0))
    second = await synthesizer.synthesize("Also, can you check my balance?", voice_for(0))
    agent = OpenAIRealtimeAgent(api_key=KEY, websocket_url=server.url)
    await agent.open("Support agent.")
    try:
        turn = await agent.respond(Audio(first.pcm + silence(1.2).pcm + second.pcm))
    finally:
        await agent.close()
    assert turn.heard is not None
    said = "I lost my card yesterday. Also, can you check my balance?"
    assert "card" in turn.heard.split()[:5] and "balance" in turn.heard.split()[-3:], turn.heard
    assert word_error_rate(said, turn.heard) < 0.5, turn.heard


async def test_an_answer_cut_short_by_the_server_ends_the_turn(
    synthesizer: EspeakSynthesizer,
) -> None:
    """``response.done`` with status ``incomplete`` (a content filter, an output cap) is the
    end of the answer: what was said so far is the turn. It was waited on until the turn
    timeout, a ProviderTimeout that lost the answer."""

    def model(turn: FakeTurn) -> FakeReply:
        return FakeReply(text="Your order left the warehouse", incomplete="content_filter")

    async with FakeRealtimeServer(model) as server:
        agent = OpenAIRealtimeAgent(api_key=KEY, websocket_url=server.url, turn_timeout_s=45)
        await agent.open("Support agent.")
        try:
            turn = await agent.respond(await synthesizer.synthesize(ASK, voice_for(0)))
        finally:
            await agent.close()
    assert turn.transcript == "Your order left the warehouse"
    assert turn.audio.duration_s > 0.5


async def test_tool_calls_are_run_and_answered(synthesizer: EspeakSynthesizer) -> None:
    def model(turn: FakeTurn) -> FakeReply:
        if turn.tool_output is None:
            return FakeReply(tool=("order_status", {"order_id": "A-17"}))
        return FakeReply(text=f"Your order {turn.tool_output}.")

    calls: list[ToolCall] = []

    async def run(call: ToolCall) -> ToolResult:
        calls.append(call)
        return ToolResult(call_id=call.id, name=call.name, content="ships tomorrow")

    spec = ToolSpec(name="order_status", description="Where an order is")
    async with FakeRealtimeServer(model) as server:
        agent = OpenAIRealtimeAgent(api_key=KEY, websocket_url=server.url)
        await agent.open("Support agent.", [spec])
        try:
            turn = await agent.respond(await synthesizer.synthesize(ASK, voice_for(0)), run)
        finally:
            await agent.close()
        assert server.stats.sessions[-1]["tools"][0]["name"] == "order_status"
        assert server.stats.client_events.count("response.create") == 1
    assert [c.arguments for c in calls] == [{"order_id": "A-17"}]
    assert turn.tool_calls[0][1].content == "ships tomorrow"
    assert turn.transcript == "Your order ships tomorrow."
    assert turn.audio.duration_s > 0.5


async def test_barge_in_truncates_the_answer(
    server: FakeRealtimeServer, synthesizer: EspeakSynthesizer
) -> None:
    agent = OpenAIRealtimeAgent(api_key=KEY, websocket_url=server.url)
    await agent.open("Support agent.")
    try:
        await agent.respond(await synthesizer.synthesize(ASK, voice_for(0)))
        await agent.interrupted(0.8)
        second = await agent.respond(await synthesizer.synthesize("Wait, stop.", voice_for(0)))
    finally:
        await agent.close()
    assert "conversation.item.truncate" in server.stats.client_events
    assert second.transcript.startswith("I heard you say")


async def test_a_refused_session_is_a_clear_error(synthesizer: EspeakSynthesizer) -> None:
    refusal = "Realtime is not enabled for this project."
    async with FakeRealtimeServer(refuse_session=refusal) as server:
        agent = OpenAIRealtimeAgent(api_key=KEY, websocket_url=server.url)
        with pytest.raises(ProviderRejected, match="refused the session: Realtime is not enabled"):
            await agent.open("Support agent.")


async def test_a_wrong_key_or_model_is_refused_at_the_handshake(
    server: FakeRealtimeServer,
) -> None:
    with pytest.raises(ProviderRejected, match=r"refused the connection \(401\).*API key"):
        await OpenAIRealtimeAgent(api_key="sk-wrong", websocket_url=server.url).open("x")
    wrong_model = OpenAIRealtimeAgent(api_key=KEY, model="gpt-nope", websocket_url=server.url)
    with pytest.raises(ProviderRejected, match="gpt-nope"):
        await wrong_model.open("x")
    assert server.stats.refused_handshakes == 2


async def test_nothing_listening_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    agent = OpenAIRealtimeAgent(api_key=KEY, websocket_url=f"ws://127.0.0.1:{port}/v1")
    with pytest.raises(ProviderUnavailable, match="cannot reach"):
        await agent.open("x")
