"""A learned second opinion on a point restated in new words: an additive model over what the
other detectors already measure, trained offline on the labelled corpora.

The hand rules (``loop_stalls``, ``loop_meaning``) fire only when every piece of a structure
is there at once: no news, the other side pressing in words a list knows, four restatements
close in meaning, a position held by a margin. Unseen transcripts often lack one piece, or
show it in words no list holds. This detector weighs the pieces instead of requiring each.
It looks only where the wording detectors cannot (``gate``): the newest sender's last three
messages bring no number, name or result, and share few words. There it measures
(``window_features``) how alike those messages are in meaning and in merged synonyms, whether
each holds the sender's position rather than follows the reply, how much each brings that is
new and how specific its rarest word is; and how the others answer in between (press, ask,
push back, complain of repetition, say the same again, acknowledge progress, negate).

The model is boosted stumps with monotone constraints (scikit-learn at development time:
``scripts/train_loop_model.py``, reproducibly; here a sum of steps): ``data/loop_model.json``
holds each stump, fitted on rounds 1-16, and the threshold, set above every window it judges
(past the gate and ``vetoed``) of every healthy and closing transcript of every round of both
corpora and of two long ``mock`` conversations, plus the margin by which unseen rounds' healthy
windows rose above it leave-one-round-out (at least 0.2). So it only adds a loop where the
model is surer than on anything healthy it has seen. Pure functions over
``Utterance``s, run by ``loops.detect_loop`` after every other detector.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import combinations, pairwise

from aiconv.platform.closing import takes_leave
from aiconv.platform.lexicon import QUOTED
from aiconv.platform.loop_acts import (
    answered,
    answers_with_news,
    builds,
    each_proposes,
    in_kind,
    moves_through_items,
    presses,
    seen,
    stands_still,
)
from aiconv.platform.loop_on_purpose import presented
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.loop_unmoved import draft_revised
from aiconv.platform.speech_acts import acts, pushes_back
from aiconv.platform.text_memo import windowed
from aiconv.platform.word_vectors import known_words, meaning_similarity, word_weight
from aiconv.platform.wording import concepts, content_similarity, features, jaccard

RUN = 3
"""How many of the newest sender's messages the features look at."""
_MOST_NEW_WORDS = 12
"""A newest message with more content words new to the window is a new argument."""
_MIN_KNOWN = 2
"""Known words a message needs before its meaning is trusted."""
_MOST_SHARED_WORDS = 0.3
"""Mean word overlap of the run from which the wording detectors judge it, not this one."""
FEATURES = (
    "meaning_mean",
    "meaning_min",
    "holds",
    "words_mean",
    "synonyms_mean",
    "news",
    "new_words",
    "novelty",
    "shared_act",
    "own_length",
    "own_asks",
    "follows",
    "others_press",
    "others_ask",
    "others_alike",
    "others_new_words",
    "others_push_back",
    "others_complain",
    "others_length",
    "reply_words",
    "others_thank",
    "others_negate",
    "rare_word",
)
"""What ``window_features`` measures, in order (the model file names them too)."""
Similar = Callable[[str, str], float]
_QUESTION = re.compile(r"[?？]")
_WORD = re.compile(r"[^\W\d_]+")
_THANKS = re.compile(
    r"\b(?:thanks?|thank you|great|perfect|good|done|got it|ok(?:ay)?|nice|cool|helps?|"
    r"clear|works?|worked|please do|sounds|correct|right|yes)\b"
)
"""The others acknowledge progress: the sender's restatement answered something."""
_NEGATES = re.compile(
    r"\b(?:no|not|nothing|never|still|again|already|said|told|won't|can't|didn't|n't)\b|n't\b"
)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _share(pattern: re.Pattern[str], texts: Sequence[str]) -> float:
    return _mean([float(bool(pattern.search(text.lower()))) for text in texts])


def _new_facts(history: Sequence[Utterance], index: int) -> frozenset[str]:
    return features(history[index].content).facts - seen(history[:index])


@windowed()
def _rare_word(content: str) -> float:
    """How rare the rarest of the message's content words that the stemmer leaves whole is
    (short, uninflected words: "file", "case", "team"), 0 when it has none."""
    view = features(content)
    return max((word_weight(w) for w in view.text.split() if w in view.content), default=0.0)


