"""``aic serve`` as a real subprocess for tests: started on a free port (``--port 0``), its URL
read from the line it prints once it listens, its stderr drained (so a chatty server never
blocks on a full pipe), stopped and waited for on exit."""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiconv.testing.processes import cli_env, spawn_aic

_BOUND = re.compile(r"on (http://\S+?)/ ")


@dataclass
class Served:
    """A running ``aic serve``: its base URL and what it has written to stderr so far."""

    url: str = ""
    lines: list[str] = field(default_factory=list)
    listening: threading.Event = field(default_factory=threading.Event)

    def drain(self, server: subprocess.Popen[str]) -> None:
        assert server.stderr is not None
        for line in server.stderr:
            self.lines.append(line)
            if not self.listening.is_set() and (found := _BOUND.search(line)):
                self.url = found.group(1)
                self.listening.set()
        self.listening.set()  # it exited: stop waiting

    @property
    def stderr(self) -> str:
        return "".join(self.lines)


@contextlib.contextmanager
def served(
    db: Path | None,
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 30,
) -> Iterator[Served]:
    """``aic serve --db DB ARGS`` (no ``--db`` when DB is None: ARGS name the log) on
    127.0.0.1 and a free port, once it listens."""
    argv = ("serve", *(("--db", str(db)) if db is not None else ()), "--port", "0", *args)
    server = spawn_aic(*argv, env=env or cli_env(), cwd=cwd)
    state = Served()
    reader = threading.Thread(target=state.drain, args=(server,), daemon=True)
    reader.start()
    try:
        if not state.listening.wait(timeout) or not state.url:
            raise AssertionError(f"aic serve did not listen within {timeout:g}s: {state.stderr}")
        yield state
    finally:
        server.terminate()
        server.wait(timeout=15)
        reader.join(timeout=15)
        for pipe in (server.stdout, server.stderr):
            if pipe is not None:
                pipe.close()
