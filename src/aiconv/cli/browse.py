"""Read-only ``aic`` commands: ``ls``, ``show``, ``export`` and ``providers``.

Each prints a table or text for people and, with ``--json``, one JSON document on stdout.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from aiconv.cli import display, voice
from aiconv.cli.command import command
from aiconv.cli.options import json_option, log_options, option, warn_deprecated_flag
from aiconv.cli.tables import Field, one_line, print_table
from aiconv.cli.values import DIRECTORY, count
from aiconv.cli.values import Text as OneLine
from aiconv.cli.wiring import LogOptions, Runtime
from aiconv.cli.writable import check_not_the_log, check_writable_dir
from aiconv.errors import ConfigError
from aiconv.platform import session
from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState, evolve
from aiconv.platform.exports import export_jsonl, export_markdown
from aiconv.platform.flow_fold import flow_document
from aiconv.platform.projections import transcript_document
from aiconv.queues.log import IndexEntry, ListQuery
from aiconv.queues.urls import connect_log


def index_row(entry: IndexEntry) -> dict[str, Any]:
    """One ``aic ls --json`` row: every field of the index entry."""
    return asdict(entry)


@command(name="ls")
@option("--status", type=click.Choice(["active", "ended"]), help="Only this status.")
@option(
    "--run-id",
    type=OneLine(max_length=128),  # as ?run_id= of the web view (import:SOURCE is up to 107)
    help="Only conversations of this simulation run.",
)
@option("--limit", type=count(1, 10_000), default=20, show_default=True, help="How many.")
@json_option(help="Print one JSON array of index rows.")
@option(
    "--ls-json",
    is_flag=True,
    hidden=True,
    configurable=False,
    old_names=("AIC_LS_JSON",),
    help="Deprecated: JSON lines; use --json.",
)
@log_options
def ls(**kw: Any) -> None:
    """List conversations, newest first."""
    if kw["ls_json"]:
        warn_deprecated_flag("ls_json", "--ls-json is deprecated; use --json (one JSON array)")
    runtime = Runtime.load(LogOptions.of(kw))
    query = ListQuery(status=kw["status"], run_id=kw["run_id"], limit=kw["limit"])

    async def run() -> list[IndexEntry]:
        log = await connect_log(runtime.log_url, "read")
        try:
            return await log.list_conversations(query)
        finally:
            await log.close()

    entries = asyncio.run(run())
    if kw["as_json"]:
        click.echo(json.dumps([index_row(e) for e in entries], indent=2))
    elif kw["ls_json"]:
        for entry in entries:
            click.echo(json.dumps(index_row(entry)))
    elif not entries:
        click.echo(_nothing_listed(kw["status"], kw["run_id"]))
    else:
        display.print_index(Console(), entries)


def _nothing_listed(status: str | None, run_id: str | None) -> str:
    """What an empty ``aic ls`` says instead of a table with no rows."""
    if status is None and run_id is None:
        return "no conversations yet (start one: aic-start --agent1 mock --agent2 mock)"
    wanted = [f"status {status}"] if status else []
    wanted += [f"run id {run_id!r}"] if run_id else []
    return f"no conversations with {' and '.join(wanted)}"


async def _load(runtime: Runtime, cid: str) -> tuple[ConversationState, list[Recorded]]:
    log = await connect_log(runtime.log_url, "read")
    try:
        return await session.load_recorded(log, cid)
    finally:
        await log.close()


@command()
@click.argument("conversation_id")
@option("--events", is_flag=True, help="Also show claims, failures, loops and outcomes.")
@json_option(help="Print the JSON export document (with every event when --events).")
@log_options
def show(conversation_id: str, events: bool, as_json: bool, **kw: Any) -> None:
    """Print the transcript of a conversation."""
    runtime = Runtime.load(LogOptions.of(kw))
    state, recorded_events = asyncio.run(_load(runtime, conversation_id))
    if as_json:
        document = _document(state, recorded_events)
        if events:
            document["events"] = [json.loads(line) for line in _jsonl_lines(recorded_events)]
        click.echo(json.dumps(document, indent=2))
        return
    _print_transcript(Console(), state, recorded_events, events=events)


def _document(state: ConversationState, recorded: list[Recorded]) -> dict[str, Any]:
    """The JSON export document; a voice conversation's has its voice metrics under
    ``voice``, as ``aic-start --json``'s has."""
    document = transcript_document(state)
    metrics = voice.metrics_from(recorded)
    if metrics is not None:
        document["voice"] = metrics
    return document


def _jsonl_lines(recorded_events: list[Recorded]) -> list[str]:
    return export_jsonl(recorded_events).splitlines()


def _print_transcript(
    console: Console, state: ConversationState, recorded: list[Recorded], *, events: bool
) -> None:
    assert state.started is not None
    heading = Text(f"{one_line(state.conversation_id)}", style="bold")
    heading.append(f" · {one_line(state.started.topic)}", style="")
    console.print(heading)
    transcript = display.LiveTranscript(console)
    replay = ConversationState(conversation_id=state.conversation_id)
    for item in recorded:
        replay = evolve(replay, item)
        if events:
            console.print(Text(f"#{item.sequence} {item.event.KIND}", style="dim"))
        transcript.event(item, replay)
    display.print_summary(console, state)
    metrics = voice.metrics_from(recorded)
    if metrics is not None:
        voice.print_metrics(console, metrics)


