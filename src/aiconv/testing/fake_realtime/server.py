"""The fake Realtime server: handshake, session and the per-connection protocol loop."""

from __future__ import annotations

import http
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from aiconv.testing.fake_realtime.model import FakeReply, FakeTurn, echo
from aiconv.testing.fake_realtime.session import Session
from aiconv.testing.speech_server import SpeechServer
from aiconv.voice.tts import Voice


@dataclass(slots=True)
class Stats:
    """What the server saw, for assertions: client event types, session configs, handshakes."""

    client_events: list[str] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    refused_handshakes: int = 0
    connections: int = 0


class FakeRealtimeServer(SpeechServer):
    """``async with FakeRealtimeServer() as server``: ``server.url`` is the WebSocket base URL."""

    PATH = "/v1"

    def __init__(
        self,
        responder: Callable[[FakeTurn], FakeReply] = echo,
        *,
        api_key: str = "sk-fake-realtime",
        refuse_session: str | None = None,
        voice: Voice | None = None,
        models: tuple[str, ...] = ("gpt-realtime", "gpt-4o-realtime-preview"),
    ) -> None:
        super().__init__(voice)
        self.responder = responder
        self.api_key = api_key
        #: When set, every session.update is answered with this error (a refused session).
        self.refuse_session = refuse_session
        self.models = models
        self.stats = Stats()
        self._ids = itertools.count(1)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}{uuid.uuid4().hex[:8]}"

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
