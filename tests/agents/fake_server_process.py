"""Start ``python -m aiconv.testing.fake_llm`` as a real subprocess on a free port."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fake_llm_process(*args: str, start_timeout: float = 20.0) -> Iterator[str]:
    """Yield the server's base URL; stop the process afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aiconv.testing.fake_llm", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield _wait_for_url(process, start_timeout)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _wait_for_url(process: subprocess.Popen[str], timeout: float) -> str:
    """The URL from the server's first line, read in a thread so the wait has a deadline."""
    line: list[str] = []
    reader = threading.Thread(
        target=lambda: line.append(process.stdout.readline() if process.stdout else ""),
        daemon=True,
    )
    reader.start()
    reader.join(timeout)
    if not line or "http://" not in line[0]:
        process.kill()
        _, err = process.communicate(timeout=10)
        raise RuntimeError(f"fake LLM did not start: {line!r} {err[-2000:]}")
    return line[0].strip().rsplit(" ", 1)[-1]
