"""``aic plugins``: what is installed in each entry-point group (aiconv's own parts included)."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from rich.console import Console
from rich.table import Table

from aiconv import plugins
from aiconv.cli.options import friendly_errors


@click.command(name="plugins")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead.")
@friendly_errors
def plugins_command(as_json: bool) -> None:
    """List installed plugins: group, name, what it points to, distribution and version."""
    found = plugins.installed()
    if as_json:
        document = {"groups": plugins.GROUPS, "plugins": [asdict(p) for p in found]}
        click.echo(json.dumps(document, indent=2))
        return
    table = Table("group", "name", "distribution", "version")
    for plugin in found:
        table.add_row(plugin.group, plugin.name, plugin.distribution, plugin.version)
    for column in table.columns:
        column.overflow = "fold"  # never cut a name a user must copy
    Console().print(table)
