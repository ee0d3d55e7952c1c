"""``aic plugins``: what is installed in each entry-point group (aiconv's own parts included)."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from rich.console import Console

from aiconv import plugins
from aiconv.cli.command import command
from aiconv.cli.options import json_option
from aiconv.cli.tables import Field, print_table

#: Names and distributions are copied by users (to configure or uninstall): never cut.
PLUGIN_FIELDS = (
    Field("group", rank=1),
    Field("name", identifier=True),
    Field("distribution", identifier=True),
    Field("version", rank=2),
)


@command(name="plugins")
@json_option(help="Print one JSON document instead.")
def plugins_command(as_json: bool) -> None:
    """List installed plugins: group, name, distribution and version."""
    found = plugins.installed()
    if as_json:
        document = {"groups": plugins.GROUPS, "plugins": [asdict(p) for p in found]}
        click.echo(json.dumps(document, indent=2))
        return
    rows = [[p.group, p.name, p.distribution, p.version] for p in found]
    print_table(Console(), PLUGIN_FIELDS, rows)
