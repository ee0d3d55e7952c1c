"""Replay every transcript of both corpus files and compare the verdicts of two trees.

A change to the detector's features (how words are found, what a speech act is) moves verdicts
in transcripts nobody looked at; its figures can stay the same while a healthy conversation is
newly cut and a loop found elsewhere. This dumps every verdict and says which changed, and how:

    PYTHONPATH=src .venv/bin/python scripts/verdict_diff.py dump before.json   # on the old tree
    PYTHONPATH=src .venv/bin/python scripts/verdict_diff.py dump after.json    # on the new one
    .venv/bin/python scripts/verdict_diff.py diff before.json after.json

A change is *better* when a loop is found (or found earlier), a closing found, or a healthy
conversation no longer cut; *worse* when a healthy conversation is newly cut, a loop or closing
is lost or found later. Anything else (the same message, another kind) is *neutral*. The exit
code of ``diff`` is 1 when any change is worse.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

_FILES = ("detection_corpus.jsonl", "detection_heldout.jsonl")
_DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def dump(out: Path) -> int:
    """Write every verdict of both corpus files to ``out``: {id: {label, round, stop, at}}."""
    from aiconv.testing.corpus.scoring import load_corpus, replay

    verdicts = {}
    for name in _FILES:
        for transcript in load_corpus(_DATA / name):
            verdict = replay(transcript)
            verdicts[transcript.id] = {
                "file": name,
                "label": transcript.label,
                "round": transcript.round,
                "stop": verdict.stop,
                "at": verdict.at,
            }
    out.write_text(json.dumps(verdicts, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(verdicts)} verdicts written to {out}")
    return 0


def _found(label: str, stop: str | None) -> bool:
    """Whether ``stop`` is what ``label`` asks for (a loop of any kind for a loop)."""
    if label == "closing":
        return stop == "closing"
    return stop is not None and stop.startswith("loop:")


def judge(label: str, before: dict[str, object], after: dict[str, object]) -> str:
    """``better``, ``worse`` or ``neutral``: how a transcript's verdict changed."""
    stop_a, stop_b = before["stop"], after["stop"]
    assert stop_a is None or isinstance(stop_a, str)
    assert stop_b is None or isinstance(stop_b, str)
    if label == "healthy":
        if (stop_a is None) == (stop_b is None):
            return "neutral" if before["at"] == after["at"] else "worse"  # cut elsewhere
        return "better" if stop_b is None else "worse"
    hit_a, hit_b = _found(label, stop_a), _found(label, stop_b)
    if hit_a != hit_b:
        return "better" if hit_b else "worse"
    if not hit_a:
        return "neutral"  # missed either way (cut as something else, or not at all)
    at_a, at_b = before["at"], after["at"]
    assert isinstance(at_a, int) and isinstance(at_b, int)
    if at_a == at_b:
        return "neutral"
    return "better" if at_b < at_a else "worse"


def diff(before_path: Path, after_path: Path) -> int:
    """Print every changed verdict and the counts; 1 when any change is worse."""
    before = json.loads(before_path.read_text(encoding="utf-8"))
    after = json.loads(after_path.read_text(encoding="utf-8"))
    if before.keys() != after.keys():
        print("the two dumps hold different transcripts", file=sys.stderr)
        return 2
    counts = {"better": 0, "worse": 0, "neutral": 0}
    for key, a in before.items():
        b = after[key]
        if (a["stop"], a["at"]) == (b["stop"], b["at"]):
            continue
        how = judge(a["label"], a, b)
        counts[how] += 1
        print(
            f"{how:7} {key} ({a['label']}, round {a['round']}): "
            f"{a['stop']} at {a['at']} -> {b['stop']} at {b['at']}"
        )
    print(
        f"{len(before)} transcripts, {sum(counts.values())} changed: "
        f"{counts['better']} better, {counts['worse']} worse, {counts['neutral']} neutral"
    )
    return 1 if counts["worse"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dump").add_argument("out", type=Path)
    compare = sub.add_parser("diff")
    compare.add_argument("before", type=Path)
    compare.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        return dump(args.out)
    return diff(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
