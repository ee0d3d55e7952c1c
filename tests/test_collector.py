"""The garbage collector of an ``aic`` process is tuned for many conversations; importing
aiconv (a program that embeds it) leaves the collector as it was."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from aiconv.collector import YOUNG_THRESHOLD, tune_collector

# Runs an entry point with --version and prints the collector's thresholds as the process ends.
_PROGRAM = """
import atexit, gc, sys
atexit.register(lambda: print("thresholds", *gc.get_threshold()))
{setup}
"""


def thresholds_at_exit(setup: str, *args: str) -> tuple[int, ...]:
    program = _PROGRAM.format(setup=setup)
    done = subprocess.run(
        [sys.executable, "-c", program, *args], capture_output=True, text=True, timeout=120
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("thresholds"))
    return tuple(int(n) for n in line.split()[1:])


@pytest.mark.parametrize(
    "setup",
    [
        "from aiconv.cli.main import run_aic; sys.argv[1:] = ['--version']; run_aic()",
        "from aiconv.cli.main import run_aic_start; sys.argv[1:] = ['--help']; run_aic_start()",
        "import runpy; sys.argv[1:] = ['--version']; runpy.run_module('aiconv.cli', "
        "run_name='__main__')",
    ],
    ids=["aic", "aic-start", "python -m aiconv.cli"],
)
def test_aic_programs_collect_the_youngest_generation_less_often(setup: str) -> None:
    young, older, oldest = thresholds_at_exit(setup)
    assert young == YOUNG_THRESHOLD
    assert (older, oldest) == gc.get_threshold()[1:]  # the older generations as CPython has them


def test_importing_aiconv_leaves_the_collector_alone() -> None:
    default = thresholds_at_exit("")
    assert thresholds_at_exit("import aiconv, aiconv.cli.main, aiconv.benchmarking.child") == (
        default
    )


def test_tuning_never_collects_more_often_nor_turns_the_collector_on() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(YOUNG_THRESHOLD * 3, 5, 5)
        tune_collector()
        assert gc.get_threshold() == (YOUNG_THRESHOLD * 3, 5, 5)
        gc.set_threshold(0)
        tune_collector()
        assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)
