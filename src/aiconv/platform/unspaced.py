"""The words of the scripts written without spaces between words (Chinese, Japanese, Thai, Lao,
Myanmar), where ``lexicon.WORD`` finds a whole clause: split into runs of one script and pairs
of characters, as such text is indexed without a dictionary. Pure; ``wording`` asks it only of
a text with a letter of those scripts (a few messages in a hundred), so what every other
message costs and finds stays as it was.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

from aiconv.platform.lexicon import (
    CLUSTER,
    FUNCTION_CHARACTERS,
    HIRAGANA,
    UNSPACED,
    UNSPACED_PART,
)

Split = tuple[list[str], frozenset[str], int]
"""Words, those of them that are grammar, and how many words they stand for (see ``parts``)."""


def split(words: list[str]) -> Split:
    """``words`` (as ``WORD`` finds them) with each clause of an unspaced script split."""
    found = [parts(word) for word in words]
    return (
        [part for pieces, _, _ in found for part in pieces],
        frozenset().union(*(grammar for _, grammar, _ in found)),
        sum(count for _, _, count in found),
    )


def _pairs(units: list[str]) -> list[str]:
    """Each two neighbouring units ("确认", "认日", "日程"), or the one or two there are (none
    for none: a run of a clustered script's marks alone, "ၬ" after a letter of another script,
    has no unit, and an empty word made the stemmer raise)."""
    if not units:
        return []
    if len(units) <= 2:
        return ["".join(units)]
    return [a + b for a, b in pairwise(units)]


@lru_cache(maxsize=16384)
def parts(word: str) -> tuple[tuple[str, ...], frozenset[str], int]:
    """The words of ``word``, a clause of a script written without spaces (``UNSPACED``), or
    ``word`` itself: its runs of one script, each run of Han or of a clustered script (Thai)
    as overlapping pairs of characters (clusters), the common way to index such text without a
    dictionary (two messages naming "会议室" share "会议" and "议室" wherever it stands in
    their clauses, where the clauses never matched). Then which of them are grammar, words but
    no content as English stop words are: a run of hiragana beside another script or of one
    character (Japanese particles and endings: "は", "を", "してください"), a pair of Chinese
    function characters ("我们", "可以"). And how many words they stand for: half the
    characters of a run of pairs (a Chinese word has one to three), none for a run of hiragana
    beside another script (part of the word it ends or opens: "お願いします")."""
    if not UNSPACED.search(word):
        return (word,), frozenset(), 1
    pieces: list[str] = []
    grammar: set[str] = set()
    count = 0
    runs = list(UNSPACED_PART.finditer(word))
    for run in runs:
        han, clustered = run.groups()
        if han or clustered:
            units = list(han) if han else CLUSTER.findall(clustered)
            pairs = _pairs(units)
            pieces.extend(pairs)
            grammar.update(p for p in pairs if han and FUNCTION_CHARACTERS.issuperset(p))
            count += (len(units) + 1) // 2
        else:
            pieces.append(run[0])
            hiragana = HIRAGANA.fullmatch(run[0]) is not None
            if hiragana and (len(runs) > 1 or len(run[0]) == 1):
                grammar.add(run[0])
            count += not hiragana or len(runs) == 1
    return tuple(pieces), frozenset(grammar), count
