"""``aic resume`` and ``aic join``: run participants of an existing conversation in this process.

Everything this process brings (agents, keys, script files) is checked before it takes part,
so a process never ends a shared conversation because of its own bad input.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider
from aiconv.agents.reachability import require_local_server
from aiconv.agents.registry import AgentSpec
from aiconv.cli import (
    bench,
    browse,
    discover,
    display,
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
from aiconv.cli.tables import one_line
from aiconv.cli.telemetry import Telemetry, TelemetryOptions, start_telemetry, telemetry_options
from aiconv.cli.values import TEXT
from aiconv.cli.wiring import LogOptions, Runtime, close_run, run_interruptibly
from aiconv.errors import ConfigError, ConversationAlreadyEnded, ProviderError, ProviderUnavailable
from aiconv.launch import play
from aiconv.observability.redaction import scrub
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ParticipantSpec
from aiconv.queues.urls import connect_log


@command()
@click.argument("conversation_id")
@option("--quiet", is_flag=True, help="Print only the summary.")
@json_option(help="Print the JSON export document at the end instead of the transcript.")
@option(
    "--audio-dir",
    type=click.Path(path_type=Path),
    help="Where a voice conversation's audio is stored (default: next to a SQLite log).",
)
@log_options
@telemetry_options()
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


async def _provider_for(
    runtime: Runtime, telemetry: Telemetry, participant: ParticipantSpec
) -> ChatProvider:
    spec = runtime.registry.resolve(
        participant.agent, model=participant.model or None, base_url=participant.base_url
    )
    return await _checked(runtime, telemetry, spec)


async def _checked(runtime: Runtime, telemetry: Telemetry, spec: AgentSpec) -> ChatProvider:
    """A provider for ``spec`` once its own inputs check out (a script file is read off the
    event loop), its key is set and its server, when on this machine, accepts a connection."""
    await asyncio.to_thread(runtime.registry.preflight, spec)
    provider = runtime.provider(spec)  # MissingApiKey before anything is probed
    variables = runtime.registry.vendor(spec.vendor).base_url_env
    hint = f"is it running? (or set {' or '.join(variables)} to where it is)" if variables else ""
    url = runtime.registry.base_url_for(spec, runtime.env)
    try:
        await require_local_server(url, who=spec.agent_id, hint=hint)
    except ProviderUnavailable:
        await provider.aclose()
        raise
    return telemetry.instrument(provider)


async def _resume(
    runtime: Runtime,
    cid: str,
    quiet: bool,
    as_json: bool,
    telemetry: Telemetry,
    audio_dir: Path | None = None,
) -> int:
    log = telemetry.instrument_log(await connect_log(runtime.log_url, "existing"))
    console = Console(stderr=as_json)
    seats: dict[str, ChatProvider] = {}
    kit = None
    try:
        conductor = Conductor(log, observer=telemetry.observer)
        state = await conductor.load(cid)
        for participant in state.participants:
            seats[participant.name] = await _provider_for(runtime, telemetry, participant)
        metadata = state.started.metadata if state.started is not None else {}
        kit = voice.resumed_kit(runtime, log, metadata, audio_dir, telemetry.registry)
        conductor.turn_hook = kit.layer if kit is not None else None
        state = await session.resume(conductor, cid)
        console.print(f"resuming [bold]{cid}[/bold] at turn {state.turns + 1}", highlight=False)
        final, interrupted = await _play(conductor, state, seats, console, quiet or as_json)
        display.conclude(console, final, as_json=as_json)
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


@command()
@click.argument("conversation_id")
@option("--as", "name", type=TEXT, required=True, help="The participant this process runs.")
@option("--agent", "agent", type=TEXT, help="Run it on this agent instead of the recorded one.")
@option("--quiet", is_flag=True, help="Print only the summary.")
@json_option(help="Print the JSON export document at the end instead of the transcript.")
@option(
    "--audio-dir",
    type=click.Path(path_type=Path),
    help="Where a voice conversation's audio is stored (default: next to a SQLite log).",
)
@log_options
@telemetry_options()
def join(
    conversation_id: str,
    name: str,
    agent: str | None,
    quiet: bool,
    as_json: bool,
    audio_dir: Path | None,
    **kw: Any,
) -> None:
    """Run one participant of an existing conversation in this process.

    Exits 1 when the conversation has ended already (``aic resume`` continues an interrupted
    one), 2 for bad input (an unknown participant, a bad --agent), before taking any turn.
    """
    runtime = Runtime.load(LogOptions.of(kw))
    override = runtime.registry.resolve(agent) if agent else None
    telemetry = start_telemetry(TelemetryOptions.of(kw), runtime)
    try:
        code = asyncio.run(
            _join(runtime, conversation_id, name, override, quiet, as_json, telemetry, audio_dir)
        )
    finally:
        telemetry.close()
    sys.exit(code)


async def _join(
    runtime: Runtime,
    cid: str,
    name: str,
    override: AgentSpec | None,
    quiet: bool,
    as_json: bool,
    telemetry: Telemetry,
    audio_dir: Path | None = None,
) -> int:
    seats: dict[str, ChatProvider] = {}
    kit = None
    if override is not None:  # checked before the log is even opened
        seats[name] = _OwnModel(await _checked(runtime, telemetry, override))
    log = telemetry.instrument_log(await connect_log(runtime.log_url, "existing"))
    console = Console(stderr=as_json)
    try:
        conductor = Conductor(log, observer=telemetry.observer, shared=True)
        state = _joinable(await conductor.load(cid), name)
        if override is None:
            seats[name] = await _provider_for(runtime, telemetry, state.participant(name))
        metadata = state.started.metadata if state.started is not None else {}
        kit = voice.resumed_kit(runtime, log, metadata, audio_dir, telemetry.registry)
        conductor.turn_hook = kit.layer if kit is not None else None
        if not (quiet or as_json):
            console.print(
                f"joined [bold]{cid}[/bold] as {escape(one_line(name))} "
                f"(instance {conductor.instance_id})",
                highlight=False,
                markup=True,
            )
        provider = seats[name]
        try:
            _, interrupted = await run_interruptibly(lambda: conductor.play(cid, name, provider))
        except ProviderError as exc:  # released (``Conductor.shared``): the others go on
            click.echo(f"error: {one_line(scrub(str(exc)))}{_left_open(cid, name)}", err=True)
            return 1
        display.conclude(console, await conductor.load(cid), as_json=as_json)
        return EXIT_INTERRUPTED if interrupted else 0
    finally:
        if kit is not None:
            await kit.recognizer.close()
        await close_run(log, seats.values())


class _OwnModel(ForwardingProvider):
    """An ``--agent`` override asks for its own model, not the one the participant was
    recorded with (``mock-chat`` or ``gpt-4o`` mean nothing to Ollama)."""

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The inner reply to ``request`` with this provider's model."""
        return await self.inner.complete(replace(request, model=self.model), on_delta=on_delta)


def _joinable(state: ConversationState, name: str) -> ConversationState:
    """``state`` if ``name`` may join it now; ConversationAlreadyEnded or ConfigError."""
    cid = state.conversation_id
    if state.ended is not None:
        raise ConversationAlreadyEnded(
            f"conversation {cid} has ended ({state.ended.reason}); nothing to join"
            + (f" (continue it with: aic resume {cid})" if _resumable(state) else "")
        )
    names = [p.name for p in state.participants]
    if name not in names:
        raise ConfigError(
            f"--as {name!r} is not a participant of {cid}; choose one of: {', '.join(names)}"
        )
    return state


def _left_open(cid: str, name: str) -> str:
    """What the joiner is told after giving its turn back."""
    return (
        f"; {name}'s turn is left open and the conversation goes on"
        f" (take the seat again with: aic join {cid} --as {name})"
    )


def _resumable(state: ConversationState) -> bool:
    return state.ended is not None and state.ended.reason in session.RESUMABLE


def register(group: click.Group) -> None:
    """Add every subcommand to ``group``."""
    for item in (
        start.aic_start,
        browse.ls,
        browse.show,
        browse.export,
        resume,
        join,
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
