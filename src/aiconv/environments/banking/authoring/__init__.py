"""The shipped banking tasks, written from the generated bank (``draft``: how a task is built;
``cards``, ``replacements``, ``money``, ``disputes``, ``service``: the scenarios).

``build_files()`` gives each task file's content; ``python -m aiconv.environments.banking.
authoring`` writes them into the package (``--check`` only compares), so the tasks never drift
from the generator and the tools: a test checks the shipped files are what the scenarios build.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from aiconv.environments.banking.authoring import cards, disputes, money, replacements, service
from aiconv.environments.banking.authoring.draft import Draft
from aiconv.environments.domain import Domain

Scenario = Callable[[Domain], Draft]

#: Task files and the scenarios each holds.
FILES: dict[str, tuple[Scenario, ...]] = {
    "cards.json": cards.SCENARIOS,
    "replacements.json": replacements.SCENARIOS,
    "money.json": money.SCENARIOS,
    "disputes.json": disputes.SCENARIOS,
    "service.json": service.SCENARIOS,
}


def build_files(domain: Domain) -> dict[str, str]:
    """The content of each task file (JSON: a list of tasks)."""
    return {
        name: json.dumps([scenario(domain).task() for scenario in scenarios], indent=2) + "\n"
        for name, scenarios in FILES.items()
    }
