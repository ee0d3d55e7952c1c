"""``aic fork``, ``aic replay`` and ``aic realism``: continue real conversations with other
agents, compare them with the humans, and measure how real the simulated customers look."""

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
from aiconv.agents.registry import AgentSpec
from aiconv.cli import display
from aiconv.cli.command import command
from aiconv.cli.options import EXIT_INTERRUPTED, json_option, log_options, option
from aiconv.cli.participants import checked
from aiconv.cli.simulate import check_agents, require_seat_servers, seat_factory
from aiconv.cli.telemetry import TelemetryOptions, start_telemetry, telemetry_options
from aiconv.cli.values import TEXT, count
from aiconv.cli.wiring import LogOptions, Runtime, close_run, run_interruptibly
from aiconv.errors import ConfigError
from aiconv.extras import require_extra
from aiconv.launch import play
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ParticipantSpec
from aiconv.queues.urls import connect_log
from aiconv.simulation.runs import check_run_id
from aiconv.simulation.scenario import load_scenario


@command()
@click.argument("conversation_id")
@option("--at", "at", type=count(1), required=True, help="Keep the parent's first N events.")
@option("--agent1", type=TEXT, help="Agent of participant 1 from here on (default: the parent's).")
@option("--agent2", type=TEXT, help="Agent of participant 2 from here on (default: the parent's).")
@option("--model1", type=TEXT, help="Model for --agent1.")
@option("--model2", type=TEXT, help="Model for --agent2.")
@option(
    "--max-turns",
    type=count(1, 10_000),
    default=20,
    show_default=True,
    help="Messages after the fork point.",
)
@option("--detach", is_flag=True, help="Create the fork, print its id, run nobody.")
@option("--quiet", is_flag=True, help="Print only the summary.")
@json_option(help="Print the JSON export document at the end.")
@log_options
@telemetry_options("warning")  # a live transcript, as aic-start
def fork(conversation_id: str, **kw: Any) -> None:
    """Continue a conversation from its event N in a new one, with the same or other agents.

    The parent never changes; the fork records its parent and point (`aic show`, the web view).
    """
    runtime = Runtime.load(LogOptions.of(kw))
    telemetry = start_telemetry(TelemetryOptions.of(kw), runtime)
    try:
        code = asyncio.run(_fork(runtime, telemetry, conversation_id, kw))
    finally:
        telemetry.close()
    sys.exit(code)


async def _fork(runtime: Runtime, telemetry: Any, cid: str, kw: dict[str, Any]) -> int:
    from aiconv.learning.fork import fork as fork_conversation

    log = telemetry.instrument_log(await connect_log(runtime.log_url, "existing"))
    seats: dict[str, ChatProvider] = {}
    try:
        conductor = Conductor(log, observer=telemetry.observer)
        parent = await conductor.load(cid)
        replaced = _replacements(runtime, parent, kw)
        specs = [replaced.get(p.name, p) for p in parent.participants]
        for spec in specs if not kw["detach"] else ():  # keys, files, a server here: checked
            seats[spec.name] = await checked(runtime, telemetry, _resolved(runtime, spec))
        copied = sum(1 for m in parent.messages if m.sequence <= kw["at"] and not m.moderator)
        assert parent.started is not None
        stop = dataclasses.replace(parent.started.stop, max_turns=copied + kw["max_turns"])
        child = await fork_conversation(
            conductor, cid, at=kw["at"], participants=replaced, stop=stop, by="aic fork"
        )
        return await _run_fork(conductor, log, cid, child, seats, kw)
    finally:
        await close_run(log, seats.values())


