"""``aic`` subcommands over existing conversations: ls, show, export, resume, join, providers."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from aiconv.agents.provider import ChatProvider
from aiconv.cli import discover, display, learn, replay, simulate, voice
from aiconv.cli.options import EXIT_INTERRUPTED, friendly_errors, log_options, option
from aiconv.cli.plugins import plugins_command
from aiconv.cli.serve import serve
from aiconv.cli.telemetry import Telemetry, start_telemetry, telemetry_options
from aiconv.cli.wiring import Runtime, close_run, run_interruptibly
from aiconv.errors import ConfigError
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState, evolve
from aiconv.platform.exports import export_jsonl, export_markdown
from aiconv.platform.projections import transcript_document
from aiconv.queues.log import ListQuery
from aiconv.queues.urls import connect_log


@click.command(name="ls")
@option("--status", type=click.Choice(["active", "ended"]), help="Only this status.")
@option("--run-id", help="Only conversations of this simulation run.")
@option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=20,
    show_default=True,
    help="How many, newest first.",
)
@option("--ls-json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@log_options
@friendly_errors
def ls(
    status: str | None,
    run_id: str | None,
    limit: int,
    as_json: bool,
    log_url: str | None,
    db: Path | None,
) -> None:
    """List conversations, newest first."""
    runtime = Runtime.load(log_url=log_url, db=db)

    async def run() -> None:
        log = await connect_log(runtime.log_url)
        try:
            entries = await log.list_conversations(
                ListQuery(status=status, run_id=run_id, limit=limit)
            )
        finally:
            await log.close()
        if as_json:
            for e in entries:
                click.echo(json.dumps({f: getattr(e, f) for f in e.__dataclass_fields__}))
        else:
            display.print_index(Console(), entries)

    asyncio.run(run())


@click.command()
@click.argument("conversation_id")
@option("--events", is_flag=True, help="Also show claims, failures, loops and outcomes.")
@log_options
@friendly_errors
def show(conversation_id: str, events: bool, log_url: str | None, db: Path | None) -> None:
    """Print the transcript of a conversation."""
    runtime = Runtime.load(log_url=log_url, db=db)
    console = Console()

    async def run() -> None:
        log = await connect_log(runtime.log_url)
        try:
            state, recorded_events = await session.load_recorded(log, conversation_id)
        finally:
            await log.close()
        assert state.started is not None
        console.print(
            f"[bold]{conversation_id}[/bold] · {display.clean(state.started.topic)}",
            highlight=False,
            markup=True,
        )
        transcript = display.LiveTranscript(console)
        replay = ConversationState(conversation_id=conversation_id)
        for recorded in recorded_events:
            replay = evolve(replay, recorded)
            if events:
                console.print(f"[dim]#{recorded.sequence} {recorded.event.KIND}[/dim]")
            transcript.event(recorded, replay)
        display.print_summary(console, state)

    asyncio.run(run())


@click.command()
@click.argument("conversation_id")
@option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl", "md", "recording"]),
    default="json",
    show_default=True,
)
@option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="Write to this file instead of stdout (a directory for --format recording).",
)
@option("--audio-dir", type=click.Path(path_type=Path), help="Where the audio is stored.")
@log_options
@friendly_errors
def export(
    conversation_id: str,
    fmt: str,
    output: Path | None,
    audio_dir: Path | None,
    log_url: str | None,
    db: Path | None,
) -> None:
    """Export a conversation as JSON (transcript), JSONL (every event), Markdown, or its voice
    recording (WAV files and JSON documents, into the -o directory)."""
    runtime = Runtime.load(log_url=log_url, db=db)
    if fmt == "recording":
        _export_recording(runtime, conversation_id, output, audio_dir)
        return
    if output is not None and output.is_dir():
        raise ConfigError(f"--output {output} is a directory; give a file path")

    async def run() -> str:
        log = await connect_log(runtime.log_url)
        try:
            state, recorded_events = await session.load_recorded(log, conversation_id)
        finally:
            await log.close()
        if fmt == "json":
            return json.dumps(transcript_document(state), indent=2) + "\n"
        if fmt == "jsonl":
            return export_jsonl(recorded_events)
        return export_markdown(state)

    text = asyncio.run(run())
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write --output {output}: {exc.strerror or exc}") from exc


def _export_recording(
    runtime: Runtime, conversation_id: str, output: Path | None, audio_dir: Path | None
) -> None:
    if output is None:
        raise ConfigError("--format recording writes a directory: give it with -o DIR")
    if output.exists() and not output.is_dir():
        raise ConfigError(f"-o {output} exists and is not a directory")
    directory = voice.resolve_audio_dir(runtime, audio_dir)
    written = asyncio.run(voice.write_recording(runtime, conversation_id, output, directory))
    for path in written:
        click.echo(str(path))


@click.command()
@click.argument("conversation_id")
@option("--quiet", is_flag=True, help="Print only the summary.")
@log_options
@telemetry_options
@friendly_errors
def resume(
    conversation_id: str, quiet: bool, log_url: str | None, db: Path | None, **telemetry_kw: Any
) -> None:
    """Continue an unfinished (e.g. interrupted) conversation with all its participants."""
    runtime = Runtime.load(log_url=log_url, db=db)
    telemetry = start_telemetry(telemetry_kw, runtime)
    try:
        code = asyncio.run(_resume(runtime, conversation_id, quiet, telemetry))
    finally:
        telemetry.close()
    sys.exit(code)


async def _resume(runtime: Runtime, cid: str, quiet: bool, telemetry: Telemetry) -> int:
    log = telemetry.instrument_log(await connect_log(runtime.log_url))
    console = Console()
    providers: dict[str, ChatProvider] = {}
    try:
        conductor = Conductor(log, observer=telemetry.observer)
        state = await conductor.load(cid)
        providers = telemetry.instrument_all(
            {p.name: runtime.provider_for(p) for p in state.participants}
        )
        state = await session.resume(conductor, cid)
        console.print(f"resuming [bold]{cid}[/bold] at turn {state.turns + 1}", highlight=False)
        transcript = None if quiet else display.LiveTranscript(console)
        after = state.sequence
        _, interrupted = await run_interruptibly(
            lambda: display.play_with_transcript(
                conductor, log, cid, providers, transcript, after=after
            )
        )
        display.print_summary(console, await conductor.load(cid))
        return EXIT_INTERRUPTED if interrupted else 0
    finally:
        await close_run(log, providers.values())


@click.command()
@click.argument("conversation_id")
@option("--as", "name", required=True, help="The participant this process runs.")
@option("--agent", "agent", help="Run it on this agent instead of the recorded one.")
@option("--quiet", is_flag=True, help="Print only the summary.")
@log_options
@telemetry_options
@friendly_errors
def join(
    conversation_id: str,
    name: str,
    agent: str | None,
    quiet: bool,
    log_url: str | None,
    db: Path | None,
    **telemetry_kw: Any,
) -> None:
    """Run one participant of an existing conversation in this process."""
    runtime = Runtime.load(log_url=log_url, db=db)
    telemetry = start_telemetry(telemetry_kw, runtime)
    try:
        code = asyncio.run(_join(runtime, conversation_id, name, agent, quiet, telemetry))
    finally:
        telemetry.close()
    sys.exit(code)


async def _join(
    runtime: Runtime, cid: str, name: str, agent: str | None, quiet: bool, telemetry: Telemetry
) -> int:
    log = telemetry.instrument_log(await connect_log(runtime.log_url))
    console = Console()
    seats: list[ChatProvider] = []
    try:
        conductor = Conductor(log, observer=telemetry.observer)
        state = await conductor.load(cid)
        names = [p.name for p in state.participants]
        if name not in names:
            raise ConfigError(
                f"--as {name!r} is not a participant of {cid}; choose one of: {', '.join(names)}"
            )
        participant = state.participant(name)
        provider = telemetry.instrument(
            runtime.provider(runtime.registry.resolve(agent))
            if agent
            else runtime.provider_for(participant)
        )
        seats.append(provider)
        if not quiet:
            console.print(
                f"joined [bold]{cid}[/bold] as {name} (instance {conductor.instance_id})",
                highlight=False,
            )
        _, interrupted = await run_interruptibly(lambda: conductor.play(cid, name, provider))
        final = await conductor.load(cid)
        display.print_summary(console, final)
        return EXIT_INTERRUPTED if interrupted else 0
    finally:
        await close_run(log, seats)


@click.command()
@log_options
@friendly_errors
def providers(log_url: str | None, db: Path | None) -> None:
    """List agents: alias, vendor, default model, key variable, whether the key is set."""
    runtime = Runtime.load(log_url=log_url, db=db)
    table = Table("aliases", "vendor", "default model", "key variable", "key")
    for vendor in runtime.registry.vendors:
        keys = " or ".join(vendor.key_env) or "-"
        if not vendor.key_env:
            present = "offline" if vendor.offline else "not needed"
        else:
            present = "set" if any(runtime.env.get(k) for k in vendor.key_env) else "missing"
        table.add_row(
            ", ".join((vendor.name, *vendor.aliases)),
            vendor.name,
            vendor.default_model,
            keys,
            present,
        )
    Console().print(table)


def register(group: click.Group) -> None:
    """Add every subcommand to ``group``."""
    for command in (ls, show, export, resume, join, providers, serve, plugins_command):
        group.add_command(command)
    simulate.register(group)
    learning_commands = (learn.import_command, discover.discover, replay.fork, replay.replay)
    for command in (*learning_commands, replay.realism):
        group.add_command(command)