@command()
@click.argument("conversation_id")
@option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl", "md", "recording", "flow-data"]),
    default="json",
    show_default=True,
)
@json_option(help="Same as --format json.")
@option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="Write to this file instead of stdout ('-': stdout; a directory for --format recording).",
)
@option("--audio-dir", type=DIRECTORY, help="Where the audio is stored.")
@log_options
def export(
    conversation_id: str,
    fmt: str,
    as_json: bool,
    output: Path | None,
    audio_dir: Path | None,
    **kw: Any,
) -> None:
    """Export a conversation as JSON (transcript), JSONL (every event), Markdown, its voice
    recording (WAV files and JSON documents, into the -o directory), or what its flow
    participants collected (flow-data: values, confidence, stages and the flow's output)."""
    if as_json and fmt != "json":
        raise ConfigError(f"--json and --format {fmt} disagree; give one of them")
    if output == Path("-"):  # the usual name of stdout, not a file named "-"
        if fmt == "recording":
            raise ConfigError("-o - is stdout; --format recording writes into a directory")
        output = None
    runtime = Runtime.load(LogOptions.of(kw))
    if fmt == "recording":
        _export_recording(runtime, conversation_id, output, audio_dir)
        return
    if output is not None and output.is_dir():
        raise ConfigError(f"--output {output} is a directory; give a file path")
    if output is not None:
        check_not_the_log(output, runtime.log_url)
    state, recorded_events = asyncio.run(_load(runtime, conversation_id))
    if fmt == "json":
        text = json.dumps(_document(state, recorded_events), indent=2) + "\n"
    elif fmt == "jsonl":
        text = export_jsonl(recorded_events)
    elif fmt == "flow-data":
        text = _flow_data(state)
    else:
        text = export_markdown(state)
    display.echo_or_write(text, output)


def _flow_data(state: ConversationState) -> str:
    """The ``flow-data`` document; a conversation without a flow participant is an error."""
    if not state.flow_events:
        raise ConfigError(
            f"conversation {state.conversation_id} has no flow participant (no flow data)"
        )
    return json.dumps(flow_document(state.conversation_id, state.flow_events), indent=2) + "\n"


def _export_recording(
    runtime: Runtime, conversation_id: str, output: Path | None, audio_dir: Path | None
) -> None:
    if output is None:
        raise ConfigError("--format recording writes a directory: give it with -o DIR")
    if output.exists() and not output.is_dir():
        raise ConfigError(f"-o {output} exists and is not a directory")
    check_writable_dir(output, "-o")
    directory = voice.resolve_audio_dir(runtime, audio_dir)
    written = asyncio.run(voice.write_recording(runtime, conversation_id, output, directory))
    for path in written:
        click.echo(str(path))


#: The ``aic providers`` columns: agent ids (the aliases) and models are copied, so they are
#: never cut nor left out; a terminal too narrow for both side by side gets one record a row.
PROVIDER_FIELDS = (
    Field("aliases", identifier=True),
    Field("vendor", rank=2),
    Field("default model", identifier=True),
    Field("key variable", rank=1),
    Field("key", rank=1),
)


@command()
@json_option(help="Print one JSON array of providers.")
def providers(as_json: bool) -> None:
    """List agents: aliases, vendor, default model, key variables, whether a key is set."""
    runtime = Runtime.load(LogOptions())
    rows = [_provider_row(runtime, vendor) for vendor in runtime.registry.vendors]
    rows += [_broken_row(name, why) for name, why in runtime.registry.broken.items()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = [
        [
            ", ".join(row["aliases"]),
            row["vendor"],
            row["default_model"],
            " or ".join(row["key_variables"]) or "-",
            row["key"],
        ]
        for row in rows
    ]
    print_table(Console(), PROVIDER_FIELDS, table, whole_when_piped=True)


def _broken_row(plugin: str, why: str) -> dict[str, Any]:
    """A provider plugin that failed to load: its entry-point name, ``key: broken`` and why."""
    return {
        "vendor": plugin,
        "aliases": [plugin],
        "default_model": "-",
        "key_variables": [],
        "key": "broken",
        "offline": False,
        "description": why,
    }


def _provider_row(runtime: Runtime, vendor: Any) -> dict[str, Any]:
    if not vendor.key_env:
        key = "offline" if vendor.offline else "not needed"
    else:
        key = "set" if any(runtime.env.get(k) for k in vendor.key_env) else "missing"
    return {
        "vendor": vendor.name,
        "aliases": [vendor.name, *vendor.aliases],
        "default_model": vendor.default_model,
        "key_variables": list(vendor.key_env),
        "key": key,
        "offline": vendor.offline,
        "description": vendor.description,
    }
