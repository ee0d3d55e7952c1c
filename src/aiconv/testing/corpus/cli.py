"""The corpus command line: score corpora (all rounds, then each) or print a generated round."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from aiconv.testing.corpus.generate import FAMILIES, generate
from aiconv.testing.corpus.scoring import dump_transcript, load_corpus, replay, score

USAGE = (
    "usage: python -m aiconv.testing.corpus CORPUS.jsonl [CORPUS.jsonl ...]\n"
    "       python -m aiconv.testing.corpus generate FAMILY --seed N [--count K] [--round R]"
)


def _figures(paths: Sequence[str]) -> int:
    for path in paths:
        if not Path(path).is_file():
            print(f"error: corpus {path!r} does not exist or is not a file", file=sys.stderr)
            return 2
    try:
        transcripts = [t for path in paths for t in load_corpus(path)]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        print(f"error: corpus cannot be read ({exc})", file=sys.stderr)
        return 2
    verdicts = [replay(t) for t in transcripts]
    print(score(verdicts).report())
    for number in sorted({t.round for t in transcripts}):
        figures = score([v for v in verdicts if v.transcript.round == number]).report()
        print(f"\nround {number}:\n" + "\n".join(figures.splitlines()[:8]))
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _generate(args: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m aiconv.testing.corpus generate")
    parser.add_argument("family", choices=sorted(FAMILIES))
    parser.add_argument("--seed", type=_positive, required=True)
    parser.add_argument("--count", type=_positive, default=3)
    parser.add_argument("--round", dest="round_", type=_positive, default=None)
    options = parser.parse_args(args)  # exits 2 with a one-line error on bad input
    for transcript in generate(
        options.family, seed=options.seed, count=options.count, round_=options.round_
    ):
        print(dump_transcript(transcript))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Print figures for the corpora given, or a generated round; 2 on bad usage."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["generate"]:
        try:
            return _generate(args[1:])
        except SystemExit as exit_:  # argparse's own exit: keep its code, return it
            return int(exit_.code or 0)
    if not args or any(a.startswith("-") for a in args):
        print(USAGE, file=sys.stderr)
        return 2
    return _figures(args)
