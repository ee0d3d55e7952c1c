"""Voice agents as conversation participants: ``realtime[:model]`` and ``ws://`` / ``wss://``.

A ``VoiceAgentProvider`` is what the conductor sees (a ``ChatProvider``): its reply is the
agent's own transcript of what it said. The audio it answers is handed over by the voice layer
(``pending``) — the caller's utterance, not text — and the layer records the agent's real
audio and what the agent heard (its own transcription) from ``last``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiconv.agents.messages import ChatReply, ChatRequest, ToolSpec, Usage
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.errors import MissingApiKey
from aiconv.extras import require_extra
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ConversationStarted, ParticipantSpec, StopConfig
from aiconv.platform.prompts import system_prompt
from aiconv.voice.agents import VoiceAgent, VoiceTurn
from aiconv.voice.audio import Audio
from aiconv.voice.channel import WebSocketVoiceAgent, check_ws_url
from aiconv.voice.ids import is_voice_agent


def voice_providers(
    agents: Sequence[tuple[str, str, str | None]], env: Mapping[str, str]
) -> dict[str, VoiceAgentProvider]:
    """Providers for the voice agents among (name, agent id, base URL); ConfigError first."""
    return {
        name: VoiceAgentProvider(build_voice_agent(agent_id, env=env, base_url=base_url))
        for name, agent_id, base_url in agents
        if is_voice_agent(agent_id)
    }


async def open_sessions(
    providers: Mapping[str, VoiceAgentProvider],
    specs: Sequence[ParticipantSpec],
    *,
    topic: str,
    stop: StopConfig,
    conversation_id: str,
) -> None:
    """Open every voice agent's session, for the conversation ``conversation_id`` is about to
    be, with the instructions its turns will carry; on a failure, close the ones already open
    and raise (nothing has been written yet)."""
    started = ConversationStarted(
        topic=topic, participants=tuple(specs), first_speaker=specs[0].name, stop=stop
    )
    provisional = ConversationState(conversation_id=conversation_id, started=started)
    opened: list[VoiceAgentProvider] = []
    try:
        for spec in specs:
            provider = providers.get(spec.name)
            if provider is not None:
                if isinstance(provider.agent, WebSocketVoiceAgent):
                    provider.agent.conversation_id = conversation_id  # told in session.start
                await provider.open(spec.system_prompt or system_prompt(provisional, spec))
                opened.append(provider)
    except BaseException:
        for provider in opened:
            await provider.aclose()
        raise


def build_voice_agent(
    agent_id: str, *, env: Mapping[str, str], base_url: str | None = None
) -> VoiceAgent:
    """The voice agent for ``agent_id``; ConfigError (bad URL, missing key) before connecting."""
    if agent_id.startswith(("ws://", "wss://")):
        return WebSocketVoiceAgent(check_ws_url(agent_id))
    _, _, model = agent_id.partition(":")
    require_extra("openai", f"agent {agent_id!r}")  # OpenAI Realtime goes through its SDK
    key = env.get("OPENAI_API_KEY")
    if not key:
        raise MissingApiKey(f"agent {agent_id!r} needs OPENAI_API_KEY (set it or put it in .env)")
    if base_url is not None:
        check_ws_url(base_url, "the Realtime base URL")
    from aiconv.voice.realtime import OpenAIRealtimeAgent

    return OpenAIRealtimeAgent(api_key=key, model=model or "gpt-realtime", websocket_url=base_url)


class VoiceAgentProvider(ChatProvider):
    """A voice agent behind the provider port; opened on its first turn."""

    def __init__(self, agent: VoiceAgent) -> None:
        self.agent = agent
        self.name = agent.label.split(":", 1)[0]
        self.model = agent.label
        self.pending: Audio | None = None
        self.last: VoiceTurn | None = None
        self._opened = False

    async def open(self, instructions: str, tools: Sequence[ToolSpec] = ()) -> None:
        """Start the agent's session (before the conversation is created, so a refused session
        leaves nothing behind); ProviderError when it cannot."""
        if not self._opened:
            await self.agent.open(instructions, tools)
            self._opened = True

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """Send the audio the layer handed over; the agent's spoken answer, as text."""
        await self.open(request.system, request.tools)
        audio, self.pending = self.pending or Audio(b""), None
        self.last = turn = await self.agent.respond(audio)
        if on_delta is not None:
            on_delta(turn.transcript)
        usage = Usage(input_tokens=turn.input_tokens, output_tokens=turn.output_tokens)
        return ChatReply(
            content=turn.transcript,
            model=turn.model or self.model,
            usage=usage,
            latency_s=turn.latency_s,
        )

    async def aclose(self) -> None:
        """End the agent's session."""
        await self.agent.close()
