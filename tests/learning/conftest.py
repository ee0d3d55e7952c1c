"""A synthetic corpus written once per session in every import format (no real personal data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiconv.learning.synthetic import generate
from aiconv.learning.synthetic_files import write_corpus

CONVERSATIONS = 240


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's files: chats.jsonl/.csv/.json/.messages.jsonl, mapping and truth."""
    directory = tmp_path_factory.mktemp("corpus")
    write_corpus(generate(CONVERSATIONS, seed=11), directory)
    return directory


@pytest.fixture(scope="session")
def truth(corpus_dir: Path) -> dict[str, Any]:
    """What the generator planted."""
    loaded: dict[str, Any] = json.loads((corpus_dir / "truth.json").read_text(encoding="utf-8"))
    return loaded
