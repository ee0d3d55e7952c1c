"""``--metrics-port 0`` picks a free port, prints it, and serves live metrics there: for
``aic-start`` and for ``aic worker`` serving a detached conversation."""

from __future__ import annotations

import re
import select
import signal
import time
import urllib.request
from pathlib import Path

from aiconv.testing.processes import run_aic, spawn_aic


def read_line_matching(stream: object, pattern: str, timeout: float) -> re.Match[str]:
    """The first line of ``stream`` matching ``pattern``, within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = stream.readline()  # type: ignore[attr-defined]
        if not line:
            break
        seen.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"no line matching {pattern!r} within {timeout:g}s: {seen}")


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


def scrape_until(url: str, needle: str, timeout: float = 30) -> str:
    """The exposition once it contains ``needle`` (each scrape is a fresh look)."""
    deadline = time.monotonic() + timeout
    text = scrape(url)
    while needle not in text:
        assert time.monotonic() < deadline, f"no {needle} on {url}:\n{text[:2000]}"
        time.sleep(0.1)
        text = scrape(url)
    return text


def test_port_zero_is_printed_and_serves_the_running_conversation(tmp_path: Path) -> None:
    process = spawn_aic(
        "start", "--db", str(tmp_path / "runs.db"), "--quiet", "--metrics-port", "0",
        "--agent1", "mock:latency=0.2", "--agent2", "mock:latency=0.2", "--max-turns", "40",
    )  # fmt: skip
    try:
        url = read_line_matching(process.stderr, r"metrics: (http://\S+/metrics)", 60).group(1)
        text = scrape_until(url, 'aiconv_turns_total{participant="mock-1"')
        assert "aiconv_conversations_active 1.0" in text
        assert 'aiconv_log_append_duration_seconds_count{backend="sqlite"}' in text
        assert "process_resident_memory_bytes" in text
    finally:
        process.kill()
        process.communicate(timeout=10)


def test_a_worker_serves_metrics_of_the_conversations_it_plays(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    created = run_aic(
        "start", "--detach", "--db", db, "--max-turns", "200",
        "--agent1", "mock:latency=0.1", "--agent2", "mock:latency=0.1",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    process = spawn_aic("worker", "--db", db, "--metrics-port", "0")
    try:
        url = read_line_matching(process.stderr, r"metrics: (http://\S+/metrics)", 60).group(1)
        text = scrape_until(url, 'aiconv_turns_total{participant="mock-2"')
        assert "aiconv_conversations_active 1.0" in text
        # the worker began running it (it stayed 0: only the creator counted, and
        # a fleet of workers showed no conversation ever started)
        assert "aiconv_conversations_started_total 1.0" in text
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    finally:
        process.kill()
        process.communicate(timeout=10)
