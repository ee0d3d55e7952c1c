"""Terminal lines for stage flows: a stage entered, the fields extracted (kept or rejected, with
their confidence), and the collected data under the summary. Content is shown as text."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from aiconv.cli.tables import clean, one_line
from aiconv.platform.conversation import ConversationState
from aiconv.platform.flow_events import FieldsExtracted, StageEntered
from aiconv.platform.flow_fold import flows_of


def flow_line(event: StageEntered | FieldsExtracted) -> Text:
    """One dim line for a flow event of the transcript."""
    who = one_line(event.participant)
    if isinstance(event, StageEntered):
        return Text(
            f"  ⇢ {who} enters {one_line(event.stage)} ({clean(event.reason)})", style="dim"
        )
    if event.error is not None:
        return Text(f"  ! {who} could not extract: {clean(event.error)}", style="yellow")
    items = [
        f"{one_line(e.name)}={_short(e.value)} {e.confidence:.2f} "
        + ("✓" if e.accepted else f"✗ {clean(e.note)}")
        for e in event.extractions
    ]
    read = "; ".join(items) or "nothing"
    return Text(f"  ⇢ {who} read: {read}", style="dim")


def print_collected(console: Console, state: ConversationState) -> None:
    """The collected data of each flow participant, as a table under the summary."""
    for progress in flows_of(state.flow_events).values():
        done = "complete" if progress.final else f"at stage {progress.stage}"
        title = Text(
            f"{one_line(progress.participant)} collected ({one_line(progress.flow)}, {done})"
        )
        table = Table(title=title, show_header=False, box=None)
        for name, value in progress.values.items():
            confidence = progress.confidence.get(name, 0.0)
            table.add_row(Text(name, style="bold"), Text(f"{_short(value)} ({confidence:.2f})"))
        for name, text in progress.output.items():
            table.add_row(Text(f"output {name}", style="bold"), Text(clean(str(text))))
        console.print(table)


def _short(value: Any) -> str:
    text = clean(json.dumps(value, ensure_ascii=False))
    return text if len(text) <= 80 else text[:79] + "…"