def _replacements(
    runtime: Runtime, parent: ConversationState, kw: dict[str, Any]
) -> dict[str, ParticipantSpec]:
    """New agents for participants 1 and 2, checked (keys, files) before anything is written."""
    chosen: dict[str, ParticipantSpec] = {}
    for index, spec in enumerate(parent.participants[:2], 1):
        agent = kw[f"agent{index}"]
        if agent is None:
            if spec.agent == "human" and not kw["detach"]:
                raise ConfigError(
                    f"participant {index} ({spec.name}) of {parent.conversation_id} was a person "
                    f"(agent human); give --agent{index} to continue it with an agent, or "
                    "--detach and take the seat in the web view"
                )
            continue
        resolved = runtime.registry.resolve(agent, model=kw[f"model{index}"])
        if resolved.vendor == "human" and not kw["detach"]:
            raise ConfigError(
                f"--agent{index} {agent} needs a person: add --detach and take the seat in the "
                "web view"
            )
        runtime.registry.preflight(resolved)
        runtime.registry.key_for(resolved, runtime.env)
        chosen[spec.name] = dataclasses.replace(spec, agent=agent, model=resolved.model)
    return chosen


def _resolved(runtime: Runtime, spec: ParticipantSpec) -> AgentSpec:
    return runtime.registry.resolve(spec.agent, model=spec.model or None, base_url=spec.base_url)


def _provider(runtime: Runtime, spec: ParticipantSpec) -> ChatProvider:
    resolved = _resolved(runtime, spec)
    runtime.registry.preflight(resolved)
    return runtime.provider(resolved)


async def _run_fork(
    conductor: Conductor,
    log: Any,
    parent_id: str,
    child: ConversationState,
    seats: dict[str, ChatProvider],
    kw: dict[str, Any],
) -> int:
    cid = child.conversation_id
    assert child.forked is not None
    point = child.forked.at_sequence
    before_end = f" (before its ending, event {point + 1})" if point < kw["at"] else ""
    if kw["detach"]:  # stdout: the id alone (or its document); where it forked: on stderr
        if before_end:
            click.echo(f"fork {cid} of {parent_id} after event {point}{before_end}", err=True)
        forked_from = {"conversation_id": parent_id, "at": point}
        document = {"conversation_id": cid, "forked_from": forked_from}
        click.echo(json.dumps(document) if kw["as_json"] else cid)
        return 0
    console = Console(stderr=kw["as_json"])
    console.print(
        f"fork [bold]{cid}[/bold] of {parent_id} after event {point}{before_end}", highlight=False
    )
    transcript = None if kw["quiet"] or kw["as_json"] else display.LiveTranscript(console)
    if transcript is not None:
        conductor.on_delta = transcript.delta
    on_event = transcript.event if transcript is not None else None
    _, interrupted = await run_interruptibly(
        lambda: play(conductor, cid, seats, on_event=on_event, after=child.sequence)
    )
    display.conclude(console, await conductor.load(cid), as_json=kw["as_json"])
    return EXIT_INTERRUPTED if interrupted else 0


