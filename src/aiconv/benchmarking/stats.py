"""Summaries of timing samples: nearest-rank percentiles, in milliseconds. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiconv.platform import projections


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank ``fraction`` percentile (0 < fraction <= 1) of ``samples``; the same
    definition as the conversation summaries (``projections.percentile``), but never empty."""
    value = projections.percentile(list(samples), fraction)
    if value is None:
        raise ValueError("no samples")
    return value


def latency_ms(samples_s: Sequence[float]) -> dict[str, Any]:
    """``n``, ``p50``, ``p99``, ``mean`` and ``max`` of samples in seconds, as milliseconds."""
    return {
        "n": len(samples_s),
        "p50_ms": round(percentile(samples_s, 0.50) * 1000, 4),
        "p99_ms": round(percentile(samples_s, 0.99) * 1000, 4),
        "mean_ms": round(sum(samples_s) / len(samples_s) * 1000, 4),
        "max_ms": round(max(samples_s) * 1000, 4),
    }


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (the mean of the middle two for an even count)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
