"""The OpenAI Realtime API as a ``VoiceAgent``, through the openai SDK's WebSocket client.

One session per conversation: ``session.update`` (instructions, tools, PCM16 24 kHz in and out,
server-side turn detection, input transcription), then per turn the caller's audio is appended
to ``input_audio_buffer`` followed by trailing silence, so the server detects the end of speech,
commits, transcribes and answers; ``response.output_audio.delta`` chunks are collected, function
calls are run and answered (``function_call_output`` + ``response.create``) until a response
completes without one. A barge-in truncates the assistant item to what was heard.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openai import AsyncOpenAI, OpenAIError
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI

from aiconv.agents.messages import ToolCall, ToolResult, ToolSpec
from aiconv.errors import ProviderError, ProviderRejected, ProviderTimeout, ProviderUnavailable
from aiconv.voice.agents import ToolHandler, VoiceTurn, refuse_tool
from aiconv.voice.audio import RATE, Audio, silence

REALTIME_RATE = 24_000
_CHUNK = REALTIME_RATE * 2 // 10  # 100 ms of PCM16 at 24 kHz
_TRAILING_SILENCE_S = 1.0


@dataclass(slots=True)
class _Turn:
    """What one turn collects from the server's events."""

    started: float
    audio: bytearray = field(default_factory=bytearray)
    transcript: str = ""
    #: The caller's audio items the server committed (in order) and each one's transcription:
    #: a pause longer than the silence window splits one utterance into several.
    inputs: list[str] = field(default_factory=list)
    transcriptions: dict[str, str] = field(default_factory=dict)
    first_audio_s: float | None = None
    item_id: str | None = None
    pending: list[tuple[ToolCall, ToolResult]] = field(default_factory=list)
    calls: list[tuple[ToolCall, ToolResult]] = field(default_factory=list)
    usage: tuple[int, int] = (0, 0)


