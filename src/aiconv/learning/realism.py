"""Realism: can a classifier tell real customer messages from simulated ones?

``measure_realism`` trains a classifier (TF-IDF of words and character n-grams, logistic
regression) on equal numbers of real and simulated customer messages and reports its
cross-validated accuracy: 50 % means the simulated customers are indistinguishable from the real
ones, 100 % that they are trivially told apart. ``judge_realism`` asks a model instead (any
``ChatProvider``), showing it pairs of one real and one simulated message; a judge that
answered fewer than ``MIN_EACH`` pairs measured nothing (``RealismReport.is_measured``).
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import pydantic

from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.agents.structured import StructuredOutputError, parse_structured, response_format_for

MIN_EACH = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class RealismReport:
    """How well real and simulated messages were told apart (accuracy 0.5 = not at all)."""

    accuracy: float
    spread: float
    real: int
    simulated: int
    method: str
    #: Pairs a judge was shown but gave no usable answer for (left out of the accuracy).
    unanswered: int = 0

    def as_dict(self) -> dict[str, object]:
        """The JSON form (``aic realism --json``, a report's ``realism``)."""
        fields = ("accuracy", "spread", "real", "simulated", "method", "unanswered")
        return {**{f: getattr(self, f) for f in fields}, "summary": self.describe()}

    @property
    def is_measured(self) -> bool:
        """Whether enough pairs were told apart to mean anything: a judge that answered one
        pair of twenty read "0% accuracy … indistinguishable", a perfect simulation."""
        return self.real >= MIN_EACH

    def describe(self) -> str:
        """One line for people."""
        if not self.is_measured:
            shown = self.real + self.unanswered
            answered = (
                f"only {self.real} of the {shown} pairs it was shown (at least {MIN_EACH} needed)"
                if self.real
                else f"any of the {shown} pairs it was shown"
            )
            usable = "a usable answer for" if self.real else "no usable answer for"
            return f"realism could not be measured: {self.method} gave {usable} {answered}"
        verdict = (
            "indistinguishable"
            if self.accuracy <= 0.6
            else "hard to tell apart"
            if self.accuracy <= 0.75
            else "easy to tell apart"
        )
        return (
            f"{self.method} told real from simulated customer messages with "
            f"{self.accuracy:.0%} accuracy (± {self.spread:.0%}; 50% = indistinguishable): "
            f"{verdict} ({self.real} real, {self.simulated} simulated)"
        )


def _balanced(
    real: Sequence[str], simulated: Sequence[str], seed: int
) -> tuple[list[str], list[int]]:
    real_kept = [t for t in real if t.strip()]
    simulated_kept = [t for t in simulated if t.strip()]
    size = min(len(real_kept), len(simulated_kept))
    if size < MIN_EACH:
        raise ValueError(
            f"realism needs at least {MIN_EACH} real and {MIN_EACH} simulated customer messages "
            f"(have {len(real_kept)} and {len(simulated_kept)})"
        )
    rng = random.Random(seed)
    texts = rng.sample(real_kept, size) + rng.sample(simulated_kept, size)
    return texts, [0] * size + [1] * size


def measure_realism(
    real: Sequence[str], simulated: Sequence[str], *, folds: int = 5, seed: int = 0
) -> RealismReport:
    """Cross-validated accuracy of an offline classifier (CPU-bound: run it off the loop)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline, make_union

    texts, labels = _balanced(real, simulated, seed)
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=False),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
    )
    model = make_pipeline(features, LogisticRegression(max_iter=2000))
    splits = StratifiedKFold(n_splits=min(folds, len(texts) // 2), shuffle=True, random_state=seed)
    scores = [float(s) for s in cross_val_score(model, texts, labels, cv=splits)]
    return RealismReport(
        accuracy=round(statistics.fmean(scores), 4),
        spread=round(statistics.pstdev(scores), 4),
        real=len(labels) // 2,
        simulated=len(labels) // 2,
        method="an offline classifier",
    )


class _PairAnswer(pydantic.BaseModel):
    pair: int
    simulated: str


class _Answers(pydantic.BaseModel):
    answers: list[_PairAnswer]


JUDGE_PROMPT = (
    "You check customer-support chat data. Each numbered pair holds two customer messages: "
    "one was written by a real customer, the other by an AI simulating a customer. For each "
    'pair, say which one is simulated. Answer with one JSON object only: {"answers": '
    '[{"pair": <number>, "simulated": "A" or "B"}, ...]}.'
)


async def judge_realism(
    provider: ChatProvider,
    real: Sequence[str],
    simulated: Sequence[str],
    *,
    pairs: int = 20,
    batch: int = 10,
    seed: int = 0,
) -> RealismReport:
    """The share of pairs in which the model spotted the simulated message."""
    texts, _ = _balanced(real, simulated, seed)
    size = len(texts) // 2
    rng = random.Random(seed)
    chosen = [(texts[i], texts[size + i], rng.random() < 0.5) for i in range(min(pairs, size))]
    batches = [chosen[i : i + batch] for i in range(0, len(chosen), batch)]
    scores = [await _judge_batch(provider, b) for b in batches]
    right = sum(r for r, _ in scores)
    answered = sum(n for _, n in scores)
    accuracy = right / answered if answered else 0.5
    return RealismReport(
        accuracy=round(accuracy, 4),
        spread=0.0,
        real=answered,
        simulated=answered,
        method=f"a judge ({provider.name}:{provider.model})",
        unanswered=len(chosen) - answered,
    )


async def _judge_batch(
    provider: ChatProvider, batch: list[tuple[str, str, bool]]
) -> tuple[int, int]:
    """(right, answered) for one request: a reply that is not the asked JSON answers no
    pair (counting it as wrong guesses made a judge that never answers look like a perfect
    simulation: "0% accuracy … indistinguishable"), nor does a pair it left out."""
    lines = []
    for number, (real, fake, fake_first) in enumerate(batch, 1):
        first, second = (fake, real) if fake_first else (real, fake)
        lines.append(f"Pair {number}:\nA: {first}\nB: {second}")
    request = ChatRequest(
        model=provider.model,
        system=JUDGE_PROMPT,
        messages=(ChatMessage(role="user", content="\n\n".join(lines)),),
        max_tokens=60 + 25 * len(batch),
        temperature=0.0,
        context={"speaker": "realism-judge"},
        response_format=response_format_for(_Answers),
    )
    reply = await provider.complete(request)
    try:
        answers = parse_structured(reply.content, _Answers).answers
    except StructuredOutputError:
        return 0, 0
    said = {a.pair: a.simulated.strip().upper() for a in answers}
    said = {n: side for n, side in said.items() if side in ("A", "B")}
    right = sum(
        said.get(n) == ("A" if fake_first else "B") for n, (_, _, fake_first) in enumerate(batch, 1)
    )
    return right, sum(1 for n in range(1, len(batch) + 1) if n in said)
