"""A Ctrl+C while ``aic`` is still importing (a second or more on a loaded machine) ends it as
one after start-up does: exit 130, no ``KeyboardInterrupt`` traceback, nothing written."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from aiconv.testing.processes import cli_env

#: ``aic`` as its console script runs it, and as ``python -m aiconv.cli``.
ENTRIES = {
    "console-script": ["-c", "from aiconv.console import run_aic; run_aic()"],
    "module": ["-m", "aiconv.cli"],
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("entry", list(ENTRIES))
def test_ctrl_c_while_importing_is_exit_130_without_a_traceback(entry: str, tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    argv = [sys.executable, "-X", "importtime", *ENTRIES[entry], "ls", "--db", str(db)]
    process = subprocess.Popen(
        argv, env=cli_env(home=tmp_path), cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    lines = []
    try:
        for line in process.stderr:  # -X importtime: a line as each module finishes importing
            lines.append(line)
            if line.rstrip().endswith("aiconv.console"):
                break  # the entry point runs; the platform's own imports have not finished
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    said = [line for line in [*lines, *rest.splitlines(True)] if not line.startswith("import ")]
    assert any(line.rstrip().endswith("aiconv.console") for line in lines)
    assert "aiconv.cli.main" not in "".join(lines)  # the signal came during the import
    assert process.returncode == 130, said
    assert "Traceback" not in "".join(said) and "KeyboardInterrupt" not in "".join(said)
    assert not db.exists()
