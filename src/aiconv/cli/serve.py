"""``aic serve``: the web view of a log under uvicorn, on 127.0.0.1 unless told so; its write API
(the human seat over HTTP) only with ``AIC_API_TOKEN`` set."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aiconv.cli.options import friendly_errors, log_options, option
from aiconv.cli.voice import resolve_audio_dir
from aiconv.cli.wiring import Runtime
from aiconv.errors import ConfigError
from aiconv.observability.redaction import redact_url
from aiconv.queues.urls import connect_log

if TYPE_CHECKING:
    from aiconv.web.seats import WriteAccess

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: ``Host`` header names accepted when serving on loopback (a guard against DNS rebinding).
LOOPBACK_HOST_HEADERS = ("127.0.0.1", "localhost", "[::1]")


def allowed_hosts(host: str) -> list[str] | None:
    """Loopback names when bound to loopback; None (any host) when exposed on purpose."""
    return list(LOOPBACK_HOST_HEADERS) if host in LOOPBACK else None


@click.command()
@option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@option("--port", type=int, default=8080, show_default=True, help="Port to listen on.")
@option("--audio-dir", type=click.Path(path_type=Path), help="Audio of voice conversations.")
@log_options
@friendly_errors
def serve(
    host: str, port: int, audio_dir: Path | None, log_url: str | None, db: Path | None
) -> None:
    """Serve the web view of the conversations (live transcripts, runs, JSON API); with
    AIC_API_TOKEN set, also the write API through which a person talks to an agent."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535 (got {port})")
    # uvicorn and the web app are imported in _serve, so other `aic` commands start without them.
    runtime = Runtime.load(log_url=log_url, db=db)
    token = runtime.settings.api_token
    write = _write_access(runtime, token.get_secret_value()) if token is not None else None
    shown = redact_url(runtime.log_url)
    audio = resolve_audio_dir(runtime, audio_dir)
    asyncio.run(_serve(runtime.log_url, shown, host, port, audio, write))


#: The shortest token accepted: a guessable one would open the write API to anyone who can reach it.
MIN_TOKEN = 16


def _write_access(runtime: Runtime, token: str) -> WriteAccess:
    """The write API's settings: the token, and agents built as every command builds them."""
    from aiconv.web.seats import WriteAccess

    if len(token) < MIN_TOKEN or not token.isprintable() or token != token.strip():
        raise ConfigError(
            f"AIC_API_TOKEN must be at least {MIN_TOKEN} printable characters without blanks "
            "around them, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return WriteAccess(token=token, registry=runtime.registry, build=runtime.provider)


def _notifying_server() -> type:
    import uvicorn

    class NotifyingServer(uvicorn.Server):
        """uvicorn's server with an event set once it listens (uvicorn exposes none)."""

        def __init__(self, config: uvicorn.Config) -> None:
            super().__init__(config)
            self.ready = asyncio.Event()

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                self.ready.set()

    return NotifyingServer


async def _serve(
    url: str, shown: str, host: str, port: int, audio_dir: Path, write: WriteAccess | None = None
) -> None:
    """Open the log first (a bad URL or a server that is down is a one-line error, not a
    failed start-up), then serve it and print the address actually bound (``--port 0``)."""
    import uvicorn

    from aiconv.web import create_app

    log = await connect_log(url)
    try:
        app = create_app(log, allowed_hosts=allowed_hosts(host), audio_dir=audio_dir, write=write)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=2,
            server_header=False,
        )
        server = _notifying_server()(config)
        serving = asyncio.create_task(server.serve())
        ready = asyncio.create_task(server.ready.wait())
        await asyncio.wait({serving, ready}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if server.started:
            bound = server.servers[0].sockets[0].getsockname()[1]
            mode = "write API on, bearer token required" if write else "read-only"
            click.echo(f"serving {shown} on http://{host}:{bound}/ ({mode})", err=True)
        await serving
        if not server.started:
            raise ConfigError(f"cannot listen on {host}:{port} (is the port in use?)")
    finally:
        await log.close()
