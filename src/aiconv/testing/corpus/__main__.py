"""``python -m aiconv.testing.corpus``: figures for corpora, or a generated round as JSONL."""

import os
import sys

from aiconv.testing.corpus.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:  # the reader stopped early (``| head``): no traceback, nothing more
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
raise SystemExit(code)
