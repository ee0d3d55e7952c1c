"""``aic bench``: run the performance harness and print its table (and optionally its JSON).

A thin shell over ``aiconv.benchmarking.runner``: it picks the plan, forwards the selection,
prints progress on stderr and the Markdown table on stdout. Targets are reported, never enforced:
the exit code is 0 whenever the harness itself ran.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from aiconv.benchmarking import report, runner
from aiconv.benchmarking.scenarios import FULL, QUICK


@click.command(name="bench")
@click.option("--quick", is_flag=True, help="Fewer turns and repeats (about a minute).")
@click.option(
    "--json", "json_path", type=click.Path(path_type=Path), help="Also write the result here."
)
@click.option("--peers", is_flag=True, help="Also run AutoGen AgentChat on the same workload.")
@click.option(
    "--peers-python", help="Interpreter that has AutoGen (default: benchmarks/.venv-peers)."
)
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(runner.SCENARIOS),
    help="Run only this scenario (repeatable).",
)
def bench(
    quick: bool,
    json_path: Path | None,
    peers: bool,
    peers_python: str | None,
    only: tuple[str, ...],
) -> None:
    """Measure per-turn overhead, hand-off, concurrency, append throughput and fleet scaling."""
    document = runner.run(
        QUICK if quick else FULL,
        only=only,
        with_peers=peers or "peers" in only,
        peer_python=peers_python,
        progress=lambda line: click.echo(line, err=True),
    )
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {json_path}", err=True)
    click.echo(report.table(document))
    sys.stdout.flush()
