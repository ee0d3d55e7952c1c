"""A local voice agent speaking aiconv's WebSocket voice frame format (see ``voice.channel``).

It does what an external voice agent under test does, with real audio: recognises the caller's
PCM16 16 kHz audio with pocketsphinx, asks its model (a ``FakeTurn -> FakeReply`` function, the
same as the fake Realtime server's) for an answer or a tool call, and speaks the answer with
espeak-ng in 100 ms binary frames. ``async with LocalVoiceAgent() as agent``: ``agent.url``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from aiconv.testing.fake_realtime.model import FakeReply, FakeTurn, echo
from aiconv.testing.speech_server import SpeechServer
from aiconv.voice.audio import Audio
from aiconv.voice.channel import AUDIO_FORMAT, FRAME_BYTES
from aiconv.voice.tts import Voice


@dataclass(slots=True)
class AgentLog:
    """What the agent received, for assertions."""

    sessions: list[dict[str, Any]] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    interrupts: list[int] = field(default_factory=list)
    ended: int = 0


class LocalVoiceAgent(SpeechServer):
    """A voice agent server on 127.0.0.1 (any free port)."""

    PATH = "/voice"

    def __init__(
        self,
        model: Callable[[FakeTurn], FakeReply] = echo,
        *,
        refuse: str | None = None,
        voice: Voice | None = None,
    ) -> None:
        super().__init__(voice)
        self.model = model
        self.refuse = refuse
        self.log = AgentLog()

    async def _serve(self, socket: ServerConnection) -> None:
        try:
            start = json.loads(await socket.recv())
            if start.get("type") != "session.start" or start.get("audio") != AUDIO_FORMAT:
                await socket.send(json.dumps({"type": "error", "message": "bad session.start"}))
                return
            if self.refuse is not None:
                await socket.send(json.dumps({"type": "error", "message": self.refuse}))
                return
            self.log.sessions.append(start)
            await socket.send(json.dumps({"type": "session.ready"}))
            await self._converse(socket, str(start.get("instructions", "")))
        except ConnectionClosed:
            pass

    async def _converse(self, socket: ServerConnection, instructions: str) -> None:
        pcm, turns = bytearray(), 0
        async for frame in socket:
            if isinstance(frame, bytes):
                pcm.extend(frame)
                continue
            message = json.loads(frame)
            kind = message.get("type")
            if kind == "interrupt":
                self.log.interrupts.append(int(message.get("played_ms", 0)))
            elif kind == "session.end":
                self.log.ended += 1
                return
            elif kind == "input.end":
                turns += 1
                heard = (await self.recognizer.recognize(Audio(bytes(pcm)))).text
                pcm.clear()
                self.log.heard.append(heard)
                await socket.send(json.dumps({"type": "transcript.heard", "text": heard}))
                turn = FakeTurn(heard=heard, turn=turns, instructions=instructions)
                await self._answer(socket, turn)

    async def _answer(self, socket: ServerConnection, turn: FakeTurn) -> None:
        reply = self.model(turn)
        while reply.tool is not None:
            name, arguments = reply.tool
            call_id = f"call_{turn.turn}_{name}"
            await socket.send(
                json.dumps(
                    {"type": "tool.call", "id": call_id, "name": name, "arguments": arguments}
                )
            )
            result = json.loads(await socket.recv())
            output = str(result.get("content", ""))
            reply = self.model(FakeTurn(heard=turn.heard, tool_output=output, turn=turn.turn))
        audio = await self.synthesizer.synthesize(reply.text, self.voice)
        for start in range(0, len(audio.pcm), FRAME_BYTES):
            await socket.send(audio.pcm[start : start + FRAME_BYTES])
        await socket.send(json.dumps({"type": "response.end", "transcript": reply.text}))
