"""Terminal rendering: the live transcript, the summary, tables. Content is shown as text:
control and escape sequences are neutralised and rich markup is never interpreted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from aiconv.cli.flow_display import flow_line, print_collected
from aiconv.cli.tables import Field, clean, one_line, print_table
from aiconv.errors import ConfigError
from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState, Message
from aiconv.platform.events import (
    AgentFailed,
    ConversationEnded,
    FieldsExtracted,
    LoopDetected,
    MessagePosted,
    StageEntered,
    ToolCalled,
    ToolReturned,
    UtteranceHeard,
)
from aiconv.platform.projections import Summary, summarize, transcript_document
from aiconv.queues.log import IndexEntry

PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "red", "bright_cyan", "bright_magenta")


def colour_of(state: ConversationState, name: str) -> str:
    """The colour of participant ``name`` (by speaking order)."""
    names = [p.name for p in state.participants]
    return PALETTE[names.index(name) % len(PALETTE)] if name in names else "white"


class LiveTranscript:
    """Prints events as they arrive, and streamed text as it is produced.

    Streamed text follows the events appended before its request (``after``); the log reader
    may deliver those later than the text arrives (the results of a tool round, the end of the
    previous turn), so text is held until the transcript has shown every event up to ``after``:
    the transcript reads in the log's order and no message is printed twice."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._streaming: str | None = None
        self._state: ConversationState | None = None
        self._shown_up_to = 0  # the sequence of the last event shown
        self._held: list[tuple[int, str, str]] = []  # (after, speaker, chunk) ahead of the log

    def delta(self, speaker: str, chunk: str, after: int) -> None:
        """A chunk of text from a streaming provider in this process, following the events up
        to sequence ``after``."""
        if self._held or self._state is None or after > self._shown_up_to:
            self._held.append((after, speaker, chunk))
            return
        self._print_chunk(speaker, chunk)

    def _release(self, up_to: int) -> None:
        """Print, in order, the held text that follows only events up to ``up_to``."""
        while self._held and self._held[0][0] <= up_to:
            _, speaker, chunk = self._held.pop(0)
            self._print_chunk(speaker, chunk)

    def _print_chunk(self, speaker: str, chunk: str) -> None:
        if self._state is None:
            return
        if self._streaming != speaker:
            self._streaming = speaker
            self.console.print(
                Text(f"{one_line(speaker)} › ", style=f"bold {colour_of(self._state, speaker)}"),
                end="",
            )
        self.console.print(Text(clean(chunk)), end="")

    def event(self, recorded: Recorded, state: ConversationState) -> None:
        """An event read from the log (text streamed before it is shown first)."""
        self._state = state
        self._release(recorded.sequence - 1)
        self._show(recorded, state)
        self._shown_up_to = recorded.sequence
        self._release(recorded.sequence)

    def _show(self, recorded: Recorded, state: ConversationState) -> None:
        event = recorded.event
        if isinstance(event, MessagePosted):
            self._message(state, state.messages[-1])
        elif isinstance(event, ToolCalled | ToolReturned):
            self._tool(event)
        elif isinstance(event, AgentFailed):
            left = " (the turn is left to another instance)" if event.released else ""
            self.console.print(
                Text(
                    f"! {one_line(event.speaker)} failed: {clean(event.message)}{left}", style="red"
                )
            )
        elif isinstance(event, LoopDetected):
            self.console.print(
                Text(f"! loop detected ({event.loop_kind}, {event.score:.2f})", style="yellow")
            )
        elif isinstance(event, UtteranceHeard):
            cut = f", cutting in after {event.played_s or 0:.1f}s" if event.interrupted else ""
            heard = f"  ({one_line(event.listener)} heard: {clean(event.text) or '…'}{cut})"
            self.console.print(Text(heard, style="dim"))
        elif isinstance(event, StageEntered | FieldsExtracted):
            self._break_stream()
            self.console.print(flow_line(event))
        elif isinstance(event, ConversationEnded):
            self.console.print(
                Text(f"— ended: {event.reason} ({clean(event.detail)})", style="dim")
            )

    def _tool(self, event: ToolCalled | ToolReturned) -> None:
        """A tool call of the turn in progress, or its result."""
        self._break_stream()
        if isinstance(event, ToolCalled):
            arguments = json.dumps(event.arguments, ensure_ascii=False)
            call = f"  ↳ {one_line(event.speaker)} calls {one_line(event.tool)}({clean(arguments)})"
            self.console.print(Text(call, style="dim"))
            return
        style = "dim" if event.outcome == "ok" else "yellow"
        self.console.print(
            Text(f"    → {event.outcome}: {clean(event.content)[:300]}", style=style)
        )

    def _break_stream(self) -> None:
        """End a line of streamed text before printing an event of the same turn."""
        if self._streaming is not None:
            self._streaming = None
            self.console.print()

    def _message(self, state: ConversationState, message: Message) -> None:
        meta = (
            f"  [{one_line(message.model)} · {message.output_tokens} tok · "
            f"{message.latency_s:.2f}s]"
        )
        if self._streaming == message.sender:
            self._break_stream()
            self.console.print(Text(meta, style="dim"))
            return
        self.console.print(render_message(state, message))
        self.console.print(Text(meta, style="dim"))


