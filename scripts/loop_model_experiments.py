"""Measure, leave-one-round-out, ways of making the learned loop detector judge more (issue 20).

Run at development time (scikit-learn, as ``train_loop_model.py``; ~8 min of CPU):

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python scripts/loop_model_experiments.py

Each variant is fitted and calibrated without round k and judges round k, for every round of
both corpus files; pooled over rounds, that is an honest estimate of what the variant adds on
transcripts nobody tuned on. For each: the loops the hand rules miss that it finds, and the
healthy or closing transcripts it cuts (a window it judges, before the replay's closing,
above the threshold: the highest score of a judged window of every other round's healthy and
closing transcripts, plus a margin of 0, 0.2 or 0.4). The rules were tuned on most rounds: what
a variant adds among their misses is the measure.

The variants: the shipped method (``train_loop_model.py``: stumps over ``loop_learned``'s 23
features, past its gate, fitted on rounds 1-16); the same with letter-trigram features that any
language has (``_trigram_features``: how much of each restatement the other side's message
just before it holds — an echo in one's own words —, how much of it is new to the window, how
alike the sender's messages and the others' are, how the messages shrink, how many are
pleasantries, and the gate's own measures); those fitted on every round; the gate widened to
every window where the sender has spoken three times (the others twice since), or only freed
of its known-words condition (vectors know no Chinese, Japanese or Korean word: there the
similarities fall back to trigrams); and depth-2 trees. The README ("The learned layer
widened, leave-one-round-out") records the figures and what they say.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from itertools import combinations, pairwise

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits
from train_loop_model import MONOTONE, ROOT, classifier

from aiconv.platform import loop_learned
from aiconv.platform.closing import DEFAULT_CLOSING_PHRASES, closing_agreed
from aiconv.platform.loop_acts import stands_still
from aiconv.platform.loop_unmoved import trigrams
from aiconv.platform.loops import RULES, LoopConfig, Utterance
from aiconv.platform.word_vectors import known_words, meaning_similarity
from aiconv.platform.wording import content_similarity, features
from aiconv.testing.corpus import load_corpus

EXTRA = (
    "gate_still",
    "gate_new_facts",
    "gate_known",
    "gate_shared",
    "echo_mean",
    "echo_min",
    "new_trigrams_mean",
    "new_trigrams_max",
    "own_trigrams",
    "own_trigrams_min",
    "others_trigrams",
    "reply_trigrams",
    "shrink",
    "own_pleasantry",
    "others_pleasantry",
    "others_new_trigrams",
    "echo_whole",
)
NAMES = (*loop_learned.FEATURES, *EXTRA)
TRIGRAM_MONOTONE = {
    "gate_still": 1,
    "gate_new_facts": -1,
    "echo_mean": 1,
    "echo_min": 1,
    "new_trigrams_mean": -1,
    "new_trigrams_max": -1,
    "own_trigrams": 1,
    "own_trigrams_min": 1,
    "others_trigrams": 1,
    "echo_whole": 1,
}
ECHO = ("echo_mean", "echo_min", "new_trigrams_mean", "new_trigrams_max")
CONFIG = LoopConfig()
Record = dict[str, object]
Window = tuple[tuple[float, ...], bool, bool]  # features, past the shipped gate, vetoed


def _share(part: frozenset[str], whole: frozenset[str] | set[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _fallback(a: str, b: str) -> float:
    """Meaning when the vectors know the words, else letter trigrams (any script)."""
    if known_words(a) >= 2 and known_words(b) >= 2:
        return meaning_similarity(a, b)
    return _jaccard(trigrams(a), trigrams(b))


def wide_gate(history: Sequence[Utterance]) -> list[int] | None:
    sender = history[-1].sender
    run = loop_learned.RUN
    indexes = [i for i, u in enumerate(history) if u.sender == sender][-run:]
    if len(indexes) < run or sum(u.sender != sender for u in history[indexes[0] :]) < run - 1:
        return None
    return indexes


def _new(history: Sequence[Utterance], index: int) -> float:
    grams = trigrams(history[index].content)
    before = set().union(*(trigrams(u.content) for u in history[:index]))
    return 1 - _share(grams, before) if grams else 0.0


def _trigram_features(history: Sequence[Utterance], indexes: Sequence[int]) -> list[float]:
    sender = history[-1].sender
    own = [history[i].content for i in indexes]
    grams = [trigrams(text) for text in own]
    echo, whole = [], []
    for i in indexes[1:]:
        before = history[i - 1]
        said = trigrams(before.content) if before.sender != sender else frozenset[str]()
        echo.append(_share(trigrams(history[i].content), said))
        whole.append(_share(said, trigrams(history[i].content)))
    others = [i for i in range(indexes[0] + 1, len(history)) if history[i].sender != sender]
    theirs = [trigrams(history[i].content) for i in others]
    pairs = [_jaccard(a, b) for a, b in combinations(grams, 2)]
    longest = max([len(u.content) for u in history[: indexes[0]]] or [len(own[0])])
    mean = loop_learned._mean
    return [
        float(stands_still(history, [history[i] for i in indexes])),
        math.log1p(len(loop_learned._new_facts(history, indexes[-1]))),
        float(min(known_words(text) for text in own)),
        mean([content_similarity(a, b) for a, b in combinations(own, 2)]),
        mean(echo),
        min(echo),
        mean([_new(history, i) for i in indexes[1:]]),
        max(_new(history, i) for i in indexes[1:]),
        mean(pairs),
        min(pairs),
        mean([_jaccard(a, b) for a, b in pairwise(theirs)]),
        mean(
            [
                _jaccard(trigrams(history[i].content), trigrams(history[i - 1].content))
                for i in others
            ]
        ),
        math.log((1 + sum(map(len, own)) / len(own)) / (1 + longest)),
        mean([float(features(text).pleasantry) for text in own]),
        mean([float(features(history[i].content).pleasantry) for i in others]),
        mean([_new(history, i) for i in others]),
        mean(whole),
    ]


def _window(recent: Sequence[Utterance]) -> Window | None:
    indexes = wide_gate(recent)
    if indexes is None:
        return None
    shipped = loop_learned.gate(recent) is not None
    similar = meaning_similarity if shipped else _fallback
    values = (
        *loop_learned._features(recent, indexes, similar),
        *_trigram_features(recent, indexes),
    )
    return values, shipped, loop_learned.vetoed(recent, indexes)


def records() -> list[Record]:
    """One a transcript: label, round, where the rules and closing detection first fire, and
    every window past the wide gate."""
    out: list[Record] = []
    for path in sorted((ROOT / "tests" / "data").glob("*.jsonl")):
        for t in load_corpus(path):
            rule_at = closing_at = None
            windows = []
            for end in range(1, len(t.messages) + 1):
                recent = t.messages[:end][-CONFIG.window :]
                if (
                    closing_at is None
                    and closing_agreed(t.messages[:end], DEFAULT_CLOSING_PHRASES) is not None
                ):
                    closing_at = end
                if rule_at is None and any(rule(recent, CONFIG) is not None for rule in RULES):
                    rule_at = end
                windows.append(_window(recent))
            out.append(
                {
                    "id": t.id,
                    "round": t.round,
                    "loop": t.label.startswith("loop:"),
                    "first": t.fire_by or len(t.messages) - 1,
                    "rule_at": rule_at,
                    "closing_at": closing_at,
                    "windows": windows,
                }
            )
    return out


def _gated(window: Window, gate: str) -> bool:
    values, shipped, _ = window
    if gate == "shipped":
        return shipped
    if gate == "no-known-words":  # the shipped gate's other three conditions
        still, new, _, shared = values[len(loop_learned.FEATURES) : len(loop_learned.FEATURES) + 4]
        return still == 1.0 and new <= math.log1p(loop_learned._MOST_NEW_WORDS) and shared < 0.3
    return True


def _samples(
    recs: Sequence[Record], cols: Sequence[int], gate: str
) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for r in recs:
        for end, w in enumerate(r["windows"], start=1):  # type: ignore[arg-type]
            if w is not None and _gated(w, gate) and (not r["loop"] or end >= r["first"]):  # type: ignore[operator]
                xs.append([w[0][c] for c in cols])
                ys.append(int(bool(r["loop"])))
    return np.array(xs), np.array(ys)


def _judged(r: Record, cols: Sequence[int], gate: str) -> list[tuple[int, list[float]]]:
    closing = r["closing_at"] or math.inf
    stop = math.inf if not r["loop"] or r["rule_at"] is None else r["rule_at"]
    return [
        (end, [w[0][c] for c in cols])
        for end, w in enumerate(r["windows"], start=1)  # type: ignore[arg-type]
        if w is not None and _gated(w, gate) and not w[2] and end < closing and end < stop  # type: ignore[operator]
    ]


def _excess(
    model: HistGradientBoostingClassifier,
    r: Record,
    cols: Sequence[int],
    gate: str,
    threshold: float,
) -> float:
    judged = _judged(r, cols, gate)
    if not judged:
        return -math.inf
    return float(model.decision_function(np.array([v for _, v in judged])).max()) - threshold


def loro(
    recs: Sequence[Record],
    names: Sequence[str],
    gate: str,
    depth: int,
    fit_rounds: frozenset[int] | None,
) -> list[tuple[str, bool, bool, float]]:
    """For each transcript, fitted and calibrated without its round: (id, a loop, found by the
    rules, how far its highest judged window rose above the threshold)."""
    cols = [NAMES.index(name) for name in names]
    monotone = [{**MONOTONE, **TRIGRAM_MONOTONE}.get(name, 0) for name in names]
    out = []
    for held in sorted({int(r["round"]) for r in recs}):  # type: ignore[call-overload]
        train = [r for r in recs if r["round"] != held]
        x, y = _samples(
            [r for r in train if fit_rounds is None or r["round"] in fit_rounds], cols, gate
        )
        model = classifier(monotone, max_iter=150, max_depth=depth)
        with threadpool_limits(1):
            model.fit(x, y, sample_weight=np.where(y == 1, (y == 0).sum() / (y == 1).sum(), 1.0))
        threshold = max(_excess(model, r, cols, gate, 0.0) for r in train if not r["loop"])
        out += [
            (
                str(r["id"]),
                bool(r["loop"]),
                r["rule_at"] is not None,
                _excess(model, r, cols, gate, threshold),
            )
            for r in recs
            if r["round"] == held
        ]
    return out


ONE_TO_16 = frozenset(range(1, 17))
TRIGRAMS = (*loop_learned.FEATURES, *EXTRA)
VARIANTS = {  # name: (features, gate, depth, fitted on)
    "shipped method": (loop_learned.FEATURES, "shipped", 1, ONE_TO_16),
    "+ echo and novelty trigrams": ((*loop_learned.FEATURES, *ECHO), "shipped", 1, ONE_TO_16),
    "+ every trigram feature": (TRIGRAMS, "shipped", 1, ONE_TO_16),
    "+ every trigram feature, fitted on all": (TRIGRAMS, "shipped", 1, None),
    "gate without known words": (loop_learned.FEATURES, "no-known-words", 1, ONE_TO_16),
    "gate widened, every feature": (TRIGRAMS, "wide", 1, ONE_TO_16),
    "gate widened, every feature, fitted on all": (TRIGRAMS, "wide", 1, None),
    "depth 2": (loop_learned.FEATURES, "shipped", 2, ONE_TO_16),
    "depth 2, + echo and novelty": ((*loop_learned.FEATURES, *ECHO), "shipped", 2, ONE_TO_16),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(VARIANTS), help="variants to run")
    options = parser.parse_args(argv)
    recs = records()
    print("| variant | margin 0: added, cut | 0.2 | 0.4 | healthy or closing cut at 0.2 |")
    print("|---|---|---|---|---|")
    for name in options.only or VARIANTS:
        results = loro(recs, *VARIANTS[name])
        missed = sum(loop and not found for _, loop, found, _ in results)
        cells = []
        for margin in (0.0, 0.2, 0.4):
            added = sum(loop and not found and ex > margin for _, loop, found, ex in results)
            cut = [i for i, loop, _, ex in results if not loop and ex > margin]
            cells.append((f"{added} of {missed}, {len(cut)}", cut))
        print(
            f"| {name} | {' | '.join(c for c, _ in cells)} | {', '.join(cells[1][1])} |", flush=True
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
