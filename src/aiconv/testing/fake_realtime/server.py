"""The fake Realtime server: handshake, session and the per-connection protocol loop."""

from __future__ import annotations

import http
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from aiconv.testing.fake_realtime.model import FakeReply, FakeTurn, echo
from aiconv.testing.fake_realtime.session import Session
from aiconv.voice.stt import PocketsphinxRecognizer
from aiconv.voice.tts import EspeakSynthesizer, Voice


@dataclass(slots=True)
class Stats:
    """What the server saw, for assertions: client event types, session configs, handshakes."""

    client_events: list[str] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    refused_handshakes: int = 0
    connections: int = 0


class FakeRealtimeServer:
    """``async with FakeRealtimeServer() as server``: ``server.url`` is the WebSocket base URL."""

    def __init__(
        self,
        responder: Callable[[FakeTurn], FakeReply] = echo,
        *,
        api_key: str = "sk-fake-realtime",
        refuse_session: str | None = None,
        voice: Voice | None = None,
        models: tuple[str, ...] = ("gpt-realtime", "gpt-4o-realtime-preview"),
    ) -> None:
        self.responder = responder
        self.api_key = api_key
        #: When set, every session.update is answered with this error (a refused session).
        self.refuse_session = refuse_session
        self.voice = voice or Voice(name="en-us+klatt")
        self.models = models
        self.stats = Stats()
        self.synthesizer = EspeakSynthesizer()
        self.recognizer = PocketsphinxRecognizer()
        self._server: Server | None = None
        self._ids = itertools.count(1)
        self.url = ""

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}{uuid.uuid4().hex[:8]}"

    async def __aenter__(self) -> FakeRealtimeServer:
        self._server = await serve(
            self._serve, "127.0.0.1", 0, process_request=self._handshake, max_size=None
        )
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self.recognizer.close()

    def _handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        model = parse_qs(parts.query).get("model", [""])[0]
        if parts.path.rstrip("/") != "/v1/realtime":
            return _refuse(connection, http.HTTPStatus.NOT_FOUND, "invalid_request_error", "")
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            self.stats.refused_handshakes += 1
            return _refuse(
                connection, http.HTTPStatus.UNAUTHORIZED, "invalid_api_key", "Incorrect API key"
            )
        if model not in self.models:
            self.stats.refused_handshakes += 1
            message = f"The model `{model}` does not exist or you do not have access to it."
            return _refuse(connection, http.HTTPStatus.NOT_FOUND, "model_not_found", message)
        return None

    async def _serve(self, connection: ServerConnection) -> None:
        self.stats.connections += 1
        session = Session(self, connection)
        try:
            await session.run()
        except ConnectionClosed:
            pass
        finally:
            await session.stop()


def _refuse(connection: ServerConnection, status: int, code: str, message: str) -> Response:
    body = {"error": {"type": "invalid_request_error", "code": code, "message": message}}
    response = connection.respond(status, json.dumps(body))
    response.headers["Content-Type"] = "application/json"
    return response