def gate(history: Sequence[Utterance]) -> list[int] | None:
    """The indexes of the newest sender's last ``RUN`` messages when the window is one this
    detector judges: the others spoke at least ``RUN - 1`` times since, the newest is no new
    argument, every message has known words, none brings news and they share few words."""
    sender = history[-1].sender
    indexes = [i for i, u in enumerate(history) if u.sender == sender][-RUN:]
    if len(indexes) < RUN or sum(u.sender != sender for u in history[indexes[0] :]) < RUN - 1:
        return None
    own = [history[i] for i in indexes]
    if not stands_still(history, own):
        return None  # (the cheapest conditions first)
    if len(_new_facts(history, indexes[-1])) > _MOST_NEW_WORDS:
        return None
    if any(known_words(u.content) < _MIN_KNOWN for u in own):
        return None
    shared = _mean([content_similarity(a.content, b.content) for a, b in combinations(own, 2)])
    return indexes if shared < _MOST_SHARED_WORDS else None


def vetoed(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    """Windows the model never judges, however it scores them (checked after the gate, so
    the model is still trained on them): the conversation thanks or says goodbye, each of the
    sender's questions was answered with news (a form), the sender adds ("yes, and also…") or
    agrees to a new proposal each time, or it is a drill (``_drilled``), the other carries
    out each of its requests (``_carried_out``), a status polled moves (``_status_moved``) or a
    frame is said again around answers (``answers_with_news``), or the sender answers
    questions that go through items one at a time (``_walked_through``), or it quotes a
    draft revised a step at a time (``loop_unmoved.draft_revised``): every veto of
    ``learned_loop``, so the trainer sets the threshold over the windows the model is asked
    about and no others."""
    return (
        _vetoed_early(history, indexes)
        or _drilled(history, indexes)
        or _carried_out(history, indexes)
        or _status_moved(history, indexes)
        or answers_with_news(history, indexes)
        or _walked_through(history, indexes)
        or draft_revised([history[i].content for i in indexes])
    )


def _vetoed_early(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    return (
        takes_leave(history)
        or answered(history, indexes)
        or any(builds(history[i].content) for i in indexes[-2:])
        or (
            all("agrees" in acts(history[i].content) for i in indexes)
            and each_proposes(history, indexes[0])
        )  # "Agreed, with a sun and moon icon." to a new proposal each time
    )


_TAKEN_UP = 2
"""Words of a presented item, new to the window, that a reply must use to carry it out."""


def _carried_out(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    """Whether the other side's reply to each of the sender's earlier messages of the run uses
    the item that message presented (quoted, or after its colon) in words new to the window: a
    change asked for and made ("One change: say 'an expired TLS certificate'" – "Draft v2: …
    an expired TLS certificate …"), however alike the requests. Its words are read raw, quotes
    and all, as the features leave quoted text out."""
    for index in indexes[:-1]:
        reply = history[index + 1]
        if reply.sender == history[index].sender:
            return False
        before = set().union(*(_WORD.findall(u.content.lower()) for u in history[:index]))
        items = " ".join(presented(history[index].content)).lower()
        new = {w for w in _WORD.findall(items) if len(w) >= _STEM} - before
        if len(new & set(_WORD.findall(reply.content.lower()))) < _TAKEN_UP:
            return False
    return True


def _status_moved(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    """Whether each of the sender's later messages of the run answers a question of the other
    side with a quoted item no earlier message of the window quoted: a status polled and found
    moved ("Anything new?" - "Status: 'In process'." - "Any change today?" - "Status:
    'Approved'."). The features leave quoted text out, so the model sees the frame alone, the
    same each time."""
    for index in indexes[1:]:
        asked = history[index - 1]
        if asked.sender == history[index].sender or not (
            "?" in asked.content or "？" in asked.content
        ):
            return False
        quoted = set(QUOTED.findall(history[index].content.lower()))
        if not quoted - {q for u in history[:index] for q in QUOTED.findall(u.content.lower())}:
            return False
    return True


def _walked_through(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    """Whether the others' messages since the run's first each ask, and go through items set
    out before, naming a figure or a name their earlier ones did not (``moves_through_items``:
    "Item 1: … reason for return?", "Item 2: …", "Item 3: …"): the sender answers a form
    filled in item by item, however alike its answers ("same thing, not as pictured")."""
    sender = history[indexes[-1]].sender
    others = [i for i in range(indexes[0] + 1, len(history)) if history[i].sender != sender]
    return (
        len(others) >= 2
        and all("?" in history[i].content or features(history[i].content).asks for i in others)
        and moves_through_items(history, others)
    )


_ANSWER_WORDS = 12
"""Longest reply (in words) that still reads as an answer to an item, not an argument."""
_STEM = 4
"""Letters two words must share at their start to be one word inflected ("partire" and
"partito", "mangiare" and "mangiato"): a stemmer for languages the lexicon does not know."""


def _drilled(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    """Whether the run is one side of a drill, where a fixed frame carries changing content:
    either each of the sender's later messages brings a new item ("Adesso 'mangiare', terza
    persona plurale") and every reply of the others is a short answer with something new, or
    the sender's messages are such answers, each taking up the item just put to it ("Loro
    hanno mangiato."), and every message of the others brings something new. It moves."""
    sender = history[indexes[-1]].sender
    others = [i for i in range(indexes[0] + 1, len(history)) if history[i].sender != sender]
    if all(_new_item(history, i) for i in indexes[1:]) and all(
        _answers(history, i) for i in others
    ):
        return True
    return all(_new_item(history, i) for i in others) and all(
        _answers(history, i) and _takes_up(history[i - 1].content, history[i].content)
        for i in indexes
    )


def _new_item(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` has a word the window has not seen, quoted or not."""
    before = set().union(*(_WORD.findall(u.content.lower()) for u in history[:index]))
    return any(w not in before for w in _WORD.findall(history[index].content.lower()))


def _answers(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` is a short answer with something new (a word, or at least
    an answer not given before): it performs no act, neither asks, instructs, presses nor
    pushes back, and is more than a pleasantry."""
    content = history[index].content
    view = features(content)
    if view.words > _ANSWER_WORDS or view.phatic or acts(content):
        return False  # "Ok, let me know." answers a put-off, not an item
    if view.asks or view.instructs or presses(content) or pushes_back(content):
        return False
    return _new_item(history, index) or all(
        features(u.content).raw != view.raw for u in history[:index]
    )  # "H, u, e, s, o." after "U, e, s, o.": a corrected answer


def _takes_up(prompt: str, reply: str) -> bool:
    """Whether ``reply`` uses a word of ``prompt``, inflected or not ("gegessen" for "essen":
    their first ``_STEM`` letters inside the other), quoted or not (the item of a drill is
    often quoted: "Adesso 'mangiare'")."""
    starts = {word[:_STEM] for word in _WORD.findall(prompt.lower()) if len(word) >= _STEM}
    return any(
        start in word
        for word in _WORD.findall(reply.lower())
        if len(word) >= _STEM
        for start in starts
    )


def _own_features(
    history: Sequence[Utterance], indexes: Sequence[int], similar: Similar
) -> list[float]:
    own = [history[i].content for i in indexes]
    pairs = list(combinations(own, 2))
    meaning = [similar(a, b) for a, b in pairs]
    holds, follows, new_words, novelty = [], [], [], []
    for n, index in enumerate(indexes[1:], start=1):
        before = history[index - 1]
        replied = before.sender != history[index].sender
        to_reply = similar(own[n], before.content) if replied else 0.0
        holds.append(max(similar(own[n], earlier) for earlier in own[:n]) - to_reply)
        follows.append(to_reply)
        new = _new_facts(history, index)
        new_words.append(math.log1p(len(new)))
        novelty.append(len(new) / max(1, len(features(own[n]).facts)))
    return [
        _mean(meaning),
        min(meaning),
        _mean(holds),
        _mean([content_similarity(a, b) for a, b in pairs]),
        _mean([jaccard(concepts(a), concepts(b)) for a, b in pairs]),
        0.0,  # news: the gate lets through only runs that bring none
        _mean(new_words),
        _mean(novelty),
        float(bool(frozenset.intersection(*map(acts, own)))),
        math.log1p(_mean([features(text).words for text in own])),
        _share(_QUESTION, own),
        _mean(follows),
    ]


def _others_features(
    history: Sequence[Utterance], indexes: Sequence[int], similar: Similar
) -> list[float]:
    sender = history[indexes[-1]].sender
    others = [i for i in range(indexes[0] + 1, len(history)) if history[i].sender != sender]
    texts = [history[i].content for i in others]
    replies = [i for i in indexes if history[i - 1].sender != sender]
    return [
        _mean([float(presses(text)) for text in texts]),
        _share(_QUESTION, texts),
        _mean([similar(a, b) for a, b in pairwise(texts)]),
        _mean([math.log1p(len(_new_facts(history, i))) for i in others]),
        _mean([float(pushes_back(text)) for text in texts]),
        float(any(features(text).complains_repeat for text in texts)),
        math.log1p(_mean([features(text).words for text in texts])),
        _mean([content_similarity(history[i].content, history[i - 1].content) for i in replies]),
        _share(_THANKS, texts),
        _share(_NEGATES, texts),
        _mean([_rare_word(history[i].content) for i in indexes]),
    ]


def window_features(history: Sequence[Utterance]) -> tuple[float, ...] | None:
    """The ``FEATURES`` of the window ending at its newest message, or None outside the gate."""
    indexes = gate(history)
    if indexes is None:
        return None
    return _features(history, indexes, meaning_similarity)


def _features(
    history: Sequence[Utterance], indexes: Sequence[int], similar: Similar
) -> tuple[float, ...]:
    return (*_own_features(history, indexes, similar), *_others_features(history, indexes, similar))


def _unknown(a: str, b: str) -> float:
    return 0.0


MEANING = frozenset(
    FEATURES.index(name)
    for name in ("meaning_mean", "meaning_min", "holds", "follows", "others_alike")
)
"""The features that need word vectors (the costly part): computed only when the others
leave the model a chance to pass its threshold."""


@dataclass(frozen=True, slots=True)
class Model:
    """Boosted stumps: ``baseline`` plus, for each stump ``(feature, split, left, right)``,
    ``left`` if the feature is at most ``split`` and ``right`` otherwise; a loop when the sum
    exceeds ``threshold``. The stumps of one feature add up to one step function: ``steps``
    holds, for each feature used, its sorted splits and the sum in each interval between them,
    so a score is a dozen bisections."""

    baseline: float
    stumps: tuple[tuple[int, float, float, float], ...]
    threshold: float
    steps: tuple[tuple[int, tuple[float, ...], tuple[float, ...]], ...] = ()

    def __post_init__(self) -> None:
        steps = []
        for feature in sorted({stump[0] for stump in self.stumps}):
            own = [stump for stump in self.stumps if stump[0] == feature]
            splits = sorted({split for _, split, _, _ in own})
            sums = [  # below splits[i] (or at it): every stump at or above it goes left
                sum(left if bound <= split else right for _, split, left, right in own)
                for bound in [*splits, math.inf]
            ]
            steps.append((feature, tuple(splits), tuple(sums)))
        object.__setattr__(self, "steps", tuple(steps))

    def bound(self, values: Sequence[float], unknown: frozenset[int]) -> float:
        """The highest score ``values`` can reach whatever the features in ``unknown`` are."""
        total = self.baseline
        for feature, splits, sums in self.steps:
            total += max(sums) if feature in unknown else sums[bisect_left(splits, values[feature])]
        return total

    def score(self, values: Sequence[float]) -> float:
        """The model's log-odds for one window's features."""
        total = self.baseline
        for feature, splits, sums in self.steps:
            total += sums[bisect_left(splits, values[feature])]
        return total


@lru_cache(maxsize=1)
def model() -> Model:
    """The shipped model (``data/loop_model.json``), read once."""
    path = resources.files("aiconv.platform").joinpath("data/loop_model.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    if tuple(raw["features"]) != FEATURES:
        raise ValueError("data/loop_model.json was trained on other features")
    stumps = tuple((int(f), float(s), float(a), float(b)) for f, s, a, b in raw["stumps"])
    return Model(float(raw["baseline"]), stumps, float(raw["threshold"]))


def learned_loop(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """A point restated in new words, judged by the trained model (see the module docstring)."""
    indexes = gate(history)
    if indexes is None or _vetoed_early(history, indexes):
        return None  # (a drill, the costlier veto, only once the model would fire)
    found = model()
    if found.bound(_features(history, indexes, _unknown), MEANING) <= found.threshold:
        return None  # however alike in meaning: no word vectors needed
    score = found.score(_features(history, indexes, meaning_similarity))
    if score <= found.threshold or _drilled(history, indexes) or _carried_out(history, indexes):
        return None  # the costlier vetoes, only once the model would fire
    if _status_moved(history, indexes):
        return None  # "Any change today?" - "Status: 'Approved'": a poll, answered anew
    if answers_with_news(history, indexes):
        return None  # a frame said again ("I understand you'd like to know …") around answers
    if _walked_through(history, indexes):
        return None  # "Item 2: … reason?" - "same thing": a form filled in item by item
    sender = history[-1].sender
    mine = [i for i, u in enumerate(history) if u.sender == sender][-RUN:]
    own = tuple(history[i] for i in mine)
    others = [u for u in history[mine[0] + 1 :] if u.sender != sender]
    model_says = f"model {score:.2f} > {found.threshold:.2f}"
    if in_kind(history, others):  # "I'll look into it" - "ok, I'll wait", each side in kind
        detail = (
            f"{sender} and {others[-1].sender} keep answering each other in kind ({model_says})"
        )
        return make_loop("ping_pong", 1 / (1 + math.exp(-score)), own, detail)
    detail = f"{sender} restates its point in new words ({model_says})"
    return make_loop("paraphrase", 1 / (1 + math.exp(-score)), own, detail)
