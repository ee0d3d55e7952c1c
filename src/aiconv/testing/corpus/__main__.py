"""``python -m aiconv.testing.corpus``: figures for corpora, or a generated round as JSONL."""

from aiconv.testing.corpus.cli import main

raise SystemExit(main())
