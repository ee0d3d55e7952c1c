"""How the fake LLM server is served: a listening socket, uvicorn without its signal handlers,
a response that drops its connection on purpose, and streaming from a list of events.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Generator, Iterable

import uvicorn
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


class Dropped(Exception):
    """Raised inside a response to make uvicorn close the connection mid-body."""


class InProcessServer(uvicorn.Server):
    """uvicorn without its signal handlers: the host process (pytest, the CLI) owns signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class DroppedResponse(Response):
    """Starts a response, sends part of it, then drops the connection."""

    def __init__(self, *, stream: bool) -> None:
        super().__init__()
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        media = b"text/event-stream" if self.stream else b"application/json"
        headers = [(b"content-type", media)]
        if not self.stream:
            headers.append((b"content-length", b"512"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        partial = b"" if self.stream else b'{"id": "cut'
        await send({"type": "http.response.body", "body": partial, "more_body": True})
        raise Dropped("fake server dropped the connection on purpose")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (``port=0``: a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def aiter_events(items: Iterable[str]) -> AsyncIterator[str]:
    for item in items:
        yield item
