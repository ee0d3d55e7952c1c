"""A generic WebSocket voice channel to an external voice agent under test.

Frame format (one WebSocket connection per conversation; audio is always PCM16 little-endian,
16 kHz, mono, in binary frames; control messages are JSON text frames)::

    aiconv → agent  {"type": "session.start", "conversation_id": …, "instructions": …,
                     "tools": [{"name", "description", "parameters"}],
                     "audio": {"encoding": "pcm_s16le", "sample_rate": 16000, "channels": 1}}
    agent → aiconv  {"type": "session.ready"}            or {"type": "error", "message": …}
    per turn:
    aiconv → agent  binary audio frames (the caller speaking), then {"type": "input.end"}
    agent → aiconv  {"type": "transcript.heard", "text": …}          (optional)
                    binary audio frames (the agent speaking)
                    {"type": "tool.call", "id": …, "name": …, "arguments": {…}}   (optional)
    aiconv → agent  {"type": "tool.result", "id": …, "content": …, "is_error": false}
    agent → aiconv  {"type": "response.end", "transcript": …}    ends the agent's turn
    barge-in:
    aiconv → agent  {"type": "interrupt", "played_ms": …}         the caller cut in after that
    aiconv → agent  {"type": "session.end"}                      then the connection closes
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from aiconv.agents.messages import ToolCall, ToolResult, ToolSpec
from aiconv.errors import (
    ConfigError,
    MalformedResponse,
    ProviderError,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
)
from aiconv.observability.redaction import has_credentials, redact_url
from aiconv.voice.agents import ToolHandler, VoiceTurn, refuse_tool
from aiconv.voice.audio import RATE, SAMPLE_WIDTH, Audio

FRAME_BYTES = RATE * 2 // 10  # 100 ms of audio per binary frame
AUDIO_FORMAT = {"encoding": "pcm_s16le", "sample_rate": RATE, "channels": 1}


def check_ws_url(url: str, what: str = "voice agent URL") -> str:
    """``url`` if it is a ws:// or wss:// URL with a host, a port from 1 to 65535 if any, and
    no credentials (a user name, or a ``token=`` in the query: the URL is the agent's id,
    recorded with the conversation); else ConfigError naming it ``what``, the URL redacted."""
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket
        parts = None
    if parts is None or parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ConfigError(f"{what} must be ws:// or wss:// with a host, not {shown!r}")
    if has_credentials(url):
        raise ConfigError(
            f"{what} {shown!r} must not carry credentials: it is recorded with the conversation"
        )
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:  # a port that is no number, or 0, which reaches nothing
        raise ConfigError(f"{what} has a bad port: {shown!r}")
    return url


class WebSocketVoiceAgent:
    """An external voice agent reached over the frame format above."""

    def __init__(self, url: str, *, conversation_id: str = "", turn_timeout_s: float = 60.0):
        self.url = check_ws_url(url)
        self.label = f"ws:{urlsplit(url).hostname}"
        self.conversation_id = conversation_id
        self.turn_timeout_s = turn_timeout_s
        self._socket: ClientConnection | None = None

    async def open(self, instructions: str, tools: Sequence[ToolSpec] = ()) -> None:
        """Connect and start the session; ProviderRejected when the agent answers an error."""
        try:
            self._socket = await connect(self.url, open_timeout=self.turn_timeout_s)
        except (InvalidURI, InvalidHandshake) as exc:
            message = f"voice agent at {self.url} refused the connection: {exc}"
            raise ProviderRejected(message) from exc
        except (OSError, TimeoutError) as exc:
            raise ProviderUnavailable(f"cannot reach the voice agent at {self.url}: {exc}") from exc
        start = {
            "type": "session.start",
            "conversation_id": self.conversation_id,
            "instructions": instructions,
            "audio": AUDIO_FORMAT,
            "tools": [
                {"name": t.name, "description": t.description, "parameters": dict(t.parameters)}
                for t in tools
            ],
        }
        await self._send(start)
        answer = await self._control()
        if answer.get("type") != "session.ready":
            await self.close()
            message = answer.get("message", f"unexpected {answer.get('type')!r}")
            raise ProviderRejected(f"voice agent at {self.url} refused the session: {message}")

    async def respond(self, audio: Audio, call_tool: ToolHandler | None = None) -> VoiceTurn:
        """Stream the caller's ``audio``; the agent's answer."""
        socket = self._open_socket()
        began = time.monotonic()
        pcm = audio.to_rate(RATE).pcm
        try:
            for start in range(0, len(pcm), FRAME_BYTES):
                await socket.send(pcm[start : start + FRAME_BYTES])
            await self._send({"type": "input.end"})
            async with asyncio.timeout(self.turn_timeout_s):
                return await self._collect(began, call_tool or refuse_tool)
        except TimeoutError as exc:
            message = f"the voice agent did not answer in {self.turn_timeout_s:g}s"
            raise ProviderTimeout(message) from exc
        except ConnectionClosed as exc:
            raise ProviderUnavailable(f"the voice agent closed the connection: {exc}") from exc

    async def _collect(self, began: float, call_tool: ToolHandler) -> VoiceTurn:
        socket = self._open_socket()
        audio, heard, first, calls = bytearray(), None, None, []
        async for frame in socket:
            if isinstance(frame, bytes):
                first = time.monotonic() - began if first is None else first
                audio.extend(frame)
                continue
            message = _parse(frame)
            kind = message.get("type")
            if kind == "transcript.heard":
                heard = str(message.get("text", ""))
            elif kind == "tool.call":
                calls.append(await self._call_tool(message, call_tool))
            elif kind == "error":
                raise ProviderError(f"voice agent error: {message.get('message', '')}")
            elif kind == "response.end":
                if len(audio) % SAMPLE_WIDTH:
                    raise MalformedResponse(
                        f"the voice agent sent {len(audio)} bytes of audio: not whole PCM16 "
                        "samples (pcm_s16le, 16 kHz, mono)",
                        provider=self.label,
                    )
                return VoiceTurn(
                    audio=Audio(bytes(audio)),
                    transcript=str(message.get("transcript", "")),
                    heard=heard,
                    first_audio_s=first,
                    latency_s=time.monotonic() - began,
                    tool_calls=tuple(calls),
                    model=self.label,
                )
        raise ProviderUnavailable("the voice agent closed the connection mid-turn")

    async def _call_tool(
        self, message: dict[str, Any], call_tool: ToolHandler
    ) -> tuple[ToolCall, ToolResult]:
        """Run the tool call the agent asked for and send it the result."""
        call = ToolCall(
            id=str(message.get("id", "")),
            name=str(message.get("name", "")),
            arguments=dict(message.get("arguments") or {}),
        )
        result = await call_tool(call)
        await self._send(
            {
                "type": "tool.result",
                "id": call.id,
                "content": result.content,
                "is_error": result.is_error,
            }
        )
        return call, result

    async def interrupted(self, played_s: float) -> None:
        """Tell the agent the caller cut in after ``played_s`` seconds of its answer."""
        await self._send({"type": "interrupt", "played_ms": round(played_s * 1000)})

    async def close(self) -> None:
        """End the session and close the connection (idempotent)."""
        socket, self._socket = self._socket, None
        if socket is not None:
            with contextlib.suppress(ConnectionClosed):  # the agent may have hung up first
                await socket.send(json.dumps({"type": "session.end"}))
            await socket.close()

    def _open_socket(self) -> ClientConnection:
        if self._socket is None:
            raise ProviderError("the voice channel is not open")
        return self._socket

    async def _send(self, message: dict[str, Any]) -> None:
        await self._open_socket().send(json.dumps(message))

    async def _control(self) -> dict[str, Any]:
        async with asyncio.timeout(self.turn_timeout_s):
            frame = await self._open_socket().recv()
        return _parse(frame) if isinstance(frame, str) else {"type": "binary"}


def _parse(frame: str) -> dict[str, Any]:
    try:
        message = json.loads(frame)
    except ValueError:
        return {"type": "error", "message": f"not JSON: {frame[:80]!r}"}
    return message if isinstance(message, dict) else {"type": "error", "message": "not an object"}
