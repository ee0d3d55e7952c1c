"""Release gates on a report document (pure): ``--fail-under RATE --metric M --bound B``.

A metric is ``success`` (the success rate, Wilson interval) or ``pass^K`` (pass^k at k = K,
averaged over cells, with its interval; ``pass^1`` is the mean of the cells' success rates).
The bound is the point estimate or the 95 % interval's ``lower`` (or ``upper``) end. A gate fails
on an incomplete run unless incomplete runs are allowed, always on a run that mixes scenarios,
and, for a matrix run, when any of its agents fails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from aiconv.errors import ConfigError

Bound = Literal["point", "lower", "upper"]
BOUNDS: tuple[Bound, ...] = ("point", "lower", "upper")
_PASS_HAT = re.compile(r"^pass\^([1-9][0-9]{0,3})$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Metric:
    """``success`` or ``pass^k``."""

    name: str
    k: int = 1

    @classmethod
    def parse(cls, text: str) -> Metric:
        """``success`` or ``pass^K`` (K ≥ 1); ConfigError otherwise."""
        cleaned = text.strip().lower()
        if cleaned in ("success", "success_rate"):
            return cls(name="success")
        match = _PASS_HAT.match(cleaned)
        if match is None:
            raise ConfigError(f"--metric {text!r}: use success or pass^K with K >= 1 (e.g. pass^2)")
        return cls(name=f"pass^{match.group(1)}", k=int(match.group(1)))

    def value(self, figures: Mapping[str, Any], bound: Bound) -> float | None:
        """The metric of a report (or of one agent's figures) at ``bound``; None when undefined."""
        if self.name == "success":
            point, interval = figures["success"]["rate"], figures["success"]["ci95"]
        else:
            found = [p for p in figures["pass_hat_k"] if p["k"] == self.k]
            if not found:
                return None
            point, interval = found[0]["value"], found[0]["ci95"]
        if bound == "point" or point is None:
            return None if point is None else float(point)
        if interval is None:
            return None
        return float(interval[0] if bound == "lower" else interval[1])


@dataclass(frozen=True, slots=True, kw_only=True)
class GateResult:
    """Whether the gate passed, and one line per reason it did not."""

    passed: bool
    reasons: tuple[str, ...] = ()


def check_threshold(value: float) -> float:
    """A rate between 0 and 1 (finite); ConfigError otherwise."""
    if not 0.0 <= value <= 1.0:  # NaN fails both comparisons
        raise ConfigError(f"--fail-under must be a rate between 0 and 1 (got {value})")
    return value


def evaluate(
    doc: Mapping[str, Any],
    *,
    threshold: float,
    metric: Metric,
    bound: Bound = "point",
    allow_incomplete: bool = False,
) -> GateResult:
    """Gate the report ``doc``: every agent's ``metric`` at ``bound`` must reach ``threshold``."""
    reasons: list[str] = []
    if doc["mixed"]:
        reasons.append(
            f"the run mixes {len(doc['suite_hashes'])} scenario versions "
            f"({', '.join(doc['scenarios'])}); it cannot gate a release"
        )
    if not doc["complete"] and not allow_incomplete:
        reasons.append(
            f"the run is incomplete: {incomplete_text(doc)}; finish it (rerun aic simulate "
            "with its --run-id) or pass --allow-incomplete"
        )
    agents: Sequence[Mapping[str, Any]] = doc["agents"] if len(doc["agents"]) > 1 else [doc]
    for figures in agents:
        reason = _below(figures, metric, bound, threshold)
        if reason:
            who = f"agent {figures['agent']}: " if len(doc["agents"]) > 1 else ""
            reasons.append(who + reason)
    return GateResult(passed=not reasons, reasons=tuple(reasons))


def _below(figures: Mapping[str, Any], metric: Metric, bound: Bound, threshold: float) -> str:
    value = metric.value(figures, bound)
    name = "success rate" if metric.name == "success" else metric.name
    what = name if bound == "point" else f"{name} ({bound} 95% bound)"
    if value is None:
        return f"{what} is not defined for this run (too few repetitions or none finished)"
    if value < threshold:
        return f"{what} {value * 100:.1f}% is below --fail-under {threshold * 100:.1f}%"
    return ""


def incomplete_text(doc: Mapping[str, Any]) -> str:
    """``3 of 40 conversations unfinished, 5 never started``."""
    parts = [f"{doc['unfinished']} of {doc['planned']} conversations unfinished"]
    if doc["missing"]:
        parts.append(f"{doc['missing']} never started")
    return ", ".join(parts)


def evaluate_compare(
    doc: Mapping[str, Any], *, metric: Metric, allow_incomplete: bool = False
) -> GateResult:
    """Gate a comparison: the candidate must not be significantly worse on ``metric`` (a
    two-sided exact test at the document's alpha, and a lower figure), the runs must test the
    same suite, and both must be complete unless incomplete runs are allowed."""
    reasons: list[str] = []
    if not doc["same_suite"]:
        reasons.append(
            "the runs test different suites (or one mixes several); pairs are not trials"
        )
    if not doc["complete"] and not allow_incomplete:
        reasons.append(
            f"the comparison is incomplete ({doc['unpaired']['baseline']} baseline and "
            f"{doc['unpaired']['candidate']} candidate conversations unpaired or unfinished); "
            "finish both runs or pass --allow-incomplete"
        )
    rows = [r for r in doc["metrics"] if r["metric"] == metric.name]
    if not rows or rows[0]["delta"] is None:
        reasons.append(f"{metric.name} cannot be compared (too few paired repetitions)")
    elif rows[0]["verdict"] == "worse":
        row = rows[0]
        ci = row["ci95"] or (float("nan"), float("nan"))
        reasons.append(
            f"the candidate is significantly worse on {row['label']}: "
            f"{row['delta'] * 100:+.1f} pp (95% CI {ci[0] * 100:+.1f} to {ci[1] * 100:+.1f} pp), "
            f"{row['test']} p = {row['p_value']:.4g} < alpha {doc['alpha']}"
        )
    return GateResult(passed=not reasons, reasons=tuple(reasons))
