"""Train the learned loop detector (``aiconv.platform.loop_learned``) and measure it honestly.

Run at development time (scikit-learn and numpy come with the ``dev`` extra; aiconv never
imports them at run time):

    .venv/bin/python scripts/train_loop_model.py            # leave-one-round-out figures
    .venv/bin/python scripts/train_loop_model.py --write    # and write data/loop_model.json

Every window of every labelled transcript (``tests/data/*.jsonl``) that passes the detector's
gate becomes a sample: a healthy or closing transcript's windows are negatives, a loop's
windows from the message its label says it should be found by (``fire_by``; else the
last two) are positives. The model is boosted stumps (depth 1: an additive model, every
feature's effect one step function) with monotone constraints (a message alike in meaning to
its sender's earlier ones can only raise the score, news or thanks only lower it).
The threshold is the highest score of any negative window the detector judges (past the gate
and its vetoes: a goodbye, a form, an addition; the corpora's and those of two
long ``mock`` conversations), raised by a margin measured, not chosen: in a leave-one-round-out
run over the training rounds, how far an unseen round's healthy windows rose above the
threshold fitted without it. The figures printed are leave-one-round-out for held-out rounds
6-15 and 17: trained (and its margin nested) without the round, then the round replayed with the
rules and the model together; the rules were themselves tuned on most of these rounds (see the
README), so what the model adds is the measure, not the total. The rounds of ``UNSEEN_ROUNDS``
(written blind; the rules were tuned on them afterwards) are never trained on: they are printed
last, replayed with the model trained on every other round (the one ``--write`` ships), the
model's figure for transcripts it has never seen (beside rules that have).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

import aiconv
from aiconv.platform import loop_learned
from aiconv.platform.loops import RULES, LoopConfig, Utterance
from aiconv.testing.corpus import load_corpus

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "aiconv" / "platform" / "data" / "loop_model.json"
MONOTONE = {  # +1: can only raise the score; -1: only lower it; absent: either way
    "meaning_mean": 1, "meaning_min": 1, "holds": 1, "synonyms_mean": 1, "news": -1,
    "shared_act": 1, "follows": -1, "others_press": 1, "others_alike": 1,
    "others_new_words": -1, "others_push_back": 1, "others_complain": 1, "reply_words": -1,
    "others_thank": -1, "others_negate": 1, "rare_word": -1,
}  # fmt: skip
STUMPS = 150
#: Never trained on, nor used for the threshold or margin: rounds 18, 20, 23, 24, 25 and 26
#: (written blind, kept out of the rules' tuning at first; all six tuned on by the rules
#: since, 26 last, so their figures here say how the model adds to tuned rules, not how it
#: fares on unseen transcripts; the model itself has still never seen them. Round 25's
#: healthy draft review, cut by the model, was spared by a veto, not by retraining it); and
#: rounds 27 and 28 (written blind, measured unread, then tuned on by the rules, whose
#: measure of unseen transcripts they were; the model has never seen them either).
UNSEEN_ROUNDS = (18, 20, 23, 24, 25, 26, 27, 28, 29, 30)
#: Held-out rounds measured leave-one-round-out. Round 16 was written by the detector's
#: engineer (tuned on); 17 was written blind, then the rules were tuned on it.
MEASURED_ROUNDS = (*range(6, 16), 17)
MOCKS = (("Is a hot dog a sandwich?", 7, 5000), ("Should cities ban cars?", 1, 2000))
Sample = dict[str, object]


def _windows(messages: Sequence[Utterance]) -> list[tuple[float, ...] | None]:
    window = LoopConfig().window
    return [
        loop_learned.window_features(messages[:end][-window:])
        for end in range(1, len(messages) + 1)
    ]


def _judged(messages: Sequence[Utterance]) -> list[bool]:
    """Whether the detector would judge each window: past the gate and not vetoed (a goodbye,
    a form, an addition). Vetoed windows still teach the model, but never set its threshold:
    it is never asked about them."""
    window = LoopConfig().window
    judged = []
    for end in range(1, len(messages) + 1):
        recent = messages[:end][-window:]
        indexes = loop_learned.gate(recent)
        judged.append(indexes is not None and not loop_learned.vetoed(recent, indexes))
    return judged


def _rules_fire(history: Sequence[Utterance]) -> bool:
    """Whether a hand-written detector (not the model being trained) finds a loop."""
    config = LoopConfig()
    recent = history[-config.window :]
    return any(rule(recent, config) is not None for rule in RULES)


def corpus_samples() -> list[Sample]:
    """One record a transcript: its label, round, where the rules fire, its windows."""
    records: list[Sample] = []
    for path in sorted((ROOT / "tests" / "data").glob("*.jsonl")):
        for t in load_corpus(path):
            rule_at = next(
                (end for end in range(1, len(t.messages) + 1) if _rules_fire(t.messages[:end])),
                None,
            )
            records.append({"id": t.id, "round": t.round, "loop": t.label.startswith("loop:"),
                            "first": t.fire_by or len(t.messages) - 1, "rule_at": rule_at,
                            "windows": _windows(t.messages),
                            "judged": _judged(t.messages)})  # fmt: skip
    return records


async def _mock(topic: str, seed: int, turns: int) -> tuple[Utterance, ...]:
    seats = [aiconv.Participant(name, "mock:turns=0") for name in ("alice", "bob")]
    stop = aiconv.StopConfig(max_turns=turns, loop_policy="off", closing="off")
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(log, seats, topic, stop=stop, seed=seed)
    return tuple(
        Utterance(sequence=m.sequence, sender=m.sender, content=m.content)
        for m in result.state.messages
    )


def mock_negatives() -> np.ndarray:
    rows = []
    for topic, seed, turns in MOCKS:
        messages = asyncio.run(_mock(topic, seed, turns))
        rows += [w for w, j in zip(_windows(messages), _judged(messages), strict=True) if w and j]
    return np.array(rows).reshape(-1, len(loop_learned.FEATURES))


def _xy(records: Sequence[Sample]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels, and whether the detector judges the window (see ``_judged``)."""
    xs, ys, js = [], [], []
    for r in records:
        for end, w in enumerate(r["windows"], start=1):  # type: ignore[arg-type]
            if w is not None and (not r["loop"] or end >= r["first"]):  # type: ignore[operator]
                xs.append(w)
                ys.append(int(bool(r["loop"])))
                js.append(bool(r["judged"][end - 1]))  # type: ignore[index]
    return np.array(xs), np.array(ys), np.array(js, dtype=bool)


