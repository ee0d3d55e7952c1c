"""``aic-start`` and ``aic``: a thin layer over the platform. Every option has an ``AIC_*``
variable; errors are one line on stderr with a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from dataclasses import replace
from typing import Any

import click
from rich.console import Console

from aiconv.agents.toolbox import ToolBox, close_all
from aiconv.cli import commands, display, voice
from aiconv.cli.bench import bench
from aiconv.cli.options import EXIT_INTERRUPTED, F, friendly_errors, log_options, option
from aiconv.cli.seat import seat_people, transcript_for
from aiconv.cli.tasks import tasks_group
from aiconv.cli.telemetry import Telemetry, start_telemetry, telemetry_options
from aiconv.cli.tools import assign, open_seat_tools, tool_options, tool_timeout, tools_group
from aiconv.cli.wiring import AgentChoice, Runtime, close_run, default_names, run_interruptibly
from aiconv.cli.worker import worker
from aiconv.errors import ConfigError
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import StopConfig
from aiconv.platform.projections import transcript_document
from aiconv.queues.log import ConversationLog
from aiconv.queues.urls import connect_log


def start_options(func: F) -> F:
    """Every option of ``aic-start``."""
    decorators = [
        option(
            "--agent1",
            default="mock",
            show_default=True,
            help="First agent (mock, claude, gpt, vendor:model …).",
        ),
        option("--agent2", default="mock", show_default=True, help="Second agent."),
        option("--agent", "agents", multiple=True, help="Further agents (repeat for N >= 3)."),
        option("--name1", help="Name of participant 1 (default: from the agent)."),
        option("--name2", help="Name of participant 2."),
        option("--name", "names", multiple=True, help="Names of the further agents, in order."),
        option("--model1", help="Model override for agent 1."),
        option("--model2", help="Model override for agent 2."),
        option("--system1", help="Extra instructions for agent 1."),
        option("--system2", help="Extra instructions for agent 2."),
        option("--persona1", help="Persona of agent 1."),
        option("--persona2", help="Persona of agent 2."),
        option("--base-url1", help="OpenAI-compatible (or vendor) base URL for agent 1."),
        option("--base-url2", help="Base URL for agent 2."),
        option(
            "--topic",
            default="Is a hot dog a sandwich?",
            show_default=True,
            help="What to talk about.",
        ),
        option("--max-turns", type=int, default=20, show_default=True, help="Total messages."),
        option("--max-turns-each", type=int, help="Messages per participant."),
        option("--first", help="Who speaks first (default: participant 1)."),
        option("--timeout", type=float, help="Wall-clock limit in seconds."),
        option("--max-tokens", type=int, help="Token budget (input + output)."),
        option("--max-cost", type=float, help="Cost budget in USD."),
        option(
            "--end-token",
            default="<END>",
            show_default=True,
            help="Token that ends the conversation on its own line.",
        ),
        option(
            "--closing",
            type=click.Choice(["mutual", "single", "off"]),
            default="mutual",
            show_default=True,
            help="End on goodbyes: both sides close (mutual), any closing (single), never (off).",
        ),
        option(
            "--loop-policy",
            type=click.Choice(["end", "nudge", "off"]),
            default="end",
            show_default=True,
            help="On a detected loop: end, nudge once then end, or ignore.",
        ),
        option(
            "--lease",
            type=float,
            default=60.0,
            show_default=True,
            help="Turn-claim lease in seconds.",
        ),
        option(
            "--turn-policy",
            default="round_robin",
            show_default=True,
            help="round_robin or addressed.",
        ),
        option("--seed", type=int, help="Seed for offline agents (default: random, recorded)."),
        option("--detach", is_flag=True, help="Create the conversation, print its id, run nobody."),
        option(
            "--json", "as_json", is_flag=True, help="Print one JSON document at the end instead."
        ),
        option("--quiet", is_flag=True, help="Print only the summary."),
        tool_options,
        voice.voice_options,
        log_options,
        telemetry_options,
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def _choices(kw: dict[str, Any]) -> list[AgentChoice]:
    choices = [
        AgentChoice(
            agent=kw[f"agent{i}"],
            name=kw[f"name{i}"],
            model=kw[f"model{i}"],
            system=kw[f"system{i}"],
            base_url=kw[f"base_url{i}"],
            persona=kw[f"persona{i}"],
        )
        for i in (1, 2)
    ]
    names = list(kw["names"])
    for index, agent in enumerate(kw["agents"]):
        choices.append(AgentChoice(agent=agent, name=names[index] if index < len(names) else None))
    tools = assign(kw, default_names(choices))
    return [
        replace(choice, tools=tools.get(name, ()))
        for choice, name in zip(choices, default_names(choices), strict=True)
    ]


def _stop_config(kw: dict[str, Any]) -> StopConfig:
    if kw["max_turns"] < 1:
        raise ConfigError(f"--max-turns must be at least 1 (got {kw['max_turns']})")
    for flag in ("max_turns_each", "timeout", "max_tokens", "max_cost", "lease"):
        if kw[flag] is not None and kw[flag] <= 0:
            raise ConfigError(f"--{flag.replace('_', '-')} must be positive (got {kw[flag]})")
    return StopConfig(
        max_turns=kw["max_turns"],
        max_turns_per_participant=kw["max_turns_each"],
        end_token=kw["end_token"],
        timeout_s=kw["timeout"],
        max_tokens=kw["max_tokens"],
        max_cost_usd=kw["max_cost"],
        closing=kw["closing"],
        loop_policy=kw["loop_policy"],
        max_tool_rounds=kw["max_tool_rounds"],
        tool_timeout_s=tool_timeout(kw["tool_timeout"]),
    )


@click.command(name="start", context_settings={"help_option_names": ["-h", "--help"]})
@start_options
@friendly_errors
def aic_start(**kw: Any) -> None:
    """Start a conversation between agents and stream it live."""
    runtime = Runtime.load(log_url=kw["log_url"], db=kw["db"])
    stop = _stop_config(kw)
    specs, providers = voice.plan_seats(runtime, _choices(kw), kw)
    # a human seat takes this terminal (or there is none to take it: a one-line error)
    kw["people"] = seat_people(providers, interactive=sys.stdin.isatty(), detached=kw["detach"])
    kw["voice_metadata"] = voice.prepare(runtime, kw, specs) if kw["voice"] else None
    seed = kw["seed"] if kw["seed"] is not None else random.SystemRandom().randrange(2**31)
    # The live transcript is the interactive output: info lines would interleave with it.
    kw["log_level"] = kw["log_level"] or "warning"
    telemetry = start_telemetry(kw, runtime)
    try:
        providers = telemetry.instrument_all(providers)
        code = asyncio.run(_start(runtime, kw, specs, providers, stop, seed, telemetry))
    finally:
        telemetry.close()
    sys.exit(code)


async def _start(
    runtime: Runtime,
    kw: dict[str, Any],
    specs: Any,
    providers: Any,
    stop: StopConfig,
    seed: int,
    telemetry: Telemetry,
) -> int:
    tools = await open_seat_tools(specs)  # a bad tool source fails before anything is written
    try:
        return await _start_with(runtime, kw, specs, (providers, tools), stop, seed, telemetry)
    finally:
        await close_all(list(tools.values()))


async def _start_with(
    runtime: Runtime,
    kw: dict[str, Any],
    specs: Any,
    seats: tuple[Any, dict[str, ToolBox]],
    stop: StopConfig,
    seed: int,
    telemetry: Telemetry,
) -> int:
    console = Console(stderr=kw["as_json"])
    providers, tools = seats
    log = telemetry.instrument_log(await connect_log(runtime.log_url))
    kit = None
    if kw["voice_metadata"]:
        kit = voice.open_kit(log, kw["audio_dir"], kw["voice_agents"], telemetry.registry)
    try:
        await voice.open_sessions(kw, specs, stop)  # a refused session: nothing written yet
        hook = kit.layer if kit else None
        conductor = Conductor(log, observer=telemetry.observer, turn_hook=hook)
        metadata = {"voice": kw["voice_metadata"]} if kit else None
        state = await session.create(
            conductor,
            topic=kw["topic"],
            participants=specs,
            first=kw["first"],
            stop=stop,
            seed=seed,
            lease_s=kw["lease"],
            turn_policy=kw["turn_policy"],
            detached=kw["detach"],
            metadata=metadata,
        )
        cid = state.conversation_id
        if kw["detach"]:
            click.echo(cid)
            return 0
        if not kw["as_json"]:
            console.print(f"conversation [bold]{cid}[/bold]", highlight=False)
        live = not (kw["quiet"] or kw["as_json"])
        transcript = transcript_for(console, kw["people"], live=live)
        final, interrupted = await _run(conductor, log, cid, (providers, tools), transcript)
        metrics = await voice.metrics_of(log, cid) if kit else None
        return _finish(console, final, interrupted, as_json=kw["as_json"], voice_metrics=metrics)
    finally:
        if kit is not None:
            await kit.recognizer.close()
        await close_run(log, providers.values())


async def _run(
    conductor: Conductor,
    log: ConversationLog,
    cid: str,
    seats: tuple[Any, dict[str, ToolBox]],
    transcript: display.LiveTranscript | None,
) -> tuple[ConversationState, bool]:
    providers, tools = seats
    _, interrupted = await run_interruptibly(
        lambda: display.play_with_transcript(
            conductor, log, cid, providers, transcript, after=1, tools=tools
        )
    )
    return await conductor.load(cid), interrupted


def _finish(
    console: Console,
    state: ConversationState,
    interrupted: bool,
    *,
    as_json: bool,
    voice_metrics: dict[str, Any] | None = None,
) -> int:
    if as_json:
        document = transcript_document(state)
        if voice_metrics is not None:
            document["voice"] = voice_metrics
        click.echo(json.dumps(document, indent=2))
    else:
        display.print_summary(console, state)
        if voice_metrics is not None:
            voice.print_metrics(console, voice_metrics)
    return EXIT_INTERRUPTED if interrupted else 0


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def aic() -> None:
    """aiconv: conversations between AI agents on an event-sourced log."""


aic.add_command(aic_start)
commands.register(aic)
aic.add_command(worker)
aic.add_command(bench)
aic.add_command(tools_group)
aic.add_command(tasks_group)
aic.add_command(voice.prune)