def render_message(state: ConversationState, message: Message) -> Text:
    """One message as coloured text."""
    if message.moderator:
        return Text(f"moderator › {clean(message.content)}", style="italic dim")
    text = Text(f"{one_line(message.sender)} › ", style=f"bold {colour_of(state, message.sender)}")
    text.append(clean(message.content))
    return text


def print_summary(console: Console, state: ConversationState) -> None:
    """The closing summary of a run."""
    summary = summarize(state)
    title = Text(f"conversation {one_line(state.conversation_id)}")
    table = Table(title=title, show_header=False, box=None)
    for label, value in _summary_rows(summary):
        table.add_row(Text(label, style="bold"), Text(value))
    console.print(table)
    print_collected(console, state)


def conclude(
    console: Console,
    state: ConversationState,
    *,
    as_json: bool,
    voice: dict[str, Any] | None = None,
) -> None:
    """The end of a run: the JSON export document on stdout (with a voice conversation's
    ``voice`` metrics), or the summary (the caller prints the voice line after it)."""
    if as_json:
        document = transcript_document(state)
        if voice is not None:
            document["voice"] = voice
        click.echo(json.dumps(document, indent=2))
    else:
        print_summary(console, state)


def _summary_rows(summary: Summary) -> list[tuple[str, str]]:
    per = ", ".join(f"{one_line(name)} {turns}" for name, turns in summary.turns_by.items())
    cost = "unknown" if summary.cost_usd is None else f"${summary.cost_usd:.6f}"
    mean = "-" if summary.mean_latency_s is None else f"{summary.mean_latency_s:.3f}s"
    p95 = "-" if summary.p95_latency_s is None else f"{summary.p95_latency_s:.3f}s"
    return [
        ("turns", f"{summary.turns} ({per})"),
        ("tokens", f"{summary.input_tokens} in / {summary.output_tokens} out"),
        ("cost", cost),
        ("turn latency", f"mean {mean}, p95 {p95}"),
        ("duration", f"{summary.duration_s:.2f}s"),
        ("ended", one_line(f"{summary.end_reason or 'not yet'} {summary.end_detail or ''}")),
    ]


#: The ``aic ls`` columns; the id is never cut, the others go first on a narrow terminal.
INDEX_FIELDS = (
    Field("started", rank=3, wrap=False),
    Field("participants", rank=4),
    Field("turns", rank=2),
    Field("status", rank=1),
    Field("end reason", rank=5),
    Field("topic", rank=1),
    Field("id", identifier=True),
)


def print_index(console: Console, entries: Sequence[IndexEntry]) -> None:
    """The ``aic ls`` table."""
    from datetime import UTC, datetime

    rows = [
        [
            datetime.fromtimestamp(e.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            ", ".join(e.participants),
            str(e.turns),
            e.status,
            e.end_reason or "",
            e.topic,
            e.conversation_id,
        ]
        for e in entries
    ]
    print_table(console, INDEX_FIELDS, rows, whole_when_piped=True)


def echo_or_write(text: str, output: Path | None) -> None:
    """``text`` on stdout, or into the ``--output`` file (ConfigError when it cannot be
    written)."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write --output {output}: {exc.strerror or exc}") from exc
