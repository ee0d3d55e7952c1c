"""Style examples for grounded customers: the real customer messages most similar to a query.

``StyleIndex`` holds real customer messages (already redacted) with where they came from and,
once discovered, their conversation's intent and persona. ``similar`` ranks them by cosine
similarity of TF-IDF vectors (words and word pairs, English stop words dropped), optionally
among one intent's messages only. The index is saved as a small JSON file kept next to the log
(texts and labels; the vectors are rebuilt on load, which is fast and keeps the file readable).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from aiconv.errors import ConfigError
from aiconv.learning.clustering import TOKENS
from aiconv.learning.transcripts import Transcript

FORMAT = "aiconv-style-index/1"


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A real customer message: the conversation and place it came from, its labels."""

    conversation_id: str
    position: int
    text: str
    intent: str | None = None
    persona: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """An entry and how similar it is to the query (cosine, 0–1)."""

    entry: Entry
    score: float


class StyleIndex:
    """Real customer messages, searchable by similarity."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = tuple(entries)
        self._vectorizer = TfidfVectorizer(
            token_pattern=TOKENS, stop_words="english", ngram_range=(1, 2), sublinear_tf=True
        )
        texts = [e.text for e in self.entries]
        self._matrix = self._vectorizer.fit_transform(texts) if _has_words(texts) else None

    @classmethod
    def from_transcripts(
        cls,
        transcripts: Iterable[Transcript],
        *,
        intents: Mapping[str, str] | None = None,
        personas: Mapping[str, str] | None = None,
        min_words: int = 2,
    ) -> StyleIndex:
        """Every customer message of at least ``min_words`` words, labelled by conversation."""
        entries = [
            Entry(
                conversation_id=t.source_id,
                position=m.line,
                text=m.text,
                intent=(intents or {}).get(t.source_id),
                persona=(personas or {}).get(t.source_id),
            )
            for t in transcripts
            for m in t.customer_messages
            if len(m.text.split()) >= min_words
        ]
        return cls(entries)

    def similar(
        self, query: str, *, k: int = 3, intent: str | None = None, persona: str | None = None
    ) -> list[Match]:
        """The ``k`` entries most similar to ``query``, best first; restricted to ``intent``
        (and ``persona``) when the index has entries so labelled."""
        if self._matrix is None or k < 1:
            return []
        allowed = self._allowed(intent, persona)
        vector = self._vectorizer.transform([query])
        scores = np.asarray((self._matrix @ vector.T).toarray()).ravel()
        found: list[Match] = []
        seen: set[str] = set()
        for index in np.argsort(-scores, kind="stable"):
            entry = self.entries[int(index)]
            key = " ".join(entry.text.lower().split())
            if int(index) in allowed and key not in seen:
                seen.add(key)
                found.append(Match(entry=entry, score=round(float(scores[index]), 4)))
            if len(found) == k:
                break
        return found

    def _allowed(self, intent: str | None, persona: str | None) -> set[int]:
        every = set(range(len(self.entries)))
        for name, wanted in (("intent", intent), ("persona", persona)):
            if wanted is None:
                continue
            narrowed = {i for i in every if getattr(self.entries[i], name) == wanted}
            every = narrowed or every
        return every

    def save(self, path: Path) -> None:
        """Write the index as JSON (atomically: a temporary file, then a rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"format": FORMAT, "entries": [asdict(e) for e in self.entries]}
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> StyleIndex:
        """The index saved at ``path``; ConfigError when it is missing or not an index."""
        try:
            document: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no style index (build one with `aic discover`)") from None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: not a style index ({exc})") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ConfigError(f"{path}: not a style index (expected format {FORMAT})")
        try:
            return cls([Entry(**item) for item in document["entries"]])
        except (TypeError, KeyError) as exc:
            raise ConfigError(f"{path}: damaged style index ({exc})") from None


def _has_words(texts: Sequence[str]) -> bool:
    probe = TfidfVectorizer(token_pattern=TOKENS)
    try:
        probe.fit(texts)
    except ValueError:  # empty vocabulary
        return False
    return True
