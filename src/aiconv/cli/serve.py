"""``aic serve``: the read-only web view of a log under uvicorn, on 127.0.0.1 unless told so."""

from __future__ import annotations

from pathlib import Path

import click

from aiconv.cli.options import friendly_errors, log_options, option
from aiconv.cli.wiring import Runtime
from aiconv.errors import ConfigError
from aiconv.observability.redaction import redact_url

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: ``Host`` header names accepted when serving on loopback (a guard against DNS rebinding).
LOOPBACK_HOST_HEADERS = ("127.0.0.1", "localhost", "[::1]")


def allowed_hosts(host: str) -> list[str] | None:
    """Loopback names when bound to loopback; None (any host) when exposed on purpose."""
    return list(LOOPBACK_HOST_HEADERS) if host in LOOPBACK else None


@click.command()
@option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@option("--port", type=int, default=8080, show_default=True, help="Port to listen on.")
@log_options
@friendly_errors
def serve(host: str, port: int, log_url: str | None, db: Path | None) -> None:
    """Serve a read-only web view of the conversations (live transcripts, runs, JSON API)."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535 (got {port})")
    # Imported here so that every other `aic` command starts without the web stack.
    import uvicorn

    from aiconv.web import create_app

    runtime = Runtime.load(log_url=log_url, db=db)
    app = create_app(runtime.log_url, allowed_hosts=allowed_hosts(host))
    click.echo(
        f"serving {redact_url(runtime.log_url)} on http://{host}:{port}/ (read-only)", err=True
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=2,
        server_header=False,
    )