@command()
@click.argument("scenario_file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@option("--source", help="Replay conversations imported from this source (default: all).")
@option("--limit", type=count(1), help="At most this many conversations.")
@option("--run-id", help="Id of this replay (rerun with it to resume).")
@option(
    "--agent-turn",
    type=count(1, 100),
    default=1,
    show_default=True,
    help="Fork before the human agent's Nth message.",
)
@option(
    "--extra-turns",
    type=count(1, 1000),
    default=12,
    show_default=True,
    help="Messages the fork may add.",
)
@option("--parallel", type=count(1, 1000), default=4, show_default=True)
@json_option(help="Print one JSON document.")
@log_options
@telemetry_options("warning")  # a batch, as aic simulate
def replay(scenario_file: Path, **kw: Any) -> None:
    """Fork imported conversations where the human agent answered, let SCENARIO_FILE's agent
    carry on, and compare its outcomes with the humans'."""
    runtime = Runtime.load(LogOptions.of(kw))
    scenario = load_scenario(scenario_file)
    check_agents(runtime, scenario)
    # a fork's seats: its customer, the agent and a judge (not the further participants, nor
    # a matrix's agents, which it never calls)
    forked = dataclasses.replace(scenario, extras=(), agents=())
    asyncio.run(require_seat_servers(runtime, forked))
    if scenario.voice:  # the imported conversations are text: a fork of one is text too
        click.echo(
            f"warning: voice = true is not replayed: {scenario_file}'s forks are text "
            "conversations (use `aic simulate` for voice calls)",
            err=True,
        )
    given = kw["run_id"]
    run_id = check_run_id(given) if given is not None else f"replay-{scenario.name}"
    telemetry = start_telemetry(TelemetryOptions.of(kw), runtime)
    try:
        document = asyncio.run(_replay(runtime, telemetry, scenario, run_id, kw))
    finally:
        telemetry.close()
    _print_replay(document, kw["as_json"])


async def _replay(runtime: Runtime, telemetry: Any, scenario: Any, run_id: str, kw: Any) -> Any:
    from aiconv.learning.library import check_source, imported_ids
    from aiconv.learning.replay import Replay

    log = telemetry.instrument_log(await connect_log(runtime.log_url, "existing"))
    runner = None
    try:
        await check_source(log, kw["source"])
        parents = (await imported_ids(log, kw["source"]))[: kw["limit"]]
        if not parents:
            raise ConfigError("no imported conversations to replay (import some with `aic import`)")
        conductor = Conductor(log, observer=telemetry.observer)
        runner = Replay(
            conductor,
            scenario,
            seat_factory(runtime, telemetry),
            run_id=run_id,
            agent_turn=kw["agent_turn"],
            extra_turns=kw["extra_turns"],
            parallel=kw["parallel"],
        )
        report, interrupted = await run_interruptibly(lambda: runner.run(parents))
        if interrupted or report is None:
            raise ConfigError(f"interrupted; rerun with --run-id {run_id} to resume")
        return report.to_dict()
    finally:
        if runner is not None:
            await runner.aclose()
        await log.close()


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _print_replay(document: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    console = Console()
    console.print(
        f"replay {document['run_id']}: {document['compared']} of {document['cases']} compared; "
        f"success: humans {_rate(document['human_success_rate'])}, agent "
        f"{_rate(document['agent_success_rate'])}; same outcome {_rate(document['agreement'])}",
        highlight=False,
        markup=False,
    )
    for pair, times in document["transitions"].items():
        console.print(f"  {pair}: {times}", highlight=False, markup=False)
    for title in ("regressions", "improvements"):
        if document[title]:
            console.print(f"{title}: {', '.join(document[title])}", highlight=False, markup=False)
    if document["skipped"]:
        console.print(f"skipped {len(document['skipped'])} (the agent never answered)")


@command()
@click.argument("run_id")
@option("--source", help="Real customers from this imported source (default: all imported).")
@option("--judge", help="Let this agent judge pairs instead of the offline classifier.")
@json_option(help="Print one JSON document.")
@log_options
def realism(run_id: str, **kw: Any) -> int:
    """How well real customer messages can be told from RUN_ID's simulated ones (50% = not)."""
    require_extra("learning", "aic realism")
    from aiconv.learning.realism import judge_realism

    runtime = Runtime.load(LogOptions.of(kw))
    judge = None
    if kw["judge"]:
        judge = _provider(runtime, ParticipantSpec(name="judge", agent=kw["judge"]))

    async def measure() -> Any:
        if judge is None:
            return await _offline(runtime.log_url, run_id, kw["source"])
        real, simulated = await _messages(runtime.log_url, run_id, kw["source"])
        try:
            return await judge_realism(judge, real, simulated)
        finally:
            await judge.aclose()

    try:
        report = asyncio.run(measure())
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if not report.is_measured:  # the work failed: no verdict, on stdout least of all
        click.echo(f"error: {report.describe()}", err=True)
        return 1
    if kw["as_json"]:
        document = {"run_id": run_id, **report.as_dict()}
        document.pop("summary")
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(report.describe())
    return 0


async def _offline(url: str, run_id: str, source: str | None) -> Any:
    from aiconv.learning.library import offline_realism

    log = await connect_log(url, "read")
    try:
        return await offline_realism(log, run_id, source)
    finally:
        await log.close()


async def _messages(url: str, run_id: str, source: str | None) -> tuple[list[str], list[str]]:
    from aiconv.learning.library import real_and_simulated

    log = await connect_log(url, "read")
    try:
        return await real_and_simulated(log, run_id, source)
    finally:
        await log.close()
