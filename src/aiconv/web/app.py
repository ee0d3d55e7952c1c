"""The web application (FastAPI on Starlette): routes, the log's lifetime, error answers and
security headers.

``create_app`` takes a log URL (opened at startup, closed at shutdown) or an open log (owned by
the caller). It only reads unless ``write`` turns on the write API (``talk.py``). Responses
carry a Content Security Policy that allows no inline script, a second line of defence behind
escaping.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aiconv.queues.log import ConversationLog
from aiconv.queues.urls import connect_log
from aiconv.web import api, audio, docs, pages, talk
from aiconv.web.openapi import DESCRIPTION, TITLE, VERSION
from aiconv.web.params import BadRequest, describe_error
from aiconv.web.queries import OutcomeCache
from aiconv.web.seats import Seats, WriteAccess

STATIC_DIR = Path(__file__).parent / "static"

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; media-src 'self'; base-uri 'none'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every HTTP response (pure ASGI, so streams stay streams)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """Answers HEAD on the JSON API as its GET without the body: RFC 9110 has a server answer
    HEAD wherever it answers GET (``curl -I``, uptime checks), as the pages (Starlette routes)
    already do. The document lists the GETs alone. Not the live stream: it would stay open."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or not _heads(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def _heads(path: str) -> bool:
    """Whether HEAD at ``path`` is answered by ``HeadAsGet``."""
    return path.startswith("/api/") and not path.endswith("/stream")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _allow(request: Request) -> dict[str, str]:
    """``Allow`` with every method of every route at the request's path (Starlette's own names
    only the first route it matched, and GET and POST of one path are two routes)."""
    path = request.url.path
    methods = {
        method
        for regex, route_methods in request.app.state.methods
        if regex.match(path)
        for method in route_methods
    }
    if "GET" in methods and _heads(path):
        methods.add("HEAD")
    return {"Allow": ", ".join(sorted(methods))}


async def _http_error(request: Request, exc: Exception) -> Response:
    """A 4xx answer: JSON under ``/api/``, a page elsewhere; its headers (``Allow``) kept."""
    if isinstance(exc, HTTPException):
        status, detail, headers = exc.status_code, str(exc.detail), exc.headers
        if status == 405:
            headers = {**(headers or {}), **_allow(request)}
    else:
        detail = describe_error(exc) if isinstance(exc, RequestValidationError) else str(exc)
        status, headers = 400, None
    if _is_api(request):
        return JSONResponse({"error": detail}, status_code=status, headers=headers)
    page = pages.render(request, "error.html", status_code=status, status=status, detail=detail)
    page.headers.update(headers or {})
    return page


async def _server_error(request: Request, exc: Exception) -> Response:
    """A 500 says so in the format of the route (the traceback goes to the server's log)."""
    detail = "internal error: the server's log has the details"
    if _is_api(request):
        return JSONResponse({"error": detail}, status_code=500)
    return PlainTextResponse(detail, status_code=500)


#: Errors -> answers in the route's format: 4xx with what was wrong, 500 saying where to look.
ERROR_HANDLERS: dict[
    int | type[Exception], Callable[[Request, Any], Coroutine[Any, Any, Response]]
] = {
    HTTPException: _http_error,
    RequestValidationError: _http_error,
    BadRequest: _http_error,
    Exception: _server_error,
}


def _lifespan(
    log: ConversationLog | str, write: WriteAccess | None
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """Open the log at a URL for the app's lifetime (an open log belongs to the caller); run the
    conversations the write API starts, and interrupt those still running at shutdown."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if isinstance(log, str):
                app.state.log = opened = await connect_log(log)
                stack.push_async_callback(opened.close)
                app.state.outcomes = OutcomeCache(opened)
            if write is not None:
                app.state.seats = seats = Seats(app.state.log, write)
                stack.push_async_callback(seats.aclose)
            yield

    return lifespan


def create_app(
    log: ConversationLog | str,
    *,
    ping_s: float = 15.0,
    allowed_hosts: Sequence[str] | None = None,
    write: WriteAccess | None = None,
    audio_dir: Path | None = None,
) -> FastAPI:
    """The web app over ``log`` (a URL such as ``sqlite:///runs.db``, or an open log).

    ``ping_s`` is how often an idle live stream sends a keep-alive comment; ``allowed_hosts``
    restricts the ``Host`` header (e.g. to loopback names, against DNS rebinding); ``write``
    turns on the write API (a person talks to an agent; ``talk.py``), off without it;
    ``audio_dir`` is the blob store of voice conversations (default: next to a SQLite log).
    """
    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        routes=[
            *pages.ROUTES,
            *audio.ROUTES,
            *docs.ROUTES,
            Mount("/static", StaticFiles(directory=STATIC_DIR)),
        ],
        middleware=_middleware(allowed_hosts),
        exception_handlers=dict(ERROR_HANDLERS),
        lifespan=_lifespan(log, write),
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    _include_routers(app, write)
    app.state.templates = pages.templates()
    app.state.ping_s = ping_s
    app.state.audio_dir = audio.audio_dir_for(log, audio_dir)
    if not isinstance(log, str):
        app.state.log = log
        app.state.outcomes = OutcomeCache(log)
    return app


def _middleware(allowed_hosts: Sequence[str] | None) -> list[Middleware]:
    """Security headers on every answer, HEAD on the API; the ``Host`` check when hosts are
    restricted."""
    middleware = [Middleware(SecurityHeaders), Middleware(HeadAsGet)]
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    return middleware


def _include_routers(app: FastAPI, write: WriteAccess | None) -> None:
    """The JSON API (and the write API when it is on), and every path's methods (for 405)."""
    routers = [api.router, *([talk.router] if write is not None else [])]
    for router in routers:
        app.include_router(router)
    routes = [
        *pages.ROUTES,
        *audio.ROUTES,
        *docs.ROUTES,
        *(r for router in routers for r in router.routes),
    ]
    app.state.methods = [
        (route.path_regex, route.methods) for route in routes if isinstance(route, Route)
    ]
