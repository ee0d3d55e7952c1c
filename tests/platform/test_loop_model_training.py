"""The learned loop detector's shipped model is what its trainer makes of the corpora: the same
data and code give the same file, byte for byte (``scripts/train_loop_model.py --check``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn")  # the trainer's (the dev extra's), never aiconv's at run time

ROOT = Path(__file__).parent.parent.parent


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_retraining_gives_the_shipped_model_byte_for_byte() -> None:
    # The model shipped until now came from rounds 1-16 and features since changed: the trainer
    # gave another threshold (1.284 + its margin against 1.33), so nobody could say what the
    # file was trained on. A change to the features, the gate, the vetoes or the corpora now
    # fails here until the model is retrained (--write) and its figures looked at (README).
    # A fresh process: set iteration order (the hash seed) must not change a byte either.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_loop_model.py"), "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=850,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
