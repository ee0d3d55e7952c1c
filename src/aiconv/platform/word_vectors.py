"""What a message means, roughly: static word vectors distilled from a sentence-embedding model.

The table in ``data/word_vectors.bin.gz`` (built by ``scripts/distil_word_vectors.py`` from
all-MiniLM-L6-v2, Apache-2.0; 45k words, 64 int8 dimensions, each word's Zipf frequency) gives
every known word a direction in meaning ("warranty" and "guarantee" lie close, "warranty" and
"invoice" do not), whatever their letters. A message's vector is the sum of its rarest words'
vectors weighted by rarity (SIF: ``a / (a + p(word))``), so "the", "is" and "your" hardly count.
Pure Python: rows add as packed big integers, the table loads on first use (~0.1 s), a
message's vector is cached by its text; no model, no numpy, no I/O after the load. It decides
nothing: ``loop_meaning`` says what counts as the same point."""

from __future__ import annotations

import gzip
import json
import math
import operator
import re
import struct
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from aiconv.platform.text_memo import windowed

_MAGIC = b"AICWV1\n"
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
"""A word as the table lists it (the distilling script uses the same pattern)."""
_SIF = 3e-5
"""SIF's smoothing: a word as frequent as this (1 in 1,000) weighs one half."""


@dataclass(frozen=True, slots=True)
class _Table:
    index: dict[str, int]
    weights: tuple[int, ...]
    """SIF weights in 1/1024ths: integers, so that rows add as packed integers."""
    vectors: array[int]
    dims: int
    packed: dict[int, int] = field(default_factory=dict)
    """Rows packed into one integer each, filled on first use (see ``_packed``)."""


@lru_cache(maxsize=1)
def _table() -> _Table:
    packed = resources.files("aiconv.platform").joinpath("data/word_vectors.bin.gz").read_bytes()
    raw = gzip.decompress(packed)
    if not raw.startswith(_MAGIC):
        raise ValueError("data/word_vectors.bin.gz is not a word-vector table")
    start = len(_MAGIC) + 8
    header_size, blob_size = struct.unpack_from("<II", raw, len(_MAGIC))
    header = json.loads(raw[start : start + header_size])
    start += header_size
    words = raw[start : start + blob_size].decode().split("\n")
    start += blob_size
    count, dims = header["words"], header["dims"]
    zipf = raw[start : start + count]
    vectors = array("b", raw[start + count : start + count + count * dims])
    weights = tuple(round(1024 * _SIF / (_SIF + 10 ** (z / 10 - 9))) for z in zipf)
    return _Table({w: n for n, w in enumerate(words)}, weights, vectors, dims)


_MOST_WORDS = 12
"""Only a message's rarest words count (bounds the cost of a long message; SIF leaves the
frequent ones next to nothing anyway)."""


_LANE = 4
"""Bytes a dimension takes in a packed row: 12 words x 1024 x 255 stays below 2**32."""
_OFFSET = 128
"""Added to every int8 component so that packed lanes are never negative (no carries)."""


def _packed(table: _Table, n: int) -> int:
    """Row ``n`` as one integer, a 32-bit lane a dimension: a weighted sum of rows is then a
    handful of big-integer operations instead of a Python loop over the dimensions."""
    packed = table.packed.get(n)
    if packed is None:
        row = table.vectors[n * table.dims : (n + 1) * table.dims]
        lanes = array("I", [v + _OFFSET for v in row])
        packed = table.packed[n] = int.from_bytes(lanes.tobytes(), "little")
    return packed


@windowed(8192)
def sentence_vector(text: str) -> tuple[float, ...]:
    """The unit vector of what ``text`` says (all zeros if it has no known word)."""
    table = _table()
    found = {n for n in map(table.index.get, WORD.findall(text.lower())) if n is not None}
    rarest = sorted(found, key=table.weights.__getitem__, reverse=True)[:_MOST_WORDS]
    total = sum(table.weights[n] * _packed(table, n) for n in rarest)
    offset = _OFFSET * sum(table.weights[n] for n in rarest)
    lanes = array("I", total.to_bytes(_LANE * table.dims, "little"))
    vector = [lane - offset for lane in lanes]
    norm = math.sqrt(sum(map(operator.mul, vector, vector)))
    return tuple(v / norm for v in vector) if norm else tuple(0.0 for _ in vector)


@windowed(8192)
def known_words(text: str) -> int:
    """How many of the words of ``text`` the table knows."""
    index = _table().index
    return sum(word in index for word in WORD.findall(text.lower()))


@windowed(8192)
def known_words_not_letters(text: str) -> int:
    """How many of the words of ``text`` the table knows, the letters of a word spelled out set
    aside: "p-n-e-u-m-o-n-i-a" means nothing letter by letter, though the table knows each."""
    if not SPELLED.search(text):
        return known_words(text)  # (most)
    index = _table().index
    return sum(not is_letter(word) and word in index for word in WORD.findall(text.lower()))


SPELLED = re.compile(r"(?<!\w)[^\W\d_](?:[-‐. ][^\W\d_]){2,}(?!\w)")
"""A word spelled out: three letters or more each alone, joined by hyphens, dots or spaces
("o-p-h-t-h", "R H Y", "s.e.p"). A letter alone elsewhere ("X on 6", "plan B") is a name."""


def is_letter(word: str) -> bool:
    """Whether ``word`` is one letter of an alphabet with cases (Latin, Greek, Cyrillic…), not
    a word: a character of Chinese or Japanese alone is one."""
    return len(word) == 1 and word.lower() != word.upper()


def load_table() -> None:
    """Read the table now (~55 ms) rather than at its first use."""
    _table()


def meaning_similarity(a: str, b: str) -> float:
    """Cosine of the two texts' vectors, in [-1, 1] (0 when either says nothing known)."""
    products: Iterable[float] = map(operator.mul, sentence_vector(a), sentence_vector(b))
    return sum(products)


def word_weight(word: str) -> float:
    """How rare ``word`` (lower case) is, as its SIF weight in [0, 1]: near 1 for a name or a
    technical term, near 0 for "the"; 0 when the table does not know it."""
    table = _table()
    n = table.index.get(word)
    return 0.0 if n is None else table.weights[n] / 1024
