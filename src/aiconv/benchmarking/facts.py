"""Where and with what a result was measured: machine, load and software versions."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import psutil  # type: ignore[import-untyped]  # ships no type information

_LIBRARIES = ("aiconv", "aiosqlite", "redis", "pydantic", "click", "psutil")


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, kernel and the load when the run began."""
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": _cpu_model(),
        "system": f"{platform.system()} {platform.release()}",
        "load_1m": round(os.getloadavg()[0], 2),
    }


def software() -> dict[str, Any]:
    """Python, SQLite, redis-server and the libraries on the hot path."""
    versions: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "sqlite": sqlite3.sqlite_version,
        "redis_server": redis_server_version(),
    }
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def now_utc() -> str:
    """The current time, ISO 8601 in UTC to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def load_1m() -> float:
    """The one-minute load average."""
    return round(os.getloadavg()[0], 2)


def redis_server_version(executable: str = "redis-server") -> str | None:
    """``redis-server --version``'s version, or None when it is not installed."""
    path = shutil.which(executable)
    if path is None:
        return None
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    for word in out.split():
        if word.startswith("v="):
            return word[2:]
    return out.strip() or None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
