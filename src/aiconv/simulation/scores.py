"""The task judge's rubric scores (1–5 on goal completion, policy adherence, helpfulness and
faithfulness), summarised for reports: per dimension, over the run and per agent under test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from statistics import fmean
from typing import Any, Protocol

#: A score at or below this is counted as low (1–2 of 5).
LOW = 2.0
#: The columns of the scores table in every rendering.
SCORE_COLUMNS = ("dimension", "scored", "mean", "min", "max", "low (≤ 2)")


class Scored(Protocol):
    """A report row that may carry rubric scores (``simulation.rows.Row``)."""

    @property
    def scores(self) -> Mapping[str, float]: ...


def judge_scores(rows: Iterable[Scored]) -> list[dict[str, Any]]:
    """Per rubric dimension, in the order first seen: how many conversations were scored, and
    the mean, lowest and highest score and the count of low scores."""
    found: dict[str, list[float]] = {}
    for row in rows:
        for dimension, score in row.scores.items():
            found.setdefault(dimension, []).append(score)
    return [
        {
            "dimension": dimension,
            "n": len(values),
            "mean": round(fmean(values), 3),
            "min": min(values),
            "max": max(values),
            "low": sum(1 for v in values if v <= LOW),
        }
        for dimension, values in found.items()
    ]


def mean_scores(rows: Iterable[Scored]) -> dict[str, float]:
    """The mean score per dimension (for one agent's side-by-side figures)."""
    return {s["dimension"]: s["mean"] for s in judge_scores(rows)}


def score_rows(scores: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The scores table's rows as text, in ``SCORE_COLUMNS`` order."""
    return [
        [
            str(s["dimension"]).replace("_", " "),
            str(s["n"]),
            f"{s['mean']:.2f}",
            f"{s['min']:g}",
            f"{s['max']:g}",
            str(s["low"]),
        ]
        for s in scores
    ]
