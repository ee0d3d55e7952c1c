"""The console scripts ``aic`` and ``aic-start``. Importing the platform takes a second or more
on a loaded machine; a Ctrl+C in that time ends the program as one after start-up does (exit
130, nothing printed) instead of in a ``KeyboardInterrupt`` traceback: from the import of this
module until ``started``, SIGINT exits quietly. This module and the package it is in import
nothing else until the program is asked for."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

EXIT_INTERRUPTED = 130


def _quit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(EXIT_INTERRUPTED)


if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGINT, _quit)


def started() -> None:
    """The program is imported: a Ctrl+C is a ``KeyboardInterrupt`` again, which it handles."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _program(name: str) -> Callable[[], None]:
    from aiconv.cli import main

    started()
    program: Callable[[], None] = getattr(main, name)
    return program


def run_aic() -> None:
    """``aic``."""
    _program("run_aic")()


def run_aic_start() -> None:
    """``aic-start``."""
    _program("run_aic_start")()


def run_module() -> None:
    """``python -m aiconv.cli``: ``aic``, ended with its parent (a test harness's child)."""
    from aiconv.cli.main import aic
    from aiconv.cli.processes import die_with_parent
    from aiconv.collector import tune_collector

    started()
    die_with_parent()
    tune_collector()
    aic(prog_name="aic")
