"""One connection to the fake Realtime server: the GA protocol, event by event."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection

from aiconv.testing.fake_realtime.model import FakeReply, FakeTurn
from aiconv.testing.fake_realtime.responses import stream_response
from aiconv.testing.fake_realtime.vad import Vad
from aiconv.testing.fake_realtime.validation import DEFAULT_SESSION, SessionInvalid, merge_session
from aiconv.voice.audio import Audio

if TYPE_CHECKING:
    from aiconv.testing.fake_realtime.server import FakeRealtimeServer

RATE = 24_000


class Session:
    """The state of one Realtime session: config, input buffer, VAD, the response in flight."""

    def __init__(self, server: FakeRealtimeServer, connection: ServerConnection) -> None:
        self.server = server
        self.connection = connection
        self.config: dict[str, Any] = json.loads(json.dumps(DEFAULT_SESSION))
        self.buffer = b""
        self.vad = self._new_vad()
        self.speech_item: str | None = None
        self.response: asyncio.Task[None] | None = None
        self.turns = 0
        self.heard = ""
        self.last_item: str | None = None
        self.pending_output: str | None = None

    def _new_vad(self) -> Vad:
        detection = self.config["audio"]["input"].get("turn_detection") or {}
        return Vad(
            threshold=float(detection.get("threshold", 0.5)),
            prefix_padding_ms=int(detection.get("prefix_padding_ms", 300)),
            silence_duration_ms=int(detection.get("silence_duration_ms", 500)),
        )

    async def send(self, event: dict[str, Any]) -> None:
        await self.connection.send(json.dumps({"event_id": self.server.new_id("event"), **event}))

    async def error(self, code: str, message: str, param: str | None, cause: str | None) -> None:
        error = {"type": "invalid_request_error", "code": code, "message": message}
        await self.send({"type": "error", "error": {**error, "param": param, "event_id": cause}})

    async def run(self) -> None:
        await self.send({"type": "session.created", "session": self.config})
        async for message in self.connection:
            try:
                event = json.loads(message)
                kind = event["type"]
            except (ValueError, KeyError, TypeError):
                await self.error("invalid_json", "The event could not be parsed.", None, None)
                continue
            self.server.stats.client_events.append(kind)
            handler = getattr(self, "on_" + kind.replace(".", "_"), None)
            if handler is None:
                await self.error("unknown_event", f"Invalid value: '{kind}'.", "type", None)
                continue
            await handler(event)

    async def stop(self) -> None:
        await _cancelled(self.response)

    async def on_session_update(self, event: dict[str, Any]) -> None:
        try:
            if self.server.refuse_session is not None:
                raise SessionInvalid("session_refused", self.server.refuse_session, "session")
            self.config = merge_session(self.config, event.get("session"))
        except SessionInvalid as exc:
            await self.error(exc.code, str(exc), exc.param, event.get("event_id"))
            return
        self.vad = self._new_vad()
        self.server.stats.sessions.append(self.config)
        await self.send({"type": "session.updated", "session": self.config})

    async def on_input_audio_buffer_append(self, event: dict[str, Any]) -> None:
        pcm = base64.b64decode(event.get("audio", ""))
        self.buffer += pcm
        if not self.config["audio"]["input"].get("turn_detection"):
            return
        for kind, at_ms in self.vad.feed(pcm):
            if kind == "started":
                self.speech_item = self.server.new_id("item")
                await self.send(
                    {
                        "type": "input_audio_buffer.speech_started",
                        "audio_start_ms": at_ms,
                        "item_id": self.speech_item,
                    }
                )
                await self._barge_in()
            else:
                await self.send(
                    {
                        "type": "input_audio_buffer.speech_stopped",
                        "audio_end_ms": at_ms,
                        "item_id": self.speech_item,
                    }
                )
                await self._commit(self.speech_item)

    async def _barge_in(self) -> None:
        detection = self.config["audio"]["input"]["turn_detection"]
        if detection.get("interrupt_response", True) and self.response and not self.response.done():
            await _cancelled(self.response)

    async def on_input_audio_buffer_commit(self, event: dict[str, Any]) -> None:
        if len(self.buffer) < RATE * 2 // 10:  # the real server wants at least 100 ms
            await self.error(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small.",
                None,
                event.get("event_id"),
            )
            return
        await self._commit(self.server.new_id("item"))

    async def on_input_audio_buffer_clear(self, event: dict[str, Any]) -> None:
        self.buffer = b""
        await self.send({"type": "input_audio_buffer.cleared"})

    async def _commit(self, item_id: str | None) -> None:
        item_id = item_id or self.server.new_id("item")
        audio, self.buffer = Audio(self.buffer, RATE), b""
        await self.send(
            {
                "type": "input_audio_buffer.committed",
                "item_id": item_id,
                "previous_item_id": self.last_item,
            }
        )
        item = {
            "id": item_id,
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        await self.send(
            {"type": "conversation.item.added", "item": item, "previous_item_id": self.last_item}
        )
        self.last_item = item_id
        heard = await self.server.recognizer.recognize(audio)
        self.heard = heard.text
        await self.send(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item_id,
                "content_index": 0,
                "transcript": heard.text,
                "usage": {"type": "duration", "seconds": round(audio.duration_s, 3)},
            }
        )
        await self.send({"type": "conversation.item.done", "item": item})
        detection = self.config["audio"]["input"].get("turn_detection") or {}
        if detection.get("create_response", True) and detection:
            self._respond(None)

    async def on_conversation_item_create(self, event: dict[str, Any]) -> None:
        item = dict(event.get("item") or {})
        item.setdefault("id", self.server.new_id("item"))
        if item.get("type") == "function_call_output":
            self.pending_output = str(item.get("output", ""))
        elif item.get("type") != "message":
            await self.error(
                "invalid_item", "Invalid item type.", "item.type", event.get("event_id")
            )
            return
        await self.send(
            {"type": "conversation.item.added", "item": item, "previous_item_id": self.last_item}
        )
        await self.send({"type": "conversation.item.done", "item": item})
        self.last_item = item["id"]

    async def on_conversation_item_truncate(self, event: dict[str, Any]) -> None:
        await self.send(
            {
                "type": "conversation.item.truncated",
                "item_id": event.get("item_id"),
                "content_index": event.get("content_index", 0),
                "audio_end_ms": event.get("audio_end_ms", 0),
            }
        )

    async def on_response_create(self, event: dict[str, Any]) -> None:
        if self.response is not None and not self.response.done():
            await self.error(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress.",
                None,
                event.get("event_id"),
            )
            return
        output, self.pending_output = self.pending_output, None
        self._respond(output)

    async def on_response_cancel(self, event: dict[str, Any]) -> None:
        await _cancelled(self.response)

    def _respond(self, tool_output: str | None) -> None:
        self.turns += 1
        turn = FakeTurn(
            heard=self.heard,
            tool_output=tool_output,
            turn=self.turns,
            instructions=str(self.config.get("instructions", "")),
        )
        reply: FakeReply = self.server.responder(turn)
        self.response = asyncio.create_task(stream_response(self, reply))


async def _cancelled(task: asyncio.Task[None] | None) -> None:
    """Cancel ``task`` (a response being streamed) and wait until it has stopped."""
    if task is not None and not task.done():
        task.cancel()
        await asyncio.wait({task})  # never raises: the task's own cancellation stays inside it
