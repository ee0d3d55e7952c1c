"""``aic join``: run one participant of an existing conversation in this process.

Everything it brings (an ``--agent`` override, keys, script files, a local server) is checked
before it joins; a failure of its own provider later gives its turn back instead of ending the
conversation for everyone (``Conductor.shared``).
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

from aiconv.agents.human import WAYS
from aiconv.agents.messages import ChatReply, ChatRequest
from aiconv.agents.provider import ChatProvider, DeltaCallback, ForwardingProvider
from aiconv.agents.registry import AgentSpec
from aiconv.cli import voice
from aiconv.cli.command import command
from aiconv.cli.options import EXIT_INTERRUPTED, json_option, log_options, option
from aiconv.cli.participants import checked, provider_for
from aiconv.cli.tables import one_line
from aiconv.cli.telemetry import Telemetry, TelemetryOptions, start_telemetry, telemetry_options
from aiconv.cli.values import DIRECTORY, TEXT
from aiconv.cli.wiring import LogOptions, Runtime, close_run, run_interruptibly
from aiconv.errors import ConfigError, ConversationAlreadyEnded, ProviderError
from aiconv.observability.redaction import scrub
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.queues.urls import connect_log, open_log


@command()
@click.argument("conversation_id")
@option("--as", "name", type=TEXT, required=True, help="The participant this process runs.")
@option("--agent", "agent", type=TEXT, help="Run it on this agent instead of the recorded one.")
@option("--quiet", is_flag=True, help="Print only the summary.")
@json_option(help="Print the JSON export document at the end instead of the transcript.")
@option(
    "--audio-dir",
    type=DIRECTORY,
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
    if override is not None and override.vendor == "human":
        raise ConfigError(f"aic join cannot seat a person (--agent {agent}): {WAYS}")
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
        seats[name] = _OwnModel(await checked(runtime, telemetry, override))
    async with open_log(runtime.log_url, "read") as reader:  # a conversation that cannot be
        _joinable(await Conductor(reader).load(cid), name)  # joined: nothing written, no lock
    log = telemetry.instrument_log(await connect_log(runtime.log_url, "existing"))
    console = Console(stderr=as_json)
    try:
        conductor = Conductor(log, observer=telemetry.observer, shared=True)
        state = _joinable(await conductor.load(cid), name)
        if override is None:
            seats[name] = await provider_for(runtime, telemetry, state.participant(name))
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
        return await _play_seat(
            conductor, cid, name, seats[name], console, as_json, voiced=kit is not None
        )
    finally:
        if kit is not None:
            await kit.recognizer.close()
        await close_run(log, seats.values())


async def _play_seat(
    conductor: Conductor,
    cid: str,
    name: str,
    provider: ChatProvider,
    console: Console,
    as_json: bool,
    *,
    voiced: bool = False,
) -> int:
    """Play the joined seat to the end; its exit code. A failure of its own provider has
    released the turn (``Conductor.shared``): one error line, and the others go on."""
    try:
        _, interrupted = await run_interruptibly(lambda: conductor.play(cid, name, provider))
    except ProviderError as exc:
        click.echo(f"error: {one_line(scrub(str(exc)))}{_left_open(cid, name)}", err=True)
        return 1
    final = await conductor.load(cid)
    await voice.conclude(console, conductor.log, final, as_json=as_json, voiced=voiced)
    return EXIT_INTERRUPTED if interrupted else 0


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
