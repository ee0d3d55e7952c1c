"""The Starlette application: routes, the log's lifetime, error pages and security headers.

``create_app`` takes a log URL (opened at startup, closed at shutdown) or an open log (owned by
the caller). The app only reads; every route is a GET. Responses carry a Content Security Policy
that allows no inline script, as a second line of defence behind escaping.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aiconv.queues.log import ConversationLog
from aiconv.queues.urls import connect_log
from aiconv.web import api, pages
from aiconv.web.queries import BadRequest, OutcomeCache

STATIC_DIR = Path(__file__).parent / "static"

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        b"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
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


async def _http_error(request: Request, exc: Exception) -> Response:
    status, detail = (exc.status_code, exc.detail) if isinstance(exc, HTTPException) else (400, "")
    if isinstance(exc, BadRequest):
        detail = str(exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": detail}, status_code=status)
    return pages.render(request, "error.html", status_code=status, status=status, detail=detail)


def _lifespan(
    log: ConversationLog | str,
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """Open the log at a URL for the app's lifetime; an open log belongs to the caller."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not isinstance(log, str):
            yield
            return
        app.state.log = opened = await connect_log(log)
        app.state.outcomes = OutcomeCache(opened)
        try:
            yield
        finally:
            await opened.close()

    return lifespan


def create_app(
    log: ConversationLog | str,
    *,
    ping_s: float = 15.0,
    allowed_hosts: Sequence[str] | None = None,
) -> Starlette:
    """The web app over ``log`` (a URL such as ``sqlite:///runs.db``, or an open log).

    ``ping_s`` is how often an idle live stream sends a keep-alive comment; ``allowed_hosts``
    restricts the ``Host`` header (e.g. to loopback names, against DNS rebinding).
    """
    middleware = [Middleware(SecurityHeaders)]
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    app = Starlette(
        routes=[*pages.ROUTES, *api.ROUTES, Mount("/static", StaticFiles(directory=STATIC_DIR))],
        middleware=middleware,
        exception_handlers={HTTPException: _http_error, BadRequest: _http_error},
        lifespan=_lifespan(log),
    )
    app.state.templates = pages.templates()
    app.state.ping_s = ping_s
    if not isinstance(log, str):
        app.state.log = log
        app.state.outcomes = OutcomeCache(log)
    return app
