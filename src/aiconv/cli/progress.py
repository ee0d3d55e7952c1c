"""What ``aic simulate`` shows of a run: the live progress bar, the status line and the
``--json`` tally document."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aiconv.simulation.tally import Tally


class ProgressView:
    """A rich progress bar fed by the batch's tally."""

    def __init__(self, console: Console, total: int) -> None:
        self.progress = Progress(
            TextColumn("[bold]simulating"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.task = self.progress.add_task("run", total=total, status="")

    def update(self, tally: Tally) -> None:
        """Show the tally (called on every change; rich throttles the redraw)."""
        self.progress.update(
            self.task, completed=tally.done + tally.failed, status=status_line(tally)
        )


def status_line(tally: Tally) -> str:
    """``done 12 · running 8 · failed 1 · resolved 9, escalated 3 · $0.0412``."""
    outcomes = ", ".join(f"{k} {v}" for k, v in tally.outcomes.most_common())
    parts = [f"done {tally.done}", f"running {tally.running}", f"failed {tally.failed}"]
    if outcomes:
        parts.append(outcomes)
    parts.append(f"${tally.cost_usd:.4f}")
    return " · ".join(parts)


def tally_document(run_id: str, tally: Tally, *, interrupted: bool) -> dict[str, Any]:
    """``aic simulate --json``: the run's final tally."""
    return {
        "run_id": run_id,
        "done": tally.done,
        "failed": tally.failed,
        "skipped": tally.skipped,
        "outcomes": dict(tally.outcomes),
        "cost_usd": tally.cost_usd,
        "interrupted": interrupted,
    }
