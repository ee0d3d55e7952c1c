"""``aic cache import RUN --participant NAME``: fill the response cache with a participant's
replies from a run in the log, so candidates can replay it (``aic simulate --cache NAME=use``).

Exit codes: 0, 2 for bad input (an unknown run or participant, a bad cache URL).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import click

from aiconv.agents.cache import CacheStore
from aiconv.agents.cache_stores import cache_store, check_cache_url
from aiconv.cli.command import AicGroup
from aiconv.cli.options import json_option, log_options, option
from aiconv.cli.report import require_log
from aiconv.cli.wiring import LogOptions, Runtime
from aiconv.errors import ConfigError
from aiconv.observability.redaction import redact_url
from aiconv.platform.events import ParticipantSpec
from aiconv.queues.redis_transport import mismatch
from aiconv.queues.redis_urls import parse_target
from aiconv.queues.urls import connect_log
from aiconv.settings import default_db_path
from aiconv.simulation.runs import check_run_id
from aiconv.simulation.seeding import seed_cache


def default_cache_url(log_url: str) -> str:
    """``responses.db`` next to a SQLite log, else in the user data directory."""
    if log_url.startswith("sqlite:///"):
        path = Path(unquote(urlsplit(log_url).path[1:]))
        folder = path.parent if path.name else path  # '.', '/': refused when the log opens
        return f"sqlite:///{folder / 'responses.db'}"
    return f"sqlite:///{default_db_path().with_name('responses.db')}"


def checked_cache_url(url: str) -> str:
    """``url`` checked before any work (a Redis URL's parameters and database as for a log,
    our own log parameters taken out); ConfigError naming what to fix."""
    check_cache_url(url)
    if urlsplit(url).scheme in ("redis", "rediss"):
        return parse_target(url).url
    return url


async def cache_transport_mismatch(url: str) -> ConfigError | None:
    """For a Redis cache that did not answer: a one-line error when its server speaks the other
    transport than ``url`` (``rediss://`` at a plain Redis waited 5 s and said only "Timeout
    connecting to server"), else None (an outage: ``LogUnavailable`` as before)."""
    if urlsplit(url).scheme not in ("redis", "rediss"):
        return None
    hint = await mismatch(parse_target(url), what="--cache-url")  # (already checked)
    return None if hint is None else ConfigError(f"the response cache: {hint}")


def check_replay_source(url: str) -> None:
    """ConfigError when ``url`` is a SQLite cache that does not exist: a seat replaying from it
    would miss on every reply (a mistyped ``--cache-url``, or a baseline never recorded), so the
    run is refused before a conversation, the cache file or its folder is written."""
    if url == "memory://":  # every conversation missed, and failed
        raise ConfigError(
            "no response cache to replay in memory://: it starts empty in every process; give "
            "the --cache-url a run was recorded in"
        )
    parts = urlsplit(url)
    path = Path(unquote(parts.path[1:]))
    if parts.scheme == "sqlite" and not path.exists():
        raise ConfigError(
            f"no response cache at {path} to replay: record a run into it first "
            "(--cache NAME=record) or give the --cache-url it was recorded in"
        )


@click.group(name="cache", cls=AicGroup)
def cache_group() -> None:
    """The response cache shared by simulations."""


@cache_group.command(name="import")
@click.argument("run_id")
@option("--participant", default="customer", show_default=True, help="Whose replies to import.")
@option("--cache-url", help="The cache (default: responses.db next to the SQLite log).")
@json_option(help="Print one JSON document: run_id, participant, cached, cache_url.")
@log_options
def import_command(run_id: str, as_json: bool, **kw: Any) -> None:
    """Store every reply PARTICIPANT posted in run RUN_ID in the response cache."""
    check_run_id(run_id)
    runtime = Runtime.load(LogOptions.of(kw))
    url = checked_cache_url(kw["cache_url"] or default_cache_url(runtime.log_url))
    if url == "memory://":  # it said "cached N replies", which were gone as it exited
        raise ConfigError(
            "aic cache import with memory://: memory:// is this process's own cache, gone when "
            "it ends; give a SQLite file (sqlite:///responses.db) or a Redis URL"
        )
    require_log(runtime.log_url, run_id)

    def vendor_of(participant: ParticipantSpec) -> tuple[str, str, str | None]:
        spec = runtime.registry.resolve(participant.agent, model=participant.model or None)
        return spec.vendor, spec.model, runtime.registry.cache_endpoint(spec, runtime.env)

    store = cache_store(url)  # checks the file (SQLite reads, a wait): before the event loop
    count = asyncio.run(_import(runtime.log_url, store, run_id, kw["participant"], vendor_of))
    if as_json:
        document = {"run_id": run_id, "participant": kw["participant"], "cached": count}
        click.echo(json.dumps({**document, "cache_url": redact_url(url)}))
        return
    click.echo(f"cached {count} replies of {kw['participant']} from run {run_id}")


async def _import(
    log_url: str, store: CacheStore, run_id: str, participant: str, vendor_of: Any
) -> int:
    log = await connect_log(log_url, "read")
    try:
        return await seed_cache(log, run_id, participant, store, vendor_of)
    finally:
        await store.close()
        await log.close()