def fit(
    records: Sequence[Sample], mock: np.ndarray
) -> tuple[HistGradientBoostingClassifier, float]:
    """The model and its bare threshold (the highest negative window's score)."""
    x, y, judged = _xy(records)
    weight = np.where(y == 1, (y == 0).sum() / max(1, (y == 1).sum()), 1.0)
    monotone = [MONOTONE.get(name, 0) for name in loop_learned.FEATURES]
    model = HistGradientBoostingClassifier(
        max_iter=STUMPS,
        max_depth=1,
        learning_rate=0.1,
        monotonic_cst=monotone,
        min_samples_leaf=10,
        l2_regularization=1.0,
        random_state=0,
    )
    model.fit(x, y, sample_weight=weight)
    asked = x[(y == 0) & judged]
    negatives = np.vstack([asked, mock]) if len(mock) else asked
    return model, float(model.decision_function(negatives).max())


def _scores(model: HistGradientBoostingClassifier, record: Sample) -> list[tuple[int, float]]:
    ends = [end for end, j in enumerate(record["judged"], start=1) if j]  # type: ignore[arg-type]
    if not ends:
        return []
    values = np.array([record["windows"][end - 1] for end in ends])  # type: ignore[index]
    return list(zip(ends, model.decision_function(values).tolist(), strict=True))


def margin(records: Sequence[Sample], mock: np.ndarray) -> float:
    """How far above its threshold an unseen round's healthy windows rose (leave-one-out)."""
    worst = 0.0
    for held in sorted({r["round"] for r in records}):  # type: ignore[type-var]
        model, threshold = fit([r for r in records if r["round"] != held], mock)
        for r in records:
            if r["round"] == held and not r["loop"]:
                worst = max([worst] + [s - threshold for _, s in _scores(model, r)])
    return worst


