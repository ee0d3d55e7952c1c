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


def lacks_autogen(python: str) -> str | None:
    """Why ``python`` cannot run the peer workload (not a Python, or no AutoGen AgentChat), or
    None: asked before the benchmark starts, so a wrong ``--peers-python`` costs a second, not a
    whole run."""
    try:
        done = subprocess.run(
            [python, "-c", "import autogen_agentchat; print('autogen ok')"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot be run ({exc.__class__.__name__})"
    if done.returncode != 0 or done.stdout.strip() != "autogen ok":
        return "is not a Python that can import autogen_agentchat (`make bench-peers` makes one)"
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
    lines = done.stdout.strip().splitlines()
    try:
        result: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        result = {}
    if not isinstance(result, dict) or "ms_per_turn" not in result:
        return {"skipped": "the AutoGen run printed no figure"}
    return result
