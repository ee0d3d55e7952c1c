"""``aic-start`` (also ``aic start``): create a conversation and stream it live.

Options become typed values at the edge (``StartRequest.of``); from there the command takes
the same path as ``aiconv.run_conversation`` (``aiconv.launch``): seat the participants, check
everything, and only then open the log and append the first event.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from aiconv.agents.provider import ChatProvider
from aiconv.cli import voice
from aiconv.cli.command import command, version_option
from aiconv.cli.options import EXIT_INTERRUPTED
from aiconv.cli.participants import require_server
from aiconv.cli.seat import TerminalSeat, seat_people, transcript_for
from aiconv.cli.start_options import StartRequest, start_options
from aiconv.cli.telemetry import Telemetry, start_telemetry
from aiconv.cli.wiring import Runtime, run_interruptibly
from aiconv.errors import ConfigError, UnknownAgent
from aiconv.launch import (
    ConversationOptions,
    Seating,
    check,
    open_conversation,
    play,
    seat,
)
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ParticipantSpec
from aiconv.queues.urls import connect_log


@command(name="start")
@version_option()
@start_options
def aic_start(**kw: Any) -> None:
    """Start a conversation between agents and stream it live."""
    request = StartRequest.of(kw)
    runtime = Runtime.load(request.log)
    _check_detachable(runtime.log_url, detached=request.conversation.detached)
    telemetry = start_telemetry(request.telemetry, runtime)
    try:
        code = asyncio.run(_start(runtime, request, telemetry))
    finally:
        telemetry.close()
    sys.exit(code)


def _check_detachable(log_url: str, *, detached: bool) -> None:
    """A detached conversation is run by a worker or ``aic join`` elsewhere: refuse a log
    private to this process (``memory://``), where its id was printed, exit 0, and it was gone
    as the process ended."""
    if detached and log_url.startswith("memory:"):
        raise ConfigError(
            "--detach with memory://: memory:// is this process's own log, gone when it ends, "
            "where no worker or join can run the conversation; give a SQLite file (--db) or a "
            "Redis URL"
        )


async def _start(runtime: Runtime, request: StartRequest, telemetry: Telemetry) -> int:
    agents, seating = await _seat_all(runtime, request, telemetry)
    try:
        # everything is checked before the log is opened: bad input writes nothing; a human
        # seat takes this terminal (or there is none to take it: a one-line error)
        people = seat_people(
            seating.providers,
            interactive=sys.stdin.isatty(),
            detached=request.conversation.detached,
        )
        check(seating, request.conversation)
        if not request.conversation.detached:  # a worker elsewhere has its own localhost
            await _require_local_servers(runtime, seating.specs)
        options, audio_dir = await _with_voice(runtime, request, seating.specs)
        options = await voice.open_sessions(agents, seating.specs, options)
        log = telemetry.instrument_log(await connect_log(runtime.log_url))
        kit = None
        if audio_dir is not None:
            kit = voice.open_kit(log, audio_dir, agents, telemetry.registry)
        try:
            conductor = Conductor(
                log, observer=telemetry.observer, turn_hook=kit.layer if kit else None
            )
            return await _open_and_run(
                conductor, request, seating, options, people, voiced=kit is not None
            )
        finally:
            if kit is not None:
                await kit.recognizer.close()
            await log.close()
    finally:
        await seating.aclose()


async def _require_local_servers(runtime: Runtime, specs: list[ParticipantSpec]) -> None:
    """ProviderUnavailable (nothing written) for an agent whose server is on this machine and
    does not accept a connection, as ``aic join`` and ``aic resume`` check."""
    for participant in specs:
        try:
            spec = runtime.registry.resolve(
                participant.agent, model=participant.model or None, base_url=participant.base_url
            )
        except UnknownAgent:
            continue  # a voice agent, which no registry knows (it connected already)
        await require_server(runtime, spec)


async def _seat_all(
    runtime: Runtime, request: StartRequest, telemetry: Telemetry
) -> tuple[dict[str, ChatProvider], Seating]:
    """The voice agents (built by the voice layer), and every participant seated: providers
    built, guarded and instrumented, the voice agents among them."""
    agents = voice.voice_agents(
        runtime,
        request.participants,
        voice=request.voice.enabled,
        first=request.conversation.first,
    )
    seating = await seat(
        request.participants,
        registry=runtime.registry,
        build=lambda spec: telemetry.instrument(runtime.provider(spec)),
        prebuilt=agents,
    )
    return agents, seating


async def _open_and_run(
    conductor: Conductor,
    request: StartRequest,
    seating: Seating,
    options: ConversationOptions,
    people: list[TerminalSeat],
    *,
    voiced: bool,
) -> int:
    state = await open_conversation(conductor, seating, options)
    if options.detached:
        _print_id(state.conversation_id, as_json=request.as_json)
        return 0
    return await _run(conductor, request, seating, state, people, voiced=voiced)


async def _with_voice(
    runtime: Runtime, request: StartRequest, specs: list[ParticipantSpec]
) -> tuple[ConversationOptions, Path | None]:
    """The options with the voice settings recorded, and the audio directory (None: no voice)."""
    if not request.voice.enabled:
        return request.conversation, None
    # checks the installed speech tools and the audio directory: off the event loop
    metadata, audio_dir = await asyncio.to_thread(voice.prepare, runtime, request.voice, specs)
    options = dataclasses.replace(
        request.conversation, metadata={**request.conversation.metadata, "voice": metadata}
    )
    return options, audio_dir


def _print_id(cid: str, *, as_json: bool) -> None:
    click.echo(json.dumps({"conversation_id": cid}) if as_json else cid)


async def _run(
    conductor: Conductor,
    request: StartRequest,
    seating: Seating,
    state: ConversationState,
    people: list[TerminalSeat],
    *,
    voiced: bool,
) -> int:
    cid = state.conversation_id
    console = Console(stderr=request.as_json)
    if not request.as_json:
        console.print(f"conversation [bold]{cid}[/bold]", highlight=False)
    live = not (request.quiet or request.as_json)
    transcript = transcript_for(console, people, live=live)
    if transcript is not None:
        conductor.on_delta = transcript.delta
    _, interrupted = await run_interruptibly(
        lambda: play(
            conductor,
            cid,
            seating.providers,
            on_event=transcript.event if transcript else None,
            after=1,
            tools=seating.tools,
        )
    )
    final = await conductor.load(cid)
    await voice.conclude(console, conductor.log, final, as_json=request.as_json, voiced=voiced)
    return EXIT_INTERRUPTED if interrupted else 0
