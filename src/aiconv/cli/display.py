"""Terminal rendering: the live transcript, the summary, tables. Content is shown as text:
control and escape sequences are neutralised and rich markup is never interpreted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from aiconv.agents.provider import ChatProvider
from aiconv.agents.toolbox import ToolBox
from aiconv.platform import session
from aiconv.platform.codec import Recorded
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState, Message
from aiconv.platform.events import (
    AgentFailed,
    ConversationEnded,
    LoopDetected,
    MessagePosted,
    ToolCalled,
    ToolReturned,
    UtteranceHeard,
)
from aiconv.platform.projections import Summary, summarize
from aiconv.queues.log import ConversationLog, IndexEntry

PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "red", "bright_cyan", "bright_magenta")
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` with terminal control and escape sequences removed (newlines and tabs kept)."""
    return _CONTROL.sub("", text)


def colour_of(state: ConversationState, name: str) -> str:
    """The colour of participant ``name`` (by speaking order)."""
    names = [p.name for p in state.participants]
    return PALETTE[names.index(name) % len(PALETTE)] if name in names else "white"


class LiveTranscript:
    """Prints events as they arrive, and streamed text as it is produced."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._streaming: str | None = None
        self._state: ConversationState | None = None

    def delta(self, speaker: str, chunk: str) -> None:
        """A chunk of text from a streaming provider in this process."""
        if self._state is None:
            return
        if self._streaming != speaker:
            self._streaming = speaker
            self.console.print(
                Text(f"{speaker} › ", style=f"bold {colour_of(self._state, speaker)}"), end=""
            )
        self.console.print(Text(clean(chunk)), end="")

    def event(self, recorded: Recorded, state: ConversationState) -> None:
        """An event read from the log."""
        self._state = state
        event = recorded.event
        if isinstance(event, MessagePosted):
            self._message(state, state.messages[-1])
        elif isinstance(event, ToolCalled):
            arguments = json.dumps(event.arguments, ensure_ascii=False)
            self._break_stream()
            self.console.print(
                Text(f"  ↳ {event.speaker} calls {event.tool}({clean(arguments)})", style="dim")
            )
        elif isinstance(event, ToolReturned):
            style = "dim" if event.outcome == "ok" else "yellow"
            self._break_stream()
            self.console.print(
                Text(f"    → {event.outcome}: {clean(event.content)[:300]}", style=style)
            )
        elif isinstance(event, AgentFailed):
            self.console.print(
                Text(f"! {event.speaker} failed: {clean(event.message)}", style="red")
            )
        elif isinstance(event, LoopDetected):
            self.console.print(
                Text(f"! loop detected ({event.loop_kind}, {event.score:.2f})", style="yellow")
            )
        elif isinstance(event, UtteranceHeard):
            cut = f", cutting in after {event.played_s or 0:.1f}s" if event.interrupted else ""
            heard = f"  ({event.listener} heard: {clean(event.text) or '…'}{cut})"
            self.console.print(Text(heard, style="dim"))
        elif isinstance(event, ConversationEnded):
            self.console.print(
                Text(f"— ended: {event.reason} ({clean(event.detail)})", style="dim")
            )

    def _break_stream(self) -> None:
        """End a line of streamed text before printing an event of the same turn."""
        if self._streaming is not None:
            self._streaming = None
            self.console.print()

    def _message(self, state: ConversationState, message: Message) -> None:
        meta = f"  [{message.model} · {message.output_tokens} tok · {message.latency_s:.2f}s]"
        if self._streaming == message.sender:
            self._streaming = None
            self.console.print()
            self.console.print(Text(meta, style="dim"))
            return
        self.console.print(render_message(state, message))
        self.console.print(Text(meta, style="dim"))


def render_message(state: ConversationState, message: Message) -> Text:
    """One message as coloured text."""
    if message.moderator:
        return Text(f"moderator › {clean(message.content)}", style="italic dim")
    text = Text(f"{message.sender} › ", style=f"bold {colour_of(state, message.sender)}")
    text.append(clean(message.content))
    return text


def print_summary(console: Console, state: ConversationState) -> None:
    """The closing summary of a run."""
    summary = summarize(state)
    table = Table(title=f"conversation {state.conversation_id}", show_header=False, box=None)
    for label, value in _summary_rows(summary):
        table.add_row(Text(label, style="bold"), Text(value))
    console.print(table)


def _summary_rows(summary: Summary) -> list[tuple[str, str]]:
    per = ", ".join(f"{name} {turns}" for name, turns in summary.turns_by.items())
    cost = "unknown" if summary.cost_usd is None else f"${summary.cost_usd:.6f}"
    mean = "-" if summary.mean_latency_s is None else f"{summary.mean_latency_s:.3f}s"
    p95 = "-" if summary.p95_latency_s is None else f"{summary.p95_latency_s:.3f}s"
    return [
        ("turns", f"{summary.turns} ({per})"),
        ("tokens", f"{summary.input_tokens} in / {summary.output_tokens} out"),
        ("cost", cost),
        ("turn latency", f"mean {mean}, p95 {p95}"),
        ("duration", f"{summary.duration_s:.2f}s"),
        ("ended", f"{summary.end_reason or 'not yet'} {summary.end_detail or ''}".strip()),
    ]


def print_index(console: Console, entries: Sequence[IndexEntry]) -> None:
    """The ``aic ls`` table."""
    from datetime import UTC, datetime

    table = Table("started", "participants", "turns", "status", "end reason", "topic")
    table.add_column("id", no_wrap=True)
    for e in entries:
        started = datetime.fromtimestamp(e.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(
            started,
            ", ".join(e.participants),
            str(e.turns),
            e.status,
            e.end_reason or "",
            Text(clean(e.topic)[:40]),
            e.conversation_id,
        )
    console.print(table)


async def play_with_transcript(
    conductor: Conductor,
    log: ConversationLog,
    cid: str,
    seats: Mapping[str, ChatProvider],
    transcript: LiveTranscript | None,
    *,
    after: int,
    tools: Mapping[str, ToolBox] | None = None,
) -> ConversationState:
    """Run ``seats`` while ``transcript`` (if any) prints every event after ``after``.

    The transcript follows the log until the conversation ends; if the run fails or is
    interrupted instead, it is stopped, so an error can never leave the command waiting.
    """
    if transcript is not None:
        conductor.on_delta = transcript.delta
    watcher = None
    if transcript is not None:
        watcher = asyncio.create_task(_print_events(log, cid, transcript, after))
    try:
        final = await session.play_all(conductor, cid, seats, tools=tools)
    except BaseException:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        raise
    if watcher is not None:
        await watcher
    return final


async def _print_events(
    log: ConversationLog, cid: str, transcript: LiveTranscript, after: int
) -> None:
    async for recorded, state in session.follow(log, cid, after=after):
        transcript.event(recorded, state)
