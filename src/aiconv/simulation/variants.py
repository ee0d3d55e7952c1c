"""The agents under test of a matrix run: their labels and how an ``[[agents]]`` entry is laid
over ``[agent]``'s settings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from aiconv.errors import ScenarioError
from aiconv.simulation.documents import SeatModel

if TYPE_CHECKING:  # scenario.py imports this module
    from aiconv.simulation.scenario import Seat


def label_of(seat: Seat) -> str:
    """An agent's label from its id: ``gpt:gpt-4o`` -> ``gpt-gpt-4o``."""
    return safe_label(seat.url or seat.agent)


def safe_label(text: str) -> str:
    """``text`` (an agent id or URL) made a label: ``gpt:gpt-4o`` -> ``gpt-gpt-4o``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:40] or "agent"


def labelled(seats: Sequence[Seat]) -> tuple[Seat, ...]:
    """``seats`` with labels (given or from the agent id); ScenarioError when two coincide."""
    result = tuple(s if s.label else replace(s, label=label_of(s)) for s in seats)
    labels = [s.label for s in result]
    if repeated := sorted({x for x in labels if labels.count(x) > 1}):
        raise ScenarioError(f"agents under test need distinct labels (set label = …): {repeated}")
    return result


def variant_of(base: Seat, entry: SeatModel) -> Seat:
    """An ``[[agents]]`` entry over ``[agent]``'s settings (its name and role stay)."""
    data = entry.model_dump(exclude_none=True)
    if "name" in data or "role" in data:
        raise ScenarioError("[[agents]] entries take a label, not a name or role")
    if "agent" in data or "url" in data:  # a new target replaces the whole target
        base = replace(base, agent="mock", model=None, url=None)
    return replace(base, **data)
