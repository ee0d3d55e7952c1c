"""``aic import`` and ``aic discover``: real transcripts in, a scenario out (``aiconv.learning``).

Everything that can be wrong with the input (the file, its format and mapping, malformed rows
under ``--strict``, redaction patterns, the output path, the model's key) is found before the
log is opened, so bad input writes nothing anywhere.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from aiconv import user_files
from aiconv.cli.command import command
from aiconv.cli.options import EXIT_INTERRUPTED, json_option, log_options, option
from aiconv.cli.values import TEXT
from aiconv.cli.wiring import LogOptions, Runtime, run_interruptibly
from aiconv.cli.writable import check_writable
from aiconv.errors import ConfigError, LogError, LogMissing, TranscriptError
from aiconv.extras import require_extra
from aiconv.queues.urls import connect_log
from aiconv.simulation.batch import StyleSource
from aiconv.simulation.scenario import Scenario

_SOURCE_MAX = 100
#: What ``aic import`` says of the rows it left out (``Parsed.left_out``'s kinds).
_LEFT_OUT = {
    "private_note": "private notes (internal, never seen by the customer)",
    "no_text": "messages without text (a file or an image alone, or an empty body)",
}


def mapping_options(func: Any) -> Any:
    """The field mapping flags of ``aic import`` (each also under the other word for it:
    ``--role-field`` is ``--sender-field``)."""
    for names, what in reversed(
        [
            (("id", "conversation-id"), "the conversation id"),
            (("sender", "role"), "the sender or role"),
            (("text", "content"), "the message text"),
            (("time", "timestamp"), "the timestamp (ISO 8601 or Unix seconds/ms)"),
            (("outcome",), "an outcome label (optional)"),
            (("messages",), "the list of messages, in a conversation-per-record file"),
        ]
    ):
        flags = [f"--{name}-field" for name in names]
        func = option(*flags, help=f"Field holding {what}.")(func)
    return func


@command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@option("--format", "fmt", type=click.Choice(["jsonl", "csv", "json"]), help="Default: suffix.")
@option("--source", help="Name of the data set (default: the file name without its suffix).")
@option("--mapping", type=click.Path(path_type=Path), help="Field mapping file (TOML/YAML/JSON).")
@mapping_options
@option(
    "--time-format",
    type=TEXT,
    help="strptime format of the times, e.g. '%m/%d/%Y %I:%M %p' (default: ISO 8601 or Unix).",
)
@option(
    "--customer", "customers", type=TEXT, multiple=True, help="Sender value meaning the customer."
)
@option(
    "--agent", "agents", type=TEXT, multiple=True, help="Sender value meaning the support agent."
)
@option("--strict", is_flag=True, help="Refuse the whole file if any row is malformed.")
@option("--no-redact", is_flag=True, help="Keep e-mails, phones, card and account numbers.")
@option("--redact-name", "names", type=TEXT, multiple=True, help="A name to redact (repeat).")
@option("--redact-names-file", type=click.Path(path_type=Path), help="Names to redact, one a line.")
@option("--redact-pattern", "patterns", multiple=True, help="LABEL=REGEX or REGEX to redact.")
@option("--dry-run", is_flag=True, help="Read, check and redact, but write nothing.")
@json_option(help="Print one JSON document.")
@log_options
def import_command(file: Path, **kw: Any) -> None:
    """Import real transcripts as conversations (idempotent: importing again changes nothing)."""
    from aiconv.learning import importer

    runtime = Runtime.load(LogOptions.of(kw))
    plan = _plan_import(file, kw)
    report = importer.ImportReport(redaction=plan.redaction)
    # a log that cannot be opened is the only line, before the summary
    if kw["dry_run"]:
        asyncio.run(_preview(runtime.log_url, plan, report))
    else:
        asyncio.run(_check_log(runtime.log_url))
    console = Console(stderr=True)
    _describe_plan(console, plan, kw["as_json"])
    if kw["dry_run"]:
        _finish_import(console, plan, report, kw["as_json"], dry=True)
        return
    try:
        _, interrupted = asyncio.run(_write(runtime.log_url, plan, report))
    except LogError as exc:
        raise LogError(
            f"{exc}; imported {report.imported} of {len(plan.prepared)} before it "
            "failed: run the same command again to import the rest"
        ) from exc
    _finish_import(console, plan, report, kw["as_json"], dry=False)
    if interrupted:
        done = report.imported + report.unchanged + report.duplicates + len(report.conflicting)
        unknown = (
            f"; whether {report.unknown[0]} was written is unknown (stopped while it was)"
            if report.unknown
            else ""
        )
        click.echo(
            f"interrupted after {done} of {len(plan.prepared)}{unknown}: "
            "run the same command again to import the rest",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)


async def _check_log(url: str) -> None:
    await (await connect_log(url)).close()


async def _preview(url: str, plan: ImportPlan, report: Any) -> None:
    """What the import would do, reading the log only (a missing one: as if empty)."""
    from aiconv.learning import importer
    from aiconv.queues.memory import InMemoryLog

    try:
        log = await connect_log(url, "read")
    except LogMissing:  # nothing imported yet; the real run creates it
        log = InMemoryLog()
    try:
        await importer.preview(log, plan.prepared, report)
    finally:
        await log.close()


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportPlan:
    """A file read, checked and redacted: what the import will write."""

    file: Path
    source: str
    parsed: Any
    prepared: list[Any]
    redaction: Any


def _plan_import(file: Path, kw: dict[str, Any]) -> ImportPlan:
    from aiconv.learning import importer
    from aiconv.learning.parse import parse_file
    from aiconv.learning.redaction import Redactor
    from aiconv.learning.transcripts import FieldMapping, load_mapping

    if file.is_dir():  # '.' has no name to take a source from: say what is wrong with it
        raise TranscriptError(f"{file}: is a directory, not a transcript file")
    source = _source(kw["source"] if kw["source"] is not None else file.stem)
    redactor = None if kw["no_redact"] else Redactor(names=_names(kw), patterns=kw["patterns"])
    flags = FieldMapping(
        conversation_id=kw["id_field"],
        sender=kw["sender_field"],
        text=kw["text_field"],
        timestamp=kw["time_field"],
        outcome=kw["outcome_field"],
        messages=kw["messages_field"],
        time_format=kw["time_format"],
        customer=tuple(kw["customers"]),
        agent=tuple(kw["agents"]),
    )
    mapping = load_mapping(kw["mapping"]).merged(flags) if kw["mapping"] else flags
    parsed = parse_file(file, mapping, kw["fmt"])
    if kw["strict"] and parsed.problems:
        shown = "; ".join(str(p) for p in parsed.problems[:3])
        raise TranscriptError(
            f"{file}: {len(parsed.problems)} malformed rows ({shown}); nothing imported "
            "(--strict). Fix them, or drop --strict to skip them"
        )
    if not parsed.transcripts:
        first = f"; first: {parsed.problems[0]}" if parsed.problems else ""
        raise TranscriptError(
            f"{file}: no conversations found ({len(parsed.problems)} bad rows{first})"
        )
    fmt = kw["fmt"] or file.suffix.lstrip(".").lower()
    prepared, redaction = importer.prepare(
        parsed, source=source, file=file.name, fmt=fmt, redactor=redactor
    )
    return ImportPlan(
        file=file, source=source, parsed=parsed, prepared=prepared, redaction=redaction
    )


def _source(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > _SOURCE_MAX or not cleaned.isprintable():
        raise ConfigError(f"--source {name!r}: give a printable name of 1 to {_SOURCE_MAX} chars")
    return cleaned


def _names(kw: dict[str, Any]) -> list[str]:
    names = list(kw["names"])
    path: Path | None = kw["redact_names_file"]
    if path is not None:
        try:
            names += [line.strip() for line in user_files.read_text(path).splitlines()]
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--redact-names-file {path}: cannot be read: {exc}") from None
    return [n for n in names if n]


def _describe_plan(console: Console, plan: ImportPlan, as_json: bool) -> None:
    if as_json:
        return
    parsed = plan.parsed
    console.print(
        f"read {parsed.rows} messages, {len(parsed.transcripts)} conversations from {plan.file}",
        highlight=False,
    )
    if parsed.tool_rows:
        console.print(f"left out {parsed.tool_rows} tool calls and results", highlight=False)
    for kind, count in parsed.left_out.items():
        console.print(f"left out {count} {_LEFT_OUT[kind]}", highlight=False)
    if parsed.problems:
        lines = ", ".join(str(p.line) for p in parsed.problems[:20])
        more = f" (and {len(parsed.problems) - 20} more)" if len(parsed.problems) > 20 else ""
        console.print(
            f"skipped {len(parsed.problems)} malformed rows at lines {lines}{more}; first: "
            f"{parsed.problems[0]}",
            highlight=False,
            markup=False,
        )
    console.print(f"redacted: {plan.redaction.describe()}", highlight=False, markup=False)


async def _write(url: str, plan: ImportPlan, report: Any) -> tuple[Any, bool]:
    from aiconv.learning import importer

    log = await connect_log(url)
    try:
        return await run_interruptibly(lambda: importer.write(log, plan.prepared, report))
    finally:
        await log.close()


def _finish_import(
    console: Console, plan: ImportPlan, report: Any, as_json: bool, *, dry: bool
) -> None:
    from aiconv.learning.importer import run_id_for

    document = {
        "file": str(plan.file),
        "source": plan.source,
        "run_id": run_id_for(plan.source),
        "rows": plan.parsed.rows,
        "tool_rows": plan.parsed.tool_rows,
        "left_out": dict(plan.parsed.left_out),
        "conversations": len(plan.prepared),
        "malformed": [{"line": p.line, "problem": p.message} for p in plan.parsed.problems],
        "redacted": dict(plan.redaction.counts),
        "dry_run": dry,
        "imported": report.imported,
        "unchanged": report.unchanged,
        "duplicates": report.duplicates,
        "duplicates_in": dict(report.duplicates_in),
        "conflicting": list(report.conflicting),
    }
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    runs = ", ".join(document["duplicates_in"])  # where they are: not under this run id
    elsewhere = (
        f", already there from another source {document['duplicates']} ({runs})"
        if document["duplicates"]
        else ""
    )
    done, written = ("dry run: would import", "; nothing written") if dry else ("imported", "")
    console.print(
        f"{done} {document['imported']}, already there {document['unchanged']}{elsewhere} "
        f"(run id {document['run_id']}; see `aic ls --run-id {document['run_id']}`){written}",
        highlight=False,
        markup=False,
    )
    if document["conflicting"]:
        console.print(
            f"{len(document['conflicting'])} conversations were imported before with other "
            f"content and {'would be' if dry else 'were'} left as they were: "
            f"{', '.join(document['conflicting'][:10])}",
            highlight=False,
            markup=False,
        )


def check_output(path: Path, force: bool) -> None:
    """ConfigError unless ``path`` can be written (and does not exist, without ``force``)."""
    if path.is_dir():
        raise ConfigError(f"--output {path} is a directory; give a file path")
    if path.exists() and not force:
        raise ConfigError(f"--output {path} exists; choose another path or add --force")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ConfigError(f"--output {path}: the directory {parent} does not exist")
    check_writable(path)


def grounding_of(scenario: Scenario) -> StyleSource | None:
    """The style examples of a grounded scenario (its index is read now: a missing or damaged
    one is bad input, reported before anything is written)."""
    if scenario.grounding is None:
        return None
    require_extra("learning", "a grounded scenario ([grounding])")
    from aiconv.learning.grounding import style_source

    return style_source(scenario)
