"""Grounded simulated customers: a scenario's ``[grounding]`` turned into style examples.

``style_source`` loads the scenario's style index and returns what ``BatchRunner`` asks of each
cell: the real customer messages most similar to the cell's intent (its description and
opening), among the messages of that intent and persona when the index is labelled with them
(``aic discover`` labels it with the names it writes into the scenario).
"""

from __future__ import annotations

from collections.abc import Sequence

from aiconv.learning.retrieval import StyleIndex
from aiconv.simulation.batch import StyleSource
from aiconv.simulation.scenario import Cell, Scenario


def style_source(scenario: Scenario) -> StyleSource | None:
    """The style examples of each cell of a grounded scenario (None when it is not grounded);
    ConfigError when its index is missing or damaged."""
    grounding = scenario.grounding
    if grounding is None:
        return None
    index = StyleIndex.load(grounding.index)
    count = grounding.examples

    def examples(cell: Cell) -> Sequence[str]:
        intent = cell.intent
        if intent is None:  # a task's user follows its brief: no intent to ground
            return []
        query = " ".join(filter(None, (intent.description, intent.opening)))
        found = index.similar(query, k=count, intent=intent.name, persona=cell.persona.name)
        return [match.entry.text for match in found]

    return examples
