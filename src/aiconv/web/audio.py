"""Voice in the web view: each utterance's audio and the whole call as a stereo WAV.

Audio is read from the blob store of the log (``--audio-dir``, by default next to a SQLite log);
a reference is validated before it names a file. The stereo mix is rendered on request (it needs
the voice extra; without it the route answers 404 saying so).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from aiconv.errors import ConfigError
from aiconv.platform.codec import Recorded
from aiconv.voice.blobs import BlobStore, default_blob_dir, is_ref
from aiconv.voice.projection import utterances_of
from aiconv.web.api import log_of
from aiconv.web.params import checked_id
from aiconv.web.queries import load_conversation


def audio_dir_for(log: object, audio_dir: Path | None) -> Path:
    """The blob directory the app serves: the one given, else the log's default."""
    if audio_dir is not None:
        return audio_dir
    if isinstance(log, str):
        path = (
            log.removeprefix("sqlite:///").split("?")[0] if log.startswith("sqlite:///") else None
        )
        return default_blob_dir(Path(path) if path else None)
    return default_blob_dir(log)


def spoken_by_message(events: list[Recorded]) -> dict[int, dict[str, Any]]:
    """For the transcript: each spoken message's audio URL, duration and what was heard."""
    return {
        u.sequence: {
            "url": f"/audio/{u.audio_ref}",
            "duration_s": round(u.duration_s, 2),
            "voice": u.voice,
            "heard": u.heard,
            "listener": u.listener,
            "confidence": u.confidence,
            "cut_at_s": round(u.played, 2) if u.interrupted_by else None,
        }
        for u in utterances_of(events)
    }


def _store(request: Request) -> BlobStore:
    return BlobStore(request.app.state.audio_dir)


async def utterance_audio(request: Request) -> Response:
    """One utterance's audio (PCM16 16 kHz mono WAV)."""
    ref = request.path_params["ref"]
    if not is_ref(ref):
        raise HTTPException(400, "an audio reference is sha256: and 64 hex digits")
    store = _store(request)
    if not await store.has(ref):
        raise HTTPException(404, f"no audio {ref} (pruned, or another --audio-dir)")
    return FileResponse(store.path(ref), media_type="audio/wav")


async def call_audio(request: Request) -> Response:
    """The whole call as a stereo WAV: caller left, agent right, on the call's timeline."""
    cid = checked_id("conversation_id", request.path_params["conversation_id"])
    found = await load_conversation(log_of(request), cid)
    if found is None:
        raise HTTPException(404, f"no conversation {cid}")
    try:
        from aiconv.voice.export import call_of
        from aiconv.voice.recording import render
    except ImportError as exc:
        raise HTTPException(404, "playing a call needs the voice extra") from exc
    try:
        files = await render(call_of(found.state, found.events), _store(request))
    except FileNotFoundError as exc:
        raise HTTPException(404, f"audio of {cid} is missing (pruned?)") from exc
    except ConfigError as exc:  # not a voice conversation
        raise HTTPException(404, str(exc)) from exc
    return ranged_wav(files["stereo.wav"], request.headers.get("range"))


_BYTE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def ranged_wav(body: bytes, asked: str | None) -> Response:
    """``body`` as a WAV, or the one byte range ``asked`` for (206, or 416 beyond its end): a
    browser asks for ranges to seek, and an answer without them leaves the player unseekable.
    A header naming several ranges, or an invalid one, is ignored (RFC 9110): the whole file."""
    size = len(body)
    headers = {"Accept-Ranges": "bytes"}
    found = _BYTE_RANGE.fullmatch(asked.strip()) if asked else None
    first, last = found.groups() if found else ("", "")
    if not (first or last) or (first and last and int(last) < int(first)):
        return Response(body, media_type="audio/wav", headers=headers)
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(0, size - int(last)), size - 1
    if start > end:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(body[start : end + 1], 206, headers=headers, media_type="audio/wav")


ROUTES = [
    Route("/audio/{ref}", utterance_audio),
    Route("/conversations/{conversation_id}/recording.wav", call_audio),
]
