"""``aic resume`` (``aic join`` is in ``cli/join``) and the registration of every command.

Everything this process brings (agents, keys, script files) is checked before it takes part,
so a process never ends a shared conversation because of its own bad input.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from aiconv.agents.provider import ChatProvider
from aiconv.cli import (
    bench,
    browse,
    discover,
    display,
    join,
    learn,
    plugins,
    replay,
    serve,
    simulate,
    start,
    tasks,
    tools,
    voice,
    worker,
)
from aiconv.cli.command import command
from aiconv.cli.options import EXIT_INTERRUPTED, json_option, log_options, option
from aiconv.cli.participants import provider_for
from aiconv.cli.telemetry import Telemetry, TelemetryOptions, start_telemetry, telemetry_options
from aiconv.cli.values import DIRECTORY
from aiconv.cli.wiring import LogOptions, Runtime, close_run, run_interruptibly
from aiconv.launch import play
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.queues.urls import connect_log, open_log


@command()
@click.argument("conversation_id")
@option("--quiet", is_flag=True, help="Print only the summary.")
@json_option(help="Print the JSON export document at the end instead of the transcript.")
@option(
    "--audio-dir",
    type=DIRECTORY,
    help="Where a voice conversation's audio is stored (default: next to a SQLite log).",
)
@log_options
@telemetry_options("warning")  # a live transcript, as aic-start
def resume(
    conversation_id: str, quiet: bool, as_json: bool, audio_dir: Path | None, **kw: Any
) -> None:
    """Continue an unfinished (e.g. interrupted) conversation with all its participants; a
    voice conversation goes on speaking and hearing."""
    runtime = Runtime.load(LogOptions.of(kw))
    telemetry = start_telemetry(TelemetryOptions.of(kw), runtime)
    try:
        code = asyncio.run(_resume(runtime, conversation_id, quiet, as_json, telemetry, audio_dir))
    finally:
        telemetry.close()
    sys.exit(code)


async def _resume(
    runtime: Runtime,
    cid: str,
    quiet: bool,
    as_json: bool,
    telemetry: Telemetry,
    audio_dir: Path | None = None,
) -> int:
    async with open_log(runtime.log_url, "read") as reader:  # an id that cannot be resumed
        session.check_resumable(await Conductor(reader).load(cid))  # writes nothing, no lock
    log = telemetry.instrument_log(await connect_log(runtime.log_url, "existing"))
    console = Console(stderr=as_json)
    seats: dict[str, ChatProvider] = {}
    kit = None
    try:
        conductor = Conductor(log, observer=telemetry.observer)
        state = await conductor.load(cid)
        for participant in state.participants:
            seats[participant.name] = await provider_for(runtime, telemetry, participant)
        metadata = state.started.metadata if state.started is not None else {}
        kit = voice.resumed_kit(runtime, log, metadata, audio_dir, telemetry.registry)
        conductor.turn_hook = kit.layer if kit is not None else None
        state = await session.resume(conductor, cid)
        console.print(f"resuming [bold]{cid}[/bold] at turn {state.turns + 1}", highlight=False)
        final, interrupted = await _play(conductor, state, seats, console, quiet or as_json)
        await voice.conclude(console, log, final, as_json=as_json, voiced=kit is not None)
        return EXIT_INTERRUPTED if interrupted else 0
    finally:
        if kit is not None:
            await kit.recognizer.close()
        await close_run(log, seats.values())


async def _play(
    conductor: Conductor,
    state: ConversationState,
    seats: dict[str, ChatProvider],
    console: Console,
    quiet: bool,
) -> tuple[ConversationState, bool]:
    """Play ``seats`` from ``state`` on, with a live transcript unless ``quiet``."""
    cid = state.conversation_id
    transcript = None if quiet else display.LiveTranscript(console)
    if transcript is not None:
        conductor.on_delta = transcript.delta
    on_event = transcript.event if transcript is not None else None
    _, interrupted = await run_interruptibly(
        lambda: play(conductor, cid, seats, on_event=on_event, after=state.sequence)
    )
    return await conductor.load(cid), interrupted


def register(group: click.Group) -> None:
    """Add every subcommand to ``group``."""
    for item in (
        start.aic_start,
        browse.ls,
        browse.show,
        browse.export,
        resume,
        join.join,
        browse.providers,
        serve.serve,
        worker.worker,
        bench.bench,
        plugins.plugins_command,
        voice.prune,
        learn.import_command,
        discover.discover,
        replay.fork,
        replay.replay,
        replay.realism,
        tools.tools_group,
        tasks.tasks_group,
    ):
        group.add_command(item)
    simulate.register(group)