def _replay(
    model: HistGradientBoostingClassifier, threshold: float, test: Sequence[Sample], name: str
) -> list[int]:
    """Print the rules' recall on ``test`` and what the model adds (and cuts); the counts."""
    fired = {r["id"]: any(s > threshold for _, s in _scores(model, r)) for r in test}
    loops = [r for r in test if r["loop"]]
    found = sum(r["rule_at"] is not None for r in loops)
    added = [r["id"] for r in loops if r["rule_at"] is None and fired[r["id"]]]
    cut = [r["id"] for r in test if not r["loop"] and r["rule_at"] is None and fired[r["id"]]]
    before, after = found / len(loops), (found + len(added)) / len(loops)
    print(f"{name}: recall {before:.3f} -> {after:.3f}  added {added}  healthy cut {cut}")
    return [len(loops), found, len(added), len(cut)]


def leave_one_round_out(records: Sequence[Sample], mock: np.ndarray) -> None:
    """Print, for each held-out round, the rules' recall and what the model adds (and cuts)."""
    totals = [0, 0, 0, 0]
    for held in MEASURED_ROUNDS:
        train = [r for r in records if r["round"] != held]
        model, threshold = fit(train, mock)
        threshold += margin(train, mock)
        test = [r for r in records if r["round"] == held]
        counts = _replay(model, threshold, test, f"round {held}")
        totals = [total + n for total, n in zip(totals, counts, strict=True)]
        if held == 15:
            loops, found, added, cut = totals
            print(f"rounds 6-15 pooled: recall {found / loops:.3f} -> "
                  f"{(found + added) / loops:.3f}, healthy cut {cut}")  # fmt: skip
    loops, found, added, cut = totals
    before, after = found / loops, (found + added) / loops
    print(f"rounds 6-15 and 17 pooled: recall {before:.3f} -> {after:.3f}, healthy cut {cut}")


def export(
    model: HistGradientBoostingClassifier, threshold: float, margin_: float
) -> dict[str, object]:
    """The stumps as ``loop_learned.Model`` reads them."""
    unseen = ", ".join(map(str, UNSEEN_ROUNDS))
    stumps = []
    for (tree,) in model._predictors:  # depth 1: a root and two leaves
        root, *leaves = tree.nodes
        left, right = tree.nodes[root["left"]], tree.nodes[root["right"]]
        if root["is_leaf"] or not all(leaf["is_leaf"] for leaf in leaves):
            raise ValueError("expected stumps")
        stumps.append(
            [
                int(root["feature_idx"]),
                float(root["num_threshold"]),
                float(left["value"]),
                float(right["value"]),
            ]
        )
    baseline = float(np.ravel(model._baseline_prediction)[0])
    return {
        "features": list(loop_learned.FEATURES),
        "baseline": baseline,
        "stumps": stumps,
        "threshold": threshold + margin_,
        "margin": margin_,
        "trained_on": f"tests/data/*.jsonl (every round but {unseen}) and the mock "
        "conversations of MOCKS",
    }


def _check(
    model: HistGradientBoostingClassifier, exported: dict[str, object], x: np.ndarray
) -> None:
    """The pure-Python sum of steps gives scikit-learn's scores (to rounding)."""
    stumps = tuple(tuple(stump) for stump in exported["stumps"])  # type: ignore[attr-defined]
    mine = loop_learned.Model(exported["baseline"], stumps, exported["threshold"])  # type: ignore[arg-type]
    worst = max(
        abs(mine.score(row) - s) for row, s in zip(x, model.decision_function(x), strict=True)
    )
    if worst > 1e-6:
        raise ValueError(f"the exported stumps disagree with the model by {worst}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write data/loop_model.json")
    parser.add_argument("--skip-evaluation", action="store_true")
    options = parser.parse_args(argv)
    everything, mock = corpus_samples(), mock_negatives()
    records = [r for r in everything if r["round"] not in UNSEEN_ROUNDS]
    if not options.skip_evaluation:
        leave_one_round_out(records, mock)
    if options.write or not options.skip_evaluation:
        model, threshold = fit(records, mock)
        measured = margin(records, mock)
        for held in UNSEEN_ROUNDS:  # never trained on: the model as shipped
            test = [r for r in everything if r["round"] == held]
            _replay(model, threshold + measured, test, f"round {held} (unseen)")
    if options.write:
        exported = export(model, threshold, measured)
        _check(model, exported, np.vstack([_xy(records)[0], mock]))
        OUT.write_text(json.dumps(exported, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}: threshold {threshold:.3f} + margin {measured:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
