"""The Redis Cluster rows of the benchmark table: hand-off and appends on a local three-master
cluster (``redis-cluster`` in the document), shown in the redis column under single Redis.
Pure: reads the document only (``report`` places the rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CLUSTER = "redis-cluster"
_LABEL = "| Redis Cluster, 3 masters:"


def cluster_rows(doc: dict[str, Any], writers: Mapping[str, str]) -> list[str]:
    """The cluster's rows (none when it was not measured); ``writers`` labels append rows."""
    results = doc.get("results", {})
    handoff = results.get("handoff", {}).get(CLUSTER)
    append = results.get("append", {}).get(CLUSTER)
    if not isinstance(handoff, dict) and not isinstance(append, dict):
        return []
    latency = (handoff or {}).get("handoff")
    pair = "–" if not latency else f"{latency['p50_ms']:.3f} / {latency['p99_ms']:.3f}"
    rows = [f"{_LABEL} hand-off p50 / p99 (ms) | – | – | {pair} |"]
    for key in doc.get("plan", {}).get("append_writers") or []:
        value = ((append or {}).get(key) or {}).get("events_per_s")
        cell = "–" if value is None else f"{value:,.0f}"
        rows.append(f"{_LABEL} append, {writers.get(key, key)} (events/s) | – | – | {cell} |")
    return rows
