"""A local WebSocket server that speaks (espeak-ng) and hears (pocketsphinx): what the fake
Realtime server and the local voice agent share (a free port on 127.0.0.1, the URL, shutdown).
"""

from __future__ import annotations

from types import TracebackType
from typing import ClassVar, Self

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from aiconv.voice.stt import PocketsphinxRecognizer
from aiconv.voice.tts import EspeakSynthesizer, Voice


class SpeechServer:
    """``async with`` it: ``url`` is ``ws://127.0.0.1:PORT`` + ``PATH``; subclasses serve each
    connection (``_serve``) and may refuse a handshake (``_handshake``)."""

    PATH: ClassVar[str] = ""

    def __init__(self, voice: Voice | None) -> None:
        self.voice = voice or Voice(name="en-us+klatt")
        self.synthesizer = EspeakSynthesizer()
        self.recognizer = PocketsphinxRecognizer()
        self._server: Server | None = None
        self.url = ""

    async def __aenter__(self) -> Self:
        self._server = await serve(
            self._serve, "127.0.0.1", 0, process_request=self._handshake, max_size=None
        )
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}{self.PATH}"
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self.recognizer.close()

    def _handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        """None accepts the connection; a response refuses it."""
        return None

    async def _serve(self, connection: ServerConnection) -> None:
        raise NotImplementedError