class OpenAIRealtimeAgent:
    """A Realtime model as a voice participant (``websocket_url`` e.g. ``wss://…/v1``)."""

    def __init__(
        self,
        *,
        api_key: str,
        model: str = "gpt-realtime",
        websocket_url: str | None = None,
        voice: str = "alloy",
        turn_timeout_s: float = 60.0,
    ) -> None:
        self.model = model
        self.voice = voice
        self.turn_timeout_s = turn_timeout_s
        self.label = f"openai-realtime:{model}"
        self._client = AsyncOpenAI(api_key=api_key, websocket_base_url=websocket_url)
        self._where = websocket_url or "the OpenAI Realtime API"
        self._connection: Any = None
        self._last_item: str | None = None

    async def open(self, instructions: str, tools: Sequence[ToolSpec] = ()) -> None:
        """Connect and configure the session; ProviderRejected when it is refused."""
        try:
            self._connection = await self._client.realtime.connect(model=self.model).enter()
        except InvalidStatus as exc:
            raise _refused(self._where, exc) from exc
        except (InvalidURI, ValueError) as exc:
            raise ProviderRejected(f"bad Realtime URL {self._where!r}: {exc}") from exc
        except (OSError, OpenAIError, ConnectionClosed) as exc:
            raise ProviderUnavailable(f"cannot reach {self._where}: {exc}") from exc
        await self._connection.session.update(session=self._session(instructions, tools))
        async with asyncio.timeout(self.turn_timeout_s):
            while (event := await self._recv()).type != "session.updated":
                if event.type == "error":
                    await self.close()
                    raise ProviderRejected(
                        f"the Realtime server refused the session: {event.error.message}"
                    )

    def _session(self, instructions: str, tools: Sequence[ToolSpec]) -> dict[str, Any]:
        pcm = {"type": "audio/pcm", "rate": REALTIME_RATE}
        detection = {
            "type": "server_vad",
            "silence_duration_ms": 500,
            "create_response": True,
            "interrupt_response": True,
        }
        return {
            "type": "realtime",
            "instructions": instructions,
            "output_modalities": ["audio"],
            "audio": {
                "input": {
                    "format": pcm,
                    "turn_detection": detection,
                    "transcription": {"model": "gpt-4o-mini-transcribe"},
                },
                "output": {"format": pcm, "voice": self.voice},
            },
            "tools": [
                {
                    "type": "function",
                    "name": t.name,
                    "description": t.description,
                    "parameters": dict(t.parameters),
                }
                for t in tools
            ],
            "tool_choice": "auto",
        }

    async def respond(self, audio: Audio, call_tool: ToolHandler | None = None) -> VoiceTurn:
        """Send the caller's ``audio``; the model's spoken answer (tool calls run on the way)."""
        if self._connection is None:
            raise ProviderError("the Realtime session is not open", provider="openai-realtime")
        pcm = audio.to_rate(REALTIME_RATE).pcm + silence(_TRAILING_SILENCE_S, REALTIME_RATE).pcm
        for start in range(0, len(pcm), _CHUNK):
            chunk = base64.b64encode(pcm[start : start + _CHUNK]).decode()
            await self._connection.input_audio_buffer.append(audio=chunk)
        turn = _Turn(started=time.monotonic())
        try:
            async with asyncio.timeout(self.turn_timeout_s):
                while not await self._handle(await self._recv(), turn, call_tool or refuse_tool):
                    pass
        except TimeoutError as exc:
            raise ProviderTimeout(f"no Realtime answer within {self.turn_timeout_s:g}s") from exc
        self._last_item = turn.item_id
        spoken = Audio(bytes(turn.audio), REALTIME_RATE).to_rate(RATE)
        return VoiceTurn(
            audio=spoken,
            transcript=turn.transcript,
            heard=_heard(turn),
            first_audio_s=turn.first_audio_s,
            latency_s=time.monotonic() - turn.started,
            tool_calls=tuple(turn.calls),
            model=self.model,
            input_tokens=turn.usage[0],
            output_tokens=turn.usage[1],
        )

    async def _handle(self, event: Any, turn: _Turn, call_tool: ToolHandler) -> bool:
        """Fold one server event into ``turn``; True once the answer is complete."""
        kind = event.type
        if kind == "response.output_audio.delta":
            if turn.first_audio_s is None:
                turn.first_audio_s = time.monotonic() - turn.started
            turn.audio.extend(base64.b64decode(event.delta))
            turn.item_id = event.item_id
        elif kind == "response.output_audio_transcript.done":
            turn.transcript = (turn.transcript + " " + event.transcript).strip()
        elif kind == "input_audio_buffer.committed":
            turn.inputs.append(event.item_id)
        elif kind == "conversation.item.input_audio_transcription.completed":
            turn.transcriptions[event.item_id] = event.transcript
        elif kind == "response.function_call_arguments.done":
            call = _tool_call(event.call_id, event.name, event.arguments)
            turn.pending.append((call, await call_tool(call)))
        elif kind == "error":
            raise ProviderRejected(f"Realtime error: {event.error.message}")
        elif kind == "response.done":
            return await self._response_done(event.response, turn)
        return False

    async def _response_done(self, response: Any, turn: _Turn) -> bool:
        if response.status == "failed":
            raise ProviderError(f"the Realtime response failed: {response.status_details}")
        if response.usage is not None:
            used = (response.usage.input_tokens or 0, response.usage.output_tokens or 0)
            turn.usage = (turn.usage[0] + used[0], turn.usage[1] + used[1])
        if response.status == "incomplete":  # cut short (content filter, output cap): no more
            return True
        if response.status != "completed" or not turn.pending:
            return bool(response.status == "completed")
        for call, result in turn.pending:
            item = {"type": "function_call_output", "call_id": call.id, "output": result.content}
            await self._connection.conversation.item.create(item=item)
        turn.calls.extend(turn.pending)
        turn.pending.clear()
        await self._connection.response.create()
        return False

    async def interrupted(self, played_s: float) -> None:
        """Truncate the last answer to what the caller heard before cutting in."""
        if self._connection is not None and self._last_item is not None:
            await self._connection.conversation.item.truncate(
                item_id=self._last_item, content_index=0, audio_end_ms=round(played_s * 1000)
            )

    async def _recv(self) -> Any:
        try:
            return await self._connection.recv()
        except ConnectionClosed as exc:
            raise ProviderUnavailable(f"the Realtime connection closed: {exc}") from exc

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()
        await self._client.close()


def _heard(turn: _Turn) -> str | None:
    """What the server transcribed of the caller's turn, every committed item in order (None:
    it transcribed nothing, so the hearing is unknown)."""
    if not turn.transcriptions:
        return None
    ordered = [i for i in turn.inputs if i in turn.transcriptions]
    ordered += [i for i in turn.transcriptions if i not in turn.inputs]
    return " ".join(t for t in (turn.transcriptions[i].strip() for i in ordered) if t)


def _tool_call(call_id: str, name: str, arguments: str) -> ToolCall:
    try:
        parsed = json.loads(arguments or "{}")
    except ValueError:
        return ToolCall(id=call_id, name=name, error=f"arguments are not JSON: {arguments[:80]}")
    if not isinstance(parsed, dict):
        return ToolCall(id=call_id, name=name, error="arguments are not a JSON object")
    return ToolCall(id=call_id, name=name, arguments=parsed)


def _refused(where: str, exc: InvalidStatus) -> ProviderError:
    status = exc.response.status_code
    try:
        message = json.loads(exc.response.body or b"{}")["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = f"HTTP {status}"
    text = f"the Realtime server at {where} refused the connection ({status}): {message}"
    return ProviderRejected(text, provider="openai-realtime", status=status)
