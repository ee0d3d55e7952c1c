"""Word error rate: (substitutions + deletions + insertions) / words said (pure).

Both sides are normalised the way recognisers write (lower case, no punctuation, digits as
words is left to the speaker), then compared as word sequences with rapidfuzz's Levenshtein.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """The words of ``text`` as a recogniser would write them."""
    return _WORD.findall(text.lower())


def word_error_rate(said: str, heard: str) -> float:
    """WER of ``heard`` against ``said`` (0 is perfect; may exceed 1 with many insertions)."""
    reference, hypothesis = words(said), words(heard)
    if not reference:
        return 0.0 if not hypothesis else 1.0
    return Levenshtein.distance(reference, hypothesis) / len(reference)


def pooled_word_error_rate(pairs: Iterable[tuple[str, str]]) -> float | None:
    """WER over many utterances, weighted by their length; None when nothing was said."""
    errors = total = 0
    for said, heard in pairs:
        reference = words(said)
        errors += Levenshtein.distance(reference, words(heard))
        total += len(reference)
    return errors / total if total else None
