"""``aic bench``: run the performance harness and print its table (and optionally its JSON).

A thin shell over ``aiconv.benchmarking.runner``: it picks the plan, forwards the selection,
prints progress on stderr and the Markdown table on stdout. Targets are reported, never enforced:
the exit code is 0 whenever the harness itself ran.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click

from aiconv.benchmarking import report, runner
from aiconv.benchmarking.peers import lacks_autogen
from aiconv.benchmarking.scenarios import FULL, QUICK
from aiconv.cli.command import command
from aiconv.cli.options import option
from aiconv.cli.writable import check_writable
from aiconv.platform.markdown import visible_controls

#: ``--json`` without a value: the document goes to stdout.
STDOUT = "-"


@command(name="bench")
@option("--quick", is_flag=True, help="Fewer turns and repeats (about a minute).")
@option(
    "--json",
    "json_path",
    is_flag=False,
    flag_value=STDOUT,
    configurable=False,
    help="Print the JSON document on stdout instead of the table (a PATH here is deprecated: "
    "use --output).",
)
@option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the JSON document to this file.",
)
@option("--peers", is_flag=True, help="Also run AutoGen AgentChat on the same workload.")
@option("--peers-python", help="Interpreter that has AutoGen (default: benchmarks/.venv-peers).")
@option(
    "--only",
    multiple=True,
    type=click.Choice(runner.SCENARIOS),
    help="Run only this scenario (repeatable).",
)
def bench(
    quick: bool,
    json_path: str | None,
    output: Path | None,
    peers: bool,
    peers_python: str | None,
    only: tuple[str, ...],
) -> None:
    """Measure per-turn overhead, hand-off, concurrency, append throughput and fleet scaling."""
    deprecated = json_path not in (None, STDOUT)
    if deprecated:
        output = output or Path(str(json_path))
    if output is not None:
        check_writable(output)
    if peers_python is not None and not _is_program(peers_python):
        raise click.BadParameter(
            f"{peers_python!r} is not an executable file", param_hint="--peers-python"
        )
    if peers_python is not None and (why := lacks_autogen(peers_python)) is not None:
        raise click.BadParameter(f"{peers_python!r} {why}", param_hint="--peers-python")
    if deprecated:  # after the checks: bad input stays one line
        click.echo("warning: --json PATH is deprecated; use --output PATH", err=True)
    document = runner.run(
        QUICK if quick else FULL,
        only=only,
        with_peers=peers or "peers" in only,
        peer_python=peers_python,
        progress=lambda line: click.echo(line, err=True),
    )
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {visible_controls(str(output))}", err=True)
    if json_path == STDOUT:
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(report.table(document))
    sys.stdout.flush()


def _is_program(path: str) -> bool:
    found = shutil.which(path)
    return found is not None and Path(found).is_file()
