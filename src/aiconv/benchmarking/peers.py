"""Side by side with a peer: AutoGen AgentChat on the same two-seat, zero-latency workload.

AutoGen pins an older ``protobuf`` than our OpenTelemetry exporter uses, so ``make bench-peers``
installs it into its own environment (``benchmarks/.venv-peers``) instead of ours. The peer
workload (``autogen_peer``) imports only AutoGen and the standard library; its source is handed
to that interpreter with ``-c``, and it prints its figure as JSON.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

DEFAULT_PEER_PYTHON = Path("benchmarks/.venv-peers/bin/python")


def find_peer_python(explicit: str | None = None) -> str | None:
    """An interpreter that has AutoGen AgentChat: ``explicit``, ours, or the peers venv."""
    if explicit:
        return explicit
    if importlib.util.find_spec("autogen_agentchat") is not None:
        return sys.executable
    if DEFAULT_PEER_PYTHON.exists():
        return str(DEFAULT_PEER_PYTHON.absolute())
    return None


def autogen(python: str | None, turns: int, repeats: int) -> dict[str, Any]:
    """AutoGen's milliseconds per turn, or why it could not be measured."""
    if python is None:
        return {"skipped": "AutoGen is not installed: run `make bench-peers`"}
    source = Path(__file__).with_name("autogen_peer.py").read_text(encoding="utf-8")
    params = json.dumps({"turns": turns, "repeats": repeats})
    done = subprocess.run(
        [python, "-c", source, params], capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        return {"skipped": f"the AutoGen run failed: {done.stderr.strip()[-500:]}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
