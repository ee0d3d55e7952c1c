"""``python -m aiconv.environments.banking.authoring [--check]``: write (or compare) the shipped
banking task files."""

from __future__ import annotations

import argparse
import sys

from aiconv.environments.banking import TASKS_DIR, banking_domain
from aiconv.environments.banking.authoring import build_files


def main(argv: list[str] | None = None) -> int:
    """Write the task files; with ``--check``, exit 1 when a shipped file differs."""
    parser = argparse.ArgumentParser(prog="python -m aiconv.environments.banking.authoring")
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    options = parser.parse_args(argv)
    files = build_files(banking_domain())
    stale = [
        n
        for n, text in files.items()
        if not (TASKS_DIR / n).is_file() or (TASKS_DIR / n).read_text(encoding="utf-8") != text
    ]
    if options.check:
        for name in stale:
            print(
                f"{TASKS_DIR / name} is out of date: run python -m "
                "aiconv.environments.banking.authoring",
                file=sys.stderr,
            )
        return 1 if stale else 0
    TASKS_DIR.mkdir(exist_ok=True)
    for name in stale:
        (TASKS_DIR / name).write_text(files[name], encoding="utf-8")
        print(f"wrote {TASKS_DIR / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
