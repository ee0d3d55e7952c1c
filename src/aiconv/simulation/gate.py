"""Release gates on a report document (pure): ``--fail-under RATE --metric M --bound B`` and
``--fail-over LIMIT --metric M``.

A rate (higher is better, ``--fail-under``) is ``success`` (the success rate, Wilson interval),
``pass^K`` (pass^k at k = K, averaged over cells, with its interval; ``pass^1`` is the mean of
the cells' success rates) or ``criterion:NAME`` (the share of graded conversations in which
criterion NAME passed, Wilson interval). A figure where lower is better (``--fail-over``, no
interval) is ``cost`` (mean USD per conversation), ``cost_per_resolved`` or ``latency_p95`` (the
agent under test's reply latency, seconds). The bound is the point estimate or the 95 %
interval's ``lower`` (or ``upper``) end. A gate fails
on an incomplete run unless incomplete runs are allowed, always on a run that mixes scenarios,
and, for a matrix run, when any of its agents fails.

A verdict (``GateResult``) lists every check it made, passed or not, with the settings it was
made with: ``as_dict`` is what the JSON documents carry under ``gate``, so a CI job reads the
verdict, the thresholds and the failing checks from the document, not from stderr.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aiconv.errors import ConfigError

Bound = Literal["point", "lower", "upper"]
BOUNDS: tuple[Bound, ...] = ("point", "lower", "upper")
_PASS_HAT = re.compile(r"^pass\^([1-9][0-9]{0,3})$")
_CRITERION = "criterion:"
#: The figures where lower is better: the metric, the report's key, and what it is called.
LOWER_IS_BETTER: dict[str, tuple[str, str]] = {
    "cost": ("cost_usd_mean", "cost (mean a conversation)"),
    "cost_per_resolved": ("cost_per_resolved_usd", "cost_per_resolved"),
    "latency_p95": ("agent_latency_s_p95", "latency_p95 (agent under test)"),
}
_METRICS = (
    "use success or pass^K with K >= 1 (e.g. pass^2), criterion:NAME (with --fail-under), "
    "or cost, cost_per_resolved, latency_p95 (with --fail-over)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Metric:
    """``success``, ``pass^k``, ``criterion:NAME`` or a figure where lower is better."""

    name: str
    k: int = 1
    criterion: str = ""

    @property
    def lower_is_better(self) -> bool:
        """Whether the metric is gated with ``--fail-over`` (cost, latency)."""
        return self.name in LOWER_IS_BETTER

    @classmethod
    def parse(cls, text: str) -> Metric:
        """A metric by name; ConfigError for anything else."""
        cleaned = text.strip().lower()
        if cleaned.startswith(_CRITERION):
            criterion = text.strip()[len(_CRITERION) :].strip()
            if not criterion:
                raise ConfigError(f"--metric {text!r}: name the criterion (criterion:end_state)")
            return cls(name=f"{_CRITERION}{criterion}", criterion=criterion)
        if cleaned in ("success", "success_rate"):
            return cls(name="success")
        if cleaned in LOWER_IS_BETTER:
            return cls(name=cleaned)
        match = _PASS_HAT.match(cleaned)
        if match is None:
            raise ConfigError(f"--metric {text!r}: {_METRICS}")
        return cls(name=f"pass^{match.group(1)}", k=int(match.group(1)))

    def value(self, figures: Mapping[str, Any], bound: Bound) -> float | None:
        """The metric of a report (or of one agent's figures) at ``bound``; None when undefined."""
        if self.lower_is_better:
            found = figures.get("usage", figures)[LOWER_IS_BETTER[self.name][0]]
            return None if found is None else float(found)
        point, interval = self._estimate(figures)
        if bound == "point" or point is None:
            return None if point is None else float(point)
        if interval is None:
            return None
        return float(interval[0] if bound == "lower" else interval[1])

    def _estimate(self, figures: Mapping[str, Any]) -> tuple[Any, Any]:
        """The rate's point estimate and 95 % interval (None, None when undefined)."""
        if self.name == "success":
            return figures["success"]["rate"], figures["success"]["ci95"]
        if self.criterion:
            rows = [c for c in figures.get("criteria", ()) if c["criterion"] == self.criterion]
        else:
            rows = [p for p in figures["pass_hat_k"] if p["k"] == self.k]
            rows = [{"rate": p["value"], "ci95": p["ci95"]} for p in rows]
        return (rows[0]["rate"], rows[0]["ci95"]) if rows else (None, None)

    def label(self, bound: Bound) -> str:
        """What a verdict calls the metric: ``pass^2 (lower 95% bound)``."""
        if self.lower_is_better:
            return LOWER_IS_BETTER[self.name][1]
        name = "success rate" if self.name == "success" else self.name
        return name if bound == "point" else f"{name} ({bound} 95% bound)"

    def amount(self, value: float, digits: int = 1) -> str:
        """A value of the metric with its unit: ``85.0%``, ``$0.0125``, ``1.5 s`` (``digits``
        decimals of a percentage; ``digits + 5`` significant ones of a cost or latency)."""
        if not self.lower_is_better:
            return f"{value * 100:.{digits}f}%"
        number = f"{value:.{digits + 5}g}"
        return f"{number} s" if self.name == "latency_p95" else f"${number}"

    def amounts(self, value: float, threshold: float) -> tuple[str, str]:
        """``value`` and ``threshold`` as ``amount`` shows them, with as many more digits as it
        takes to tell two different numbers apart (``66.667%`` below ``66.670%``, not ``66.7%``
        below ``66.7%``)."""
        for digits in range(1, 12):
            shown = self.amount(value, digits), self.amount(threshold, digits)
            if shown[0] != shown[1] or value == threshold:
                return shown
        return shown


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One condition of a gate: its name, whether it held, why not (one line), and the figures
    it compared (``value`` against the threshold, a p-value, an agent's name …)."""

    name: str
    passed: bool
    reason: str = ""
    figures: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The check as the JSON document states it."""
        found = {"check": self.name, "passed": self.passed, **self.figures}
        return found | ({"reason": self.reason} if self.reason else {})


@dataclass(frozen=True, slots=True, kw_only=True)
class GateResult:
    """Every check a gate made, and the settings it made them with (``metric``, ``bound``,
    ``fail_under`` or ``alpha``, ``allow_incomplete``)."""

    checks: tuple[Check, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Whether every check held."""
        return all(check.passed for check in self.checks)

    @property
    def reasons(self) -> tuple[str, ...]:
        """One line per failed check (what stderr says)."""
        return tuple(check.reason for check in self.checks if not check.passed)

    def as_dict(self) -> dict[str, Any]:
        """The verdict as the JSON documents carry it under ``gate``."""
        return {
            "passed": self.passed,
            **self.settings,
            "checks": [check.as_dict() for check in self.checks],
            "reasons": list(self.reasons),
        }


def check_threshold(value: float) -> float:
    """A rate between 0 and 1 (finite); ConfigError otherwise."""
    if not 0.0 <= value <= 1.0:  # NaN fails both comparisons
        raise ConfigError(f"--fail-under must be a rate between 0 and 1 (got {value})")
    return value


def threshold_of(
    metric: Metric, fail_under: float | None, fail_over: float | None, bound: Bound
) -> float | None:
    """The gate's threshold, checked against the metric's direction; None without a gate.
    ConfigError for ``--fail-over`` on a rate, ``--fail-under`` on a cost or latency, a
    ``--bound`` on a figure without an interval, or a bad number."""
    if fail_over is None:
        if fail_under is not None and metric.lower_is_better:
            raise ConfigError(
                f"--fail-under gates rates (higher is better); {metric.name} is lower-is-better: "
                "use --fail-over"
            )
        return None if fail_under is None else check_threshold(fail_under)
    if not metric.lower_is_better:
        raise ConfigError(
            f"--fail-over gates figures where lower is better ({', '.join(LOWER_IS_BETTER)}); "
            f"{metric.name} is a rate: use --fail-under"
        )
    if fail_under is not None:
        raise ConfigError("--fail-under and --fail-over: use one")
    if bound != "point":
        raise ConfigError(f"--bound {bound}: {metric.name} has no interval; use --bound point")
    if not 0.0 <= fail_over < float("inf"):  # NaN fails the comparison
        raise ConfigError(f"--fail-over must be a finite number >= 0 (got {fail_over})")
    return fail_over


def check_known(doc: Mapping[str, Any], metric: Metric) -> None:
    """ConfigError naming the run's criteria when ``metric`` is a criterion the run lacks."""
    names = sorted(str(c["criterion"]) for c in doc.get("criteria", ()))
    if not metric.criterion or metric.criterion in names:
        return
    found = ", ".join(repr(name) for name in names) or "none (it is not graded by criteria)"
    raise ConfigError(
        f"--metric {metric.name!r}: run {doc['run_id']} has no such criterion; "
        f"its criteria: {found}"
    )


def evaluate(
    doc: Mapping[str, Any],
    *,
    threshold: float,
    metric: Metric,
    bound: Bound = "point",
    allow_incomplete: bool = False,
) -> GateResult:
    """Gate the report ``doc``: every agent's ``metric`` at ``bound`` must reach ``threshold``
    (stay at or under it when lower is better)."""
    mixed = (
        f"the run mixes {len(doc['suite_hashes'])} scenario versions "
        f"({', '.join(doc['scenarios'])}); it cannot gate a release"
    )
    incomplete = (
        f"the run is incomplete: {incomplete_text(doc)}; finish it (rerun aic simulate "
        "with its --run-id) or pass --allow-incomplete"
    )
    checks = [
        _check("one_scenario", mixed if doc["mixed"] else ""),
        _complete(bool(doc["complete"]), allow_incomplete, incomplete),
    ]
    matrix = len(doc["agents"]) > 1
    for figures in doc["agents"] if matrix else [doc]:
        checks.append(_reaches(figures, metric, bound, threshold, matrix))
    settings = {
        "metric": metric.name,
        "bound": bound,
        "fail_over" if metric.lower_is_better else "fail_under": threshold,
        "allow_incomplete": allow_incomplete,
    }
    return GateResult(checks=tuple(checks), settings=settings)


def _check(name: str, failure: str, **figures: Any) -> Check:
    """A check that held unless ``failure`` says why not."""
    return Check(name=name, passed=not failure, reason=failure, figures=figures)


def _complete(complete: bool, allowed: bool, reason: str) -> Check:
    """The completeness check: held when complete, or when incomplete runs are allowed."""
    return _check("complete", "" if complete or allowed else reason, complete=complete)


def _reaches(
    figures: Mapping[str, Any], metric: Metric, bound: Bound, threshold: float, matrix: bool
) -> Check:
    """The threshold check of one agent (of the whole run outside a matrix)."""
    value = metric.value(figures, bound)
    what = metric.label(bound)
    if value is None:
        reason = f"{what} is not defined for this run (too few repetitions or none finished)"
        if metric.name == "cost_per_resolved":
            reason = f"{what} is not defined for this run (no conversation resolved)"
    elif metric.lower_is_better and value > threshold:
        shown, bar = metric.amounts(value, threshold)
        reason = f"{what} {shown} is above --fail-over {bar}"
    elif not metric.lower_is_better and value < threshold:
        shown, bar = metric.amounts(value, threshold)
        reason = f"{what} {shown} is below --fail-under {bar}"
    else:
        reason = ""
    if reason and figures.get("failed"):  # say so when it is not the replies' fault alone
        whose = "its " if matrix else ""
        reason += (
            f" ({figures['failed']} of {whose}{figures['finished']} conversations broke: "
            "a provider failure or a replay cache miss)"
        )
    if not matrix:
        return _check("threshold", reason, value=value)
    agent = figures["agent"]
    failure = f"agent {agent}: {reason}" if reason else ""
    return _check("threshold", failure, agent=agent, value=value)


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
    other = "the runs test different suites (or one mixes several); pairs are not trials"
    incomplete = (
        f"the comparison is incomplete ({doc['unpaired']['baseline']} baseline and "
        f"{doc['unpaired']['candidate']} candidate conversations unpaired or unfinished); "
        "finish both runs or pass --allow-incomplete"
    )
    checks = (
        _check("same_suite", "" if doc["same_suite"] else other),
        _complete(bool(doc["complete"]), allow_incomplete, incomplete),
        _not_worse(doc, metric),
    )
    settings = {"metric": metric.name, "alpha": doc["alpha"], "allow_incomplete": allow_incomplete}
    return GateResult(checks=checks, settings=settings)


def _not_worse(doc: Mapping[str, Any], metric: Metric) -> Check:
    """The regression check: ``metric`` could be compared, and is not significantly worse."""
    rows = [r for r in doc["metrics"] if r["metric"] == metric.name]
    if not rows or rows[0]["delta"] is None:
        return _check(
            "no_regression", f"{metric.name} cannot be compared (too few paired repetitions)"
        )
    row = rows[0]
    figures = {key: row[key] for key in ("delta", "ci95", "p_value", "verdict")}
    if row["verdict"] != "worse":
        return _check("no_regression", "", **figures)
    ci = row["ci95"] or (float("nan"), float("nan"))
    reason = (
        f"the candidate is significantly worse on {row['label']}: "
        f"{row['delta'] * 100:+.1f} pp (95% CI {ci[0] * 100:+.1f} to {ci[1] * 100:+.1f} pp), "
        f"{row['test']} p = {row['p_value']:.4g} < alpha {doc['alpha']}"
    )
    return _check("no_regression", reason, **figures)
