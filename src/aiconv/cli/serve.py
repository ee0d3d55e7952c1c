"""``aic serve``: the web view of a log under uvicorn, on 127.0.0.1 unless told so; its write API
(the human seat over HTTP) only with ``AIC_API_TOKEN`` set."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from aiconv.cli.command import command
from aiconv.cli.defaults import sources_of
from aiconv.cli.options import EXIT_INTERRUPTED, json_option, log_options, option
from aiconv.cli.telemetry import Telemetry, TelemetryOptions, start_telemetry, telemetry_options
from aiconv.cli.values import DIRECTORY, HOST, PORT
from aiconv.cli.voice import resolve_audio_dir
from aiconv.cli.wiring import LogOptions, Runtime
from aiconv.errors import ConfigError
from aiconv.extras import require_extra
from aiconv.observability.redaction import redact_url
from aiconv.platform.markdown import visible_controls
from aiconv.queues.urls import connect_log

if TYPE_CHECKING:
    from aiconv.web.seats import WriteAccess

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: ``Host`` header names accepted when serving on loopback (a guard against DNS rebinding).
LOOPBACK_HOST_HEADERS = ("127.0.0.1", "localhost", "[::1]")


def allowed_hosts(host: str) -> list[str] | None:
    """Loopback names when bound to loopback; None (any host) when exposed on purpose."""
    return list(LOOPBACK_HOST_HEADERS) if host in LOOPBACK else None


@command()
@option("--host", type=HOST, default="127.0.0.1", show_default=True, help="Interface to bind.")
@option("--port", type=PORT, default=8080, show_default=True, help="Port (0 picks a free one).")
@option("--audio-dir", type=DIRECTORY, help="Audio of voice conversations.")
@json_option(help="Print one JSON line with the URL once listening.")
@log_options
@telemetry_options(default_level="warning")
def serve(host: str, port: int, audio_dir: Path | None, as_json: bool, **kw: Any) -> None:
    """Serve the web view of the conversations (live transcripts, runs, JSON API); with
    AIC_API_TOKEN set, also the write API through which a person talks to an agent."""
    # uvicorn and the web app are imported in _serve, so other `aic` commands start without them
    # (they come with the web extra, checked first).
    require_extra("web", "aic serve")
    runtime = Runtime.load(LogOptions.of(kw))
    token = sources_of(click.get_current_context()).api_token()
    if token is not None:
        _check_token(token.get_secret_value())
    audio = resolve_audio_dir(runtime, audio_dir)
    listener = bind(host, port)
    telemetry = None
    try:
        telemetry = start_telemetry(TelemetryOptions.of(kw), runtime)
        write = _write_access(runtime, token.get_secret_value(), telemetry) if token else None
        shown = redact_url(runtime.log_url)
        # uvicorn re-raises the SIGTERM it handled once it has stopped; exit through Python then,
        # so the spans of the conversations it ran are flushed below.
        signal.signal(signal.SIGTERM, _exit_on_terminate)
        asyncio.run(_serve(runtime.log_url, shown, listener, host, audio, write, as_json=as_json))
    finally:
        listener.close()
        if telemetry is not None:
            telemetry.close()  # flushes the spans of the conversations it ran


#: The shortest token accepted: a guessable one would open the write API to anyone who can reach it.
MIN_TOKEN = 16


def _exit_on_terminate(_signum: int, _frame: object) -> None:
    """SIGTERM ends the command as SIGINT does: exit code 130 (the README's table), not the
    143 of a process the signal killed."""
    raise SystemExit(EXIT_INTERRUPTED)


def _check_token(token: str) -> None:
    if len(token) < MIN_TOKEN or not token.isprintable() or token != token.strip():
        raise ConfigError(
            f"AIC_API_TOKEN must be at least {MIN_TOKEN} printable characters without blanks "
            "around them, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )


def _write_access(runtime: Runtime, token: str, telemetry: Telemetry) -> WriteAccess:
    """The write API's settings: the token, and agents built, guarded and instrumented as every
    command that runs agents builds them (their turns traced and counted)."""
    from aiconv.web.seats import WriteAccess

    return WriteAccess(
        token=token,
        registry=runtime.registry,
        build=lambda spec: telemetry.instrument(runtime.provider(spec)),
        env=runtime.env,
        observer=telemetry.observer,
    )


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


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, bound before anything else happens, so a bad host
    or a port in use is a one-line error and nothing is opened or written."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ConfigError(f"--host {host!r} is not an address to listen on ({reason})") from exc
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} "
            "(is the port in use? --port 0 picks a free one)"
        ) from exc
    return sock


async def _serve(
    url: str,
    shown: str,
    listener: socket.socket,
    host: str,
    audio_dir: Path,
    write: WriteAccess | None,
    *,
    as_json: bool,
) -> None:
    """Open the log (a bad URL or a server that is down is a one-line error, not a failed
    start-up), then serve it on ``listener`` and print the address actually bound."""
    import uvicorn

    from aiconv.web import create_app

    log = await connect_log(url, "create" if write else "read")
    try:
        app = create_app(log, allowed_hosts=allowed_hosts(host), audio_dir=audio_dir, write=write)
        config = uvicorn.Config(
            app, log_level="warning", timeout_graceful_shutdown=2, server_header=False
        )
        server = _notifying_server()(config)
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        ready = asyncio.create_task(server.ready.wait())
        await asyncio.wait({serving, ready}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if server.started:
            mode = "write API on, bearer token required" if write else "read-only"
            _announce(shown, host, listener.getsockname()[1], mode, as_json=as_json)
        await serving
    finally:
        await log.close()


def _announce(shown: str, host: str, port: int, mode: str, *, as_json: bool) -> None:
    name = f"[{host}]" if ":" in host else host
    url = f"http://{name}:{port}/"
    click.echo(f"serving {visible_controls(shown)} on {url} ({mode})", err=True)
    if as_json:
        click.echo(json.dumps({"url": url, "log_url": shown}))
