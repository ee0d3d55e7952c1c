"""Child processes for the harness: start scenarios together, sample their RSS, read results.

``Children`` starts ``python -m aiconv.benchmarking.child`` processes, waits until each has
printed ``ready``, releases them at once, samples each child's RSS with psutil while they run,
and returns their JSON results. A child that fails raises ``ChildFailed`` with its stderr.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from typing import Any

import psutil  # type: ignore[import-untyped]  # ships no type information

_RSS_EVERY_S = 0.02


class ChildFailed(RuntimeError):
    """A benchmark child process exited badly; carries the end of its stderr."""


class Children:
    """A group of scenario children released together."""

    def __init__(self, timeout: float = 600.0) -> None:
        self.timeout = timeout
        self._procs: list[subprocess.Popen[str]] = []
        self.peak_rss_mb: list[float] = []

    def add(self, scenario: str, params: dict[str, Any]) -> None:
        """Start a child running ``scenario`` (it stops at its barrier)."""
        command = [sys.executable, "-m", "aiconv.benchmarking.child", scenario, json.dumps(params)]
        self._procs.append(
            subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )

    def run(self) -> list[dict[str, Any]]:
        """Release every child at once; their results, in the order they were added."""
        try:
            for proc in self._procs:
                self._expect_ready(proc)
            stop = threading.Event()
            peaks = [0.0] * len(self._procs)
            sampler = threading.Thread(target=self._sample, args=(peaks, stop), daemon=True)
            sampler.start()
            for proc in self._procs:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            results = [self._result(proc) for proc in self._procs]
            stop.set()
            sampler.join()
            self.peak_rss_mb = [round(peak / 2**20, 1) for peak in peaks]
            return results
        finally:
            for proc in self._procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()

    def _expect_ready(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise ChildFailed(_failure(proc, line))

    def _result(self, proc: subprocess.Popen[str]) -> dict[str, Any]:
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            _, err = proc.communicate()
            raise ChildFailed(
                f"benchmark child timed out after {self.timeout}s: {err[-2000:]}"
            ) from exc
        if proc.returncode != 0:
            raise ChildFailed(f"benchmark child exited {proc.returncode}: {err[-2000:]}")
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return result

    def _sample(self, peaks: list[float], stop: threading.Event) -> None:
        handles = [psutil.Process(proc.pid) for proc in self._procs]
        while not stop.is_set():
            for index, handle in enumerate(handles):
                with contextlib.suppress(psutil.Error):  # the child has just exited
                    peaks[index] = max(peaks[index], float(handle.memory_info().rss))
            time.sleep(_RSS_EVERY_S)


def run_one(scenario: str, params: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """Run one child; its result and its peak RSS sampled by psutil (MB)."""
    children = Children()
    children.add(scenario, params)
    result = children.run()[0]
    return result, children.peak_rss_mb[0]


def _failure(proc: subprocess.Popen[str], line: str) -> str:
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return f"benchmark child did not start ({line.strip()!r}): {err[-2000:]}"
