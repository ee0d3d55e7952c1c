"""The result document's verdicts and its Markdown table. Pure: reads the document only.

Document shape (``schema`` 1)::

    {"schema", "measured_at", "machine": {cores, memory_gb, cpu_model, load_1m, ...},
     "software": {python, sqlite, redis_server, aiconv, ...}, "plan", "skipped",
     "results": {"overhead": {backend: {"overhead": {p50_ms, p99_ms, ...}, ...}},
                 "handoff": {backend: {"handoff": {...}}},
                 "concurrency": {backend: {N: {turns_per_s, of_ideal, peak_rss_mb, ...}}},
                 "append": {backend: {writers: {events_per_s, ...}}},
                 (hand-off and append also for "redis-cluster": a local 3-master cluster)
                 "fleet": {"workers": {count: {conversations_per_s, ...}}},
                 "peers": {"autogen": {ms_per_turn, ...}}},
     "targets": [{figure, target, value, met}]}
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aiconv.benchmarking.cluster_rows import CLUSTER, cluster_rows

Doc = dict[str, Any]


def _get(doc: Doc, *path: str) -> Any:
    node: Any = doc.get("results", {})
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _row(figure: str, target: str, value: float | None, ok: Callable[[float], bool]) -> Doc:
    return {
        "figure": figure,
        "target": target,
        "value": value,
        "met": None if value is None else bool(ok(value)),
    }


def _at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


def _at_least(limit: float) -> Callable[[float], bool]:
    return lambda value: value >= limit


#: Issues 9 and 17's targets: (figure, target, where its value is in ``results``, the check).
TARGETS: tuple[tuple[str, str, tuple[str, ...], Callable[[float], bool]], ...] = (
    *(
        row
        for b in ("sqlite", "redis")
        for row in (
            (
                f"per-turn overhead p50, {b}",
                "<= 0.5 ms",
                ("overhead", b, "overhead", "p50_ms"),
                _at_most(0.5),
            ),
            (
                f"per-turn overhead p99, {b}",
                "<= 2 ms",
                ("overhead", b, "overhead", "p99_ms"),
                _at_most(2.0),
            ),
        )
    ),
    ("hand-off p50, redis", "<= 2 ms", ("handoff", "redis", "handoff", "p50_ms"), _at_most(2.0)),
    ("hand-off p99, redis", "<= 10 ms", ("handoff", "redis", "handoff", "p99_ms"), _at_most(10.0)),
    (
        "hand-off p99, sqlite",
        "<= 20 ms",
        ("handoff", "sqlite", "handoff", "p99_ms"),
        _at_most(20.0),
    ),
    *(
        row
        for backend in ("memory", "sqlite", "redis")
        for row in (
            (
                f"1,000 conversations, {backend}: share of ideal turns/s",
                ">= 90 %",
                ("concurrency", backend, "1000", "of_ideal"),
                _at_least(0.9),
            ),
            (
                f"1,000 conversations, {backend}: peak RSS MB",
                "<= 300 MB",
                ("concurrency", backend, "1000", "peak_rss_mb"),
                _at_most(300),
            ),
        )
    ),
    (
        "append, sqlite, 1 writer (events/s)",
        ">= 5,000",
        ("append", "sqlite", "1", "events_per_s"),
        _at_least(5000),
    ),
    (
        "append, redis, 1 writer (events/s)",
        ">= 10,000",
        ("append", "redis", "1", "events_per_s"),
        _at_least(10000),
    ),
    (
        "append, redis, 1 process, 256 in flight (events/s)",
        ">= 20,000",
        ("append", "redis", "1x256", "events_per_s"),
        _at_least(20000),
    ),
    (
        "Redis Cluster, 3 masters: append, 1 process, 256 in flight (events/s)",
        "reported",
        ("append", CLUSTER, "1x256", "events_per_s"),
        _at_least(0),
    ),
)


def targets(doc: Doc) -> list[Doc]:
    """Issues 9 and 17's targets with the measured value and whether it is met (None: not
    measured)."""
    rows = [_row(figure, target, _get(doc, *path), ok) for figure, target, path, ok in TARGETS]
    rows.append(
        _row("aic worker --processes 1 -> 2", ">= 1.6x", fleet_speedup(doc), _at_least(1.6))
    )
    return rows + _soak_targets(doc)


def _soak_targets(doc: Doc) -> list[Doc]:
    """The soak: every conversation at once in one process, each sequence checked once."""
    rows = []
    for backend in ("memory", "sqlite", "redis"):
        soak = _get(doc, "soak", backend)
        if not isinstance(soak, dict) or "conversations" not in soak:
            continue
        label = f"{soak['conversations']:,} concurrent conversations, {backend}"
        rows.append(
            _row(f"{label}: peak RSS MB", "<= 1,000 MB", soak["peak_rss_mb"], lambda v: v <= 1000)
        )
        rows.append(_row(f"{label}: problems found", "0", soak["problem_count"], lambda v: v == 0))
    return rows


def fleet_speedup(doc: Doc) -> float | None:
    """Conversations/s of ``aic worker --processes 2`` over ``--processes 1``."""
    one = _get(doc, "fleet", "workers", "1", "conversations_per_s")
    two = _get(doc, "fleet", "workers", "2", "conversations_per_s")
    return round(two / one, 2) if one and two else None


def table(doc: Doc) -> str:
    """The run as a Markdown table (figures, then the targets), headed by machine and versions."""
    m, s = doc["machine"], doc["software"]
    lines = [
        f"Measured {doc['measured_at']} on {m['cores']} cores, {m['memory_gb']} GB, "
        f"{m['cpu_model']} (load {m['load_1m']} -> {m.get('load_1m_end')}); Python "
        f"{s['python']}, SQLite {s['sqlite']}, redis-server {s['redis_server']}, "
        f"aiconv {s['aiconv']}, aiosqlite {s['aiosqlite']}, redis-py {s['redis']}.",
        "",
        "| figure | memory | sqlite | redis |",
        "|---|---|---|---|",
    ]
    lines += _figure_rows(doc)
    lines += ["", "| target | required | measured | met |", "|---|---|---|---|"]
    for row in doc.get("targets", []):
        met = {True: "yes", False: "**no**", None: "n/a"}[row["met"]]
        value = "n/a" if row["value"] is None else f"{row['value']:g}"
        lines.append(f"| {row['figure']} | {row['target']} | {value} | {met} |")
    return "\n".join(lines)


def _cells(doc: Doc, fmt: Callable[[str], str]) -> str:
    return " | ".join(fmt(b) for b in ("memory", "sqlite", "redis"))


def _share(doc: Doc, n: str, backend: str) -> str:
    """A concurrency cell: turns/s, its share of the ideal, and the peak RSS."""
    row = _get(doc, "concurrency", backend, n)
    if not isinstance(row, dict) or "of_ideal" not in row:
        return "failed" if isinstance(row, dict) else "–"
    return (
        f"{row['turns_per_s']:.0f}/s = {row['of_ideal'] * 100:.0f} %, {row['peak_rss_mb']:.0f} MB"
    )


def _rate(doc: Doc, writers: str, backend: str) -> str:
    """An append cell: events/s."""
    value = _get(doc, "append", backend, writers, "events_per_s")
    return "–" if value is None else f"{value:,.0f}"


def _figure_rows(doc: Doc) -> list[str]:
    rows = [
        "| per-turn overhead p50 / p99 (ms) | "
        + _cells(doc, lambda b: _pair(doc, ("overhead", b, "overhead")))
        + " |",
        "| whole turn, wall / CPU per turn (ms) | "
        + _cells(doc, lambda b: _wall_cpu(doc, b))
        + " |",
        "| cross-process hand-off p50 / p99 (ms) | "
        + _cells(doc, lambda b: _pair(doc, ("handoff", b, "handoff")))
        + " |",
    ]
    for n in doc.get("plan", {}).get("concurrency") or []:
        rows.append(
            f"| {n} conversations, 200 ms provider: turns/s, RSS | "
            + _cells(doc, functools.partial(_share, doc, str(n)))
            + " |"
        )
    for writers in doc.get("plan", {}).get("append_writers") or []:
        label = _WRITERS.get(writers, writers)
        rows.append(
            f"| append, {label} (events/s) | "
            + _cells(doc, functools.partial(_rate, doc, writers))
            + " |"
        )
    rows += cluster_rows(doc, _WRITERS) + _fleet_rows(doc) + _soak_rows(doc) + _peer_rows(doc)
    return rows


def _soak_rows(doc: Doc) -> list[str]:
    def cell(backend: str) -> str:
        soak = _get(doc, "soak", backend)
        if not isinstance(soak, dict) or "conversations" not in soak:
            return "failed" if isinstance(soak, dict) else "–"
        retaken = soak.get("retaken_claims")  # claims that lapsed and were taken again: allowed
        return (
            f"{soak['conversations_per_s']:g}/s, {soak['peak_rss_mb']:.0f} MB,"
            f" {soak['problem_count']} problems"
            + (f", {retaken} claims retaken" if retaken else "")
        )

    count = doc.get("plan", {}).get("soak_conversations")
    if not count or not isinstance(_get(doc, "soak"), dict):
        return []
    return [
        f"| soak, {count:,} conversations at once: conv/s, RSS, problems | {_cells(doc, cell)} |"
    ]


_WRITERS = {
    "1": "1 writer",
    "4": "4 writer processes",
    "1x16": "1 process, 16 in flight",
    "1x256": "1 process, 256 in flight",
}


def _pair(doc: Doc, path: tuple[str, ...]) -> str:
    node = _get(doc, *path)
    if node is None:
        parent = _get(doc, *path[:2])
        return "failed" if isinstance(parent, dict) and "error" in parent else "–"
    return f"{node['p50_ms']:.3f} / {node['p99_ms']:.3f}"


def _wall_cpu(doc: Doc, backend: str) -> str:
    node = _get(doc, "overhead", backend)
    if not isinstance(node, dict) or "wall_per_turn_ms" not in node:
        return "–"
    return f"{node['wall_per_turn_ms']:.3f} / {node['cpu_per_turn_ms']:.3f}"


def _fleet_rows(doc: Doc) -> list[str]:
    workers = _get(doc, "fleet", "workers")
    if not isinstance(workers, dict):
        reason = _get(doc, "fleet", "skipped")
        return [f"| fleet scaling | {reason} | | |"] if reason else []
    cells = []
    for count, row in workers.items():
        value = row.get("conversations_per_s")
        cells.append(f"{count}: {value:g}/s" if value else f"{count}: failed")
    speedup = fleet_speedup(doc)
    tail = f" (1 -> 2: {speedup:g}x)" if speedup else ""
    label = "fleet, `aic worker --processes N` on one Redis (N: conversations/s)"
    return [f"| {label} | – | – | {', '.join(cells)}{tail} |"]


def _peer_rows(doc: Doc) -> list[str]:
    peer = _get(doc, "peers", "autogen")
    if not isinstance(peer, dict):
        return []
    if "ms_per_turn" not in peer:
        return [f"| AutoGen comparison | {peer.get('skipped') or peer.get('error')} | | |"]
    theirs = peer["ms_per_turn"]
    cells = []
    for backend in ("memory", "sqlite", "redis"):
        ours = _get(doc, "overhead", backend, "wall_per_turn_ms")
        cells.append("–" if ours is None else f"{ours:.3f} ms = {ours / theirs:.2f}x")
    return [
        f"| AutoGen {peer['autogen_agentchat']} RoundRobinGroupChat: {theirs:.3f} ms/turn; ours "
        f"(ratio) | {' | '.join(cells)} |"
    ]
