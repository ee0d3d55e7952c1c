"""Responses of the fake Realtime model, streamed event by event like the real server."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import TYPE_CHECKING, Any

from aiconv.testing.fake_realtime.model import FakeReply

if TYPE_CHECKING:
    from aiconv.testing.fake_realtime.session import Session

RATE = 24_000
CHUNK_BYTES = RATE * 2 // 10  # 100 ms of PCM16


async def stream_response(session: Session, reply: FakeReply) -> None:
    """``response.created`` … ``response.done``; a cancelled response ends as ``cancelled``."""
    new_id = session.server.new_id
    response: dict[str, Any] = {
        "id": new_id("resp"),
        "object": "realtime.response",
        "status": "in_progress",
        "output": [],
    }
    await session.send({"type": "response.created", "response": response})
    try:
        if reply.tool is not None:
            item = await _function_call(session, response["id"], *reply.tool)
        else:
            item = await _speak(session, response, reply.text)
    except asyncio.CancelledError:
        details = {"type": "cancelled", "reason": "turn_detected"}
        done = {**response, "status": "cancelled", "status_details": details}
        await asyncio.shield(session.send({"type": "response.done", "response": done}))
        raise
    words = len(reply.text.split()) + len(json.dumps(reply.tool or ""))
    usage = {"total_tokens": 20 + words, "input_tokens": 20, "output_tokens": words}
    done = {**response, "status": "completed", "output": [item], "usage": usage}
    if reply.incomplete is not None:
        details = {"type": "incomplete", "reason": reply.incomplete}
        done = {**done, "status": "incomplete", "status_details": details}
    await session.send({"type": "response.done", "response": done})


async def _function_call(
    session: Session, response_id: str, name: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    item = {
        "id": session.server.new_id("item"),
        "type": "function_call",
        "status": "completed",
        "name": name,
        "call_id": session.server.new_id("call"),
        "arguments": json.dumps(arguments),
    }
    where = {"response_id": response_id, "output_index": 0}
    await session.send(
        {
            "type": "response.output_item.added",
            **where,
            "item": {**item, "arguments": "", "status": "in_progress"},
        }
    )
    ids = {"item_id": item["id"], "call_id": item["call_id"]}
    await session.send(
        {
            "type": "response.function_call_arguments.delta",
            **where,
            **ids,
            "delta": item["arguments"],
        }
    )
    await session.send(
        {
            "type": "response.function_call_arguments.done",
            **where,
            **ids,
            "name": name,
            "arguments": item["arguments"],
        }
    )
    await session.send({"type": "response.output_item.done", **where, "item": item})
    return item


async def _speak(session: Session, response: dict[str, Any], text: str) -> dict[str, Any]:
    item_id = session.server.new_id("item")
    item: dict[str, Any] = {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    response["output"] = [item]
    where = {
        "response_id": response["id"],
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
    }
    await session.send(
        {
            "type": "response.output_item.added",
            "response_id": response["id"],
            "output_index": 0,
            "item": item,
        }
    )
    part = await _content(session, where, text)
    item = {**item, "status": "completed", "content": [part]}
    await session.send(
        {
            "type": "response.output_item.done",
            "response_id": response["id"],
            "output_index": 0,
            "item": item,
        }
    )
    return item


async def _content(session: Session, where: dict[str, Any], text: str) -> dict[str, Any]:
    """One content part, audio or text as the session's output modalities ask: added, streamed,
    done; the finished part."""
    audio_out = "audio" in session.config.get("output_modalities", ["audio"])
    part = {"type": "audio" if audio_out else "text", "transcript": ""}
    await session.send({"type": "response.content_part.added", **where, "part": part})
    if audio_out:
        await _stream_audio(session, where, text)
    else:
        await session.send({"type": "response.output_text.delta", **where, "delta": text})
        await session.send({"type": "response.output_text.done", **where, "text": text})
    part = {"type": "audio", "transcript": text} if audio_out else {"type": "text", "text": text}
    await session.send({"type": "response.content_part.done", **where, "part": part})
    return part


async def _stream_audio(session: Session, where: dict[str, Any], text: str) -> None:
    audio = await session.server.synthesizer.synthesize(text, session.server.voice)
    pcm = audio.to_rate(RATE).pcm
    chunks = [pcm[i : i + CHUNK_BYTES] for i in range(0, len(pcm), CHUNK_BYTES)] or [b""]
    words = text.split()
    per_chunk = max(1, -(-len(words) // len(chunks)))
    for index, chunk in enumerate(chunks):
        delta = base64.b64encode(chunk).decode()
        await session.send({"type": "response.output_audio.delta", **where, "delta": delta})
        spoken = words[index * per_chunk : (index + 1) * per_chunk]
        if spoken:
            prefix = "" if index == 0 else " "
            await session.send(
                {
                    "type": "response.output_audio_transcript.delta",
                    **where,
                    "delta": prefix + " ".join(spoken),
                }
            )
        await asyncio.sleep(0)  # a barge-in may cancel between chunks
    await session.send({"type": "response.output_audio.done", **where})
    await session.send(
        {"type": "response.output_audio_transcript.done", **where, "transcript": text}
    )
