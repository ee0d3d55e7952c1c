"""A fresh virtual environment that sees this aiconv and has plugin distributions installed
(from their source folders, offline), for tests of third-party plugins."""

from __future__ import annotations

import site
import subprocess
import sys
from pathlib import Path


def venv_with(root: Path, *sources: Path) -> Path:
    """The python of a new venv under ``root`` that imports aiconv (through a .pth file) and
    has each of ``sources`` pip-installed."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    # An `import` line in a .pth file runs at start-up: addsitedir also reads the .pth files
    # there (aiconv's own editable install is one).
    lines = [f"import site; site.addsitedir({d!r})" for d in site.getsitepackages()]
    (Path(target) / "aiconv-under-test.pth").write_text("\n".join(lines) + "\n")
    for source in sources:
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--no-index",
                "--no-build-isolation",
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return python
