"""``aic`` and ``aic-start``: a thin layer over the platform.

Every command reads its settings one way (flags > environment > ``.env`` > config file >
defaults; see ``aiconv.settings``), prints data as one JSON document with ``--json``, and
reports errors as one line on stderr with a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import click

from aiconv.cli import commands
from aiconv.cli.command import AicGroup, version_option
from aiconv.cli.start import aic_start
from aiconv.collector import tune_collector


@click.group(cls=AicGroup)
@version_option(prog_name="aic")
def aic() -> None:
    """aiconv: conversations between AI agents on an event-sourced log."""


commands.register(aic)


def run_aic() -> None:
    """The ``aic`` program (its console script): the collector tuned for many conversations."""
    tune_collector()
    aic()


def run_aic_start() -> None:
    """The ``aic-start`` program (its console script), tuned like ``aic``."""
    tune_collector()
    aic_start(prog_name="aic-start")


__all__ = ["aic", "aic_start", "run_aic", "run_aic_start"]
