"""A tiny run of the benchmark harness so it cannot rot: shape and sanity, never the targets."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aiconv.benchmarking import fleet, report, runner
from aiconv.benchmarking.scenarios import Plan
from aiconv.benchmarking.stats import latency_ms, median, percentile
from aiconv.cli.main import aic
from aiconv.platform.codec import decode_event
from aiconv.platform.events import ConversationEnded
from aiconv.queues.urls import connect_log
from aiconv.testing.redis_cluster import has_redis_cluster
from aiconv.testing.redis_server import RedisServer, has_redis_server

TINY = Plan(
    repeats=1,
    overhead_turns=20,
    handoff_turns=10,
    concurrency=(3,),
    concurrency_turns=2,
    latency_s=0.01,
    append_seconds=0.2,
    append_writers=("1", "2", "1x2"),
    soak_conversations=20,
)


def test_percentiles_are_nearest_rank() -> None:
    """p50 and p99 pick an observed sample; the median averages the middle pair."""
    samples = [0.001 * i for i in range(1, 101)]
    assert percentile(samples, 0.5) == pytest.approx(0.050)
    assert percentile(samples, 0.99) == pytest.approx(0.099)
    assert latency_ms(samples)["max_ms"] == pytest.approx(100.0)
    assert median([1.0, 3.0, 2.0, 4.0]) == 2.5


@pytest.mark.slow
def test_a_tiny_run_produces_a_complete_positive_document() -> None:
    """Every scenario on SQLite yields positive figures, JSON-serialisable, with a table."""
    document = runner.run(
        TINY, only=("overhead", "handoff", "concurrency", "append", "soak"), backends=("sqlite",)
    )
    document = json.loads(json.dumps(document))
    assert document["machine"]["cores"] >= 1
    assert document["software"]["sqlite"]
    results = document["results"]
    overhead = results["overhead"]["sqlite"]
    assert overhead["overhead"]["p99_ms"] >= overhead["overhead"]["p50_ms"] > 0
    assert overhead["wall_per_turn_ms"] > 0
    assert results["handoff"]["sqlite"]["handoff"]["p50_ms"] > 0
    row = results["concurrency"]["sqlite"]["3"]
    assert row["turns"] > 0
    assert row["turns_per_s"] > 0
    assert row["peak_rss_mb"] > 0
    for writers in ("1", "2", "1x2"):
        assert results["append"]["sqlite"][writers]["events_per_s"] > 0
    assert results["soak"]["sqlite"]["problem_count"] == 0
    assert results["soak"]["sqlite"]["conversations"] == 20
    figures = {row["figure"] for row in document["targets"]}
    assert "per-turn overhead p99, sqlite" in figures
    assert "| figure | memory | sqlite | redis |" in report.table(document)


def test_bench_is_an_aic_subcommand() -> None:
    """`aic bench --help` lists the harness options."""
    result = CliRunner().invoke(aic, ["bench", "--help"])
    assert result.exit_code == 0, result.output
    for flag in ("--quick", "--json", "--peers", "--only"):
        assert flag in result.output


@pytest.mark.slow
@pytest.mark.skipif(not has_redis_cluster(), reason="redis-server/redis-cli not installed")
def test_a_tiny_run_reports_the_redis_cluster_next_to_single_redis() -> None:
    """Hand-off and append on a local three-master cluster, in rows of their own."""
    document = runner.run(TINY, only=("handoff", "append"), backends=("redis-cluster",))
    results = json.loads(json.dumps(document))["results"]
    assert results["handoff"]["redis-cluster"]["handoff"]["p50_ms"] > 0
    for writers in ("1", "2", "1x2"):
        assert results["append"]["redis-cluster"][writers]["events_per_s"] > 0
    table = report.table(document)
    assert "| Redis Cluster, 3 masters: hand-off p50 / p99 (ms) | – | – |" in table
    assert "| Redis Cluster, 3 masters: append, 1 writer (events/s) | – | – |" in table


@pytest.mark.slow
@pytest.mark.skipif(not has_redis_server(), reason="redis-server not installed")
def test_the_fleet_figure_times_the_workers_draining_a_batch(tmp_path: Path) -> None:
    """A real ``aic worker`` drains a batch created before it started; the clock is its own
    log's: from serving to the last ending, every conversation ended once."""
    with RedisServer(tmp_path / "redis") as server:
        row = fleet.serve_batch(server.url, workers=1, conversations=6, turns=2)
        assert row["conversations"] == 6 and row["workers"] == 1
        assert 0 < row["elapsed_s"] < 120 and row["conversations_per_s"] > 0
        ended = asyncio.run(_endings(server.url))
    assert len(ended) == 6 and all(reason == "max_turns" for reason in ended.values())


async def _endings(url: str) -> dict[str, str]:
    log = await connect_log(url)
    try:
        ended = [s for s in await log.read_all(0, 10_000) if s.kind == ConversationEnded.KIND]
        return {
            stored.conversation_id: decode_event(stored.kind, stored.version, stored.data).reason  # type: ignore[attr-defined]
            for stored in ended
        }
    finally:
        await log.close()


def test_endings_are_counted_in_a_log_that_several_processes_write(tmp_path: Path) -> None:
    """Worker processes share the log file: a line's newline may come after another's line."""
    log_file = tmp_path / "worker.log"
    ended = '{"event": "conversation.ended", "timestamp": "2026-12-01T10:00:0%dZ"}'
    log_file.write_text(
        "worker w1 serving redis log (concurrency 32, share 0/2)\n"
        + ended % 1
        + ended % 3  # two objects, then both newlines
        + '\n\n{"event": "turn.taken", "timestamp": "2026-12-01T10:00:09Z"}\n'
        + ended % 2
    )
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        last = fleet._expect_ended(sleeper, log_file, conversations=3, timeout=30)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert last == fleet._epoch("2026-12-01T10:00:03Z")
