"""The learned detector (``loop_learned``): it only adds loops, never on a healthy window of any
corpus, and it finds points restated in new words that every hand rule misses."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from aiconv.platform.loop_learned import (
    FEATURES,
    gate,
    learned_loop,
    model,
    vetoed,
    window_features,
)
from aiconv.platform.loops import RULES, LoopConfig, Utterance, detect_loop
from aiconv.testing.corpus import load_corpus

DATA = Path(__file__).parent.parent / "data"
CONFIG = LoopConfig()
#: The rounds the shipped model was trained on (its "trained_on"). Later rounds are unseen: on
#: round 17's first run it cut one healthy transcript (an Italian conjugation drill), which its
#: drill veto now keeps it from judging; tuning round 19's hard negatives are unseen too.
TRAINED_ROUNDS = range(1, 17)


def _windows(messages: tuple[Utterance, ...]) -> list[tuple[Utterance, ...]]:
    return [messages[:end][-CONFIG.window :] for end in range(1, len(messages) + 1)]


def _rules_fire(window: tuple[Utterance, ...]) -> bool:
    return any(rule(window, CONFIG) is not None for rule in RULES)


@pytest.mark.parametrize("corpus", ["detection_corpus.jsonl", "detection_heldout.jsonl"])
def test_the_model_fires_on_no_window_of_a_healthy_or_closing_transcript(corpus: str) -> None:
    # The threshold is set above every judged window of every healthy and closing transcript of
    # both files, rounds not fitted on included (plus a measured margin): not one may reach it,
    # wherever the replay would have stopped. The model shipped before fired on one healthy
    # window of blind round 29 (r29-45, a citizen polling a passport application whose status
    # moves at each lookup: 1.51 against its threshold 1.33), until the veto of a status found
    # moved; the trainer now counts that veto too (``vetoed``).
    fired = [
        (t.id, n)
        for t in load_corpus(DATA / corpus)
        if not t.label.startswith("loop:")
        for n, window in enumerate(_windows(t.messages), start=1)
        if learned_loop(window, CONFIG) is not None
    ]
    assert fired == []


def test_the_model_finds_points_restated_in_new_words_that_every_rule_misses() -> None:
    # Rounds 13-15 (in-sample here: the shipped model is trained on every round; the honest,
    # leave-one-round-out figures are in the README). Before the model: none of these found.
    missed_by_rules = [
        t
        for t in load_corpus(DATA / "detection_heldout.jsonl")
        if t.round in (13, 14, 15)
        and t.label.startswith("loop:")
        and not any(_rules_fire(w) for w in _windows(t.messages))
    ]
    found = [t.id for t in missed_by_rules if any(detect_loop(w) for w in _windows(t.messages))]
    assert len(missed_by_rules) >= 20
    assert len(found) >= 5, found  # 10 before round 16 raised the measured margin
    for transcript in missed_by_rules:
        loop = next(
            (found for w in _windows(transcript.messages) if (found := detect_loop(w))), None
        )
        if loop is not None:
            assert loop.kind == "paraphrase" and "in new words (model" in loop.detail


def test_only_runs_without_news_and_with_few_shared_words_are_judged() -> None:
    def chat(*lines: str) -> tuple[Utterance, ...]:
        return tuple(
            Utterance(sequence=n, sender=line.split(": ")[0], content=line.split(": ", 1)[1])
            for n, line in enumerate(lines, start=1)
        )

    progress = chat(
        "tenant: The heating has been broken for five days. When will someone come?",
        "office: I've logged it as urgent; an engineer can come tomorrow between 8 and 12.",
        "tenant: I work mornings. Anything later?",
        "office: Thursday 2 to 6 pm is free with the same engineer, Dan from Warmline.",
        "tenant: Thursday works.",
        "office: Booked: Thursday 2-6 pm, reference RP-4471. I'll text you a reminder.",
    )
    assert window_features(progress) is None  # each answer brings a number or a name
    stalled = chat(
        "tenant: The heating has been broken for five days. Who is coming?",
        "office: Your repair request has been logged with maintenance.",
        "tenant: My kids are sleeping in coats.",
        "office: The job is waiting in the contractor's queue.",
        "tenant: That doesn't tell me anything.",
        "office: Maintenance is aware of the fault and will schedule a visit.",
    )
    values = window_features(stalled)
    assert values is not None and len(values) == len(FEATURES)


@pytest.mark.parametrize(
    ("feature", "direction"),
    [
        ("meaning_mean", 1),
        ("others_alike", 1),
        ("others_negate", 1),
        ("others_new_words", -1),
        ("reply_words", -1),
        ("rare_word", -1),
    ],
)
def test_the_model_is_monotone_where_it_was_constrained(feature: str, direction: int) -> None:
    # Closer meaning, the others saying the same again or negating can only raise the score;
    # the others bringing new words, a reply that takes up their words or a rare word only
    # lower it (the constraints keep a small corpus from teaching the opposite).
    index = FEATURES.index(feature)
    splits = sorted({split for f, split, _, _ in model().stumps if f == index})
    assert splits, f"no stump on {feature}"
    steps = [-1.0, *(s + 1e-9 for s in splits)]
    scores = [
        model().score([*[0.5] * index, x, *[0.5] * (len(FEATURES) - index - 1)]) for x in steps
    ]
    assert all(direction * (b - a) >= 0 for a, b in pairwise(scores))
    assert scores[-1] != scores[0]


def _lines(*lines: str) -> tuple[Utterance, ...]:
    return tuple(
        Utterance(sequence=n, sender=line.split(": ")[0], content=line.split(": ", 1)[1])
        for n, line in enumerate(lines, start=1)
    )


def _judged(messages: tuple[Utterance, ...]) -> list[bool]:
    """For each window past the gate: whether the model may judge it (not vetoed)."""
    windows = [messages[:end] for end in range(1, len(messages) + 1)]
    return [not vetoed(w, found) for w in windows if (found := gate(w)) is not None]


@pytest.mark.parametrize(
    ("drill", "side"),
    [
        (
            _lines(
                "profesora: Conjuga 'vivir' en pretérito indefinido, primera persona singular.",
                "alumno: Yo viví.",
                "profesora: Perfecto. Ahora 'comer', tercera persona plural.",
                "alumno: Ellos comieron.",
                "profesora: Perfecto. Ahora 'tener', segunda persona singular.",
                "alumno: Tú teniste.",
                "profesora: Cuidado: 'tener' es irregular en el pretérito. Entonces?",
                "alumno: Tú tuviste.",
                "profesora: Perfecto. Ahora 'decir', primera persona plural.",
            ),
            "profesora",
        ),
        (
            _lines(
                "trainerin: Bilde das Perfekt von 'gehen', erste Person Singular.",
                "schüler: Ich bin gegangen.",
                "trainerin: Prima. Jetzt 'essen', dritte Person Plural.",
                "schüler: Sie haben gegessen.",
                "trainerin: Prima. Jetzt 'fahren', zweite Person Singular.",
                "schüler: Du hast gefahren.",
                "trainerin: Achtung: 'fahren' bildet das Perfekt mit sein. Also?",
                "schüler: Du bist gefahren.",
                "trainerin: Prima. Jetzt 'schreiben', erste Person Plural.",
                "schüler: Wir haben geschrieben.",
            ),
            "schüler",
        ),
        (
            _lines(
                "maestra: Siguiente palabra: 'hierba'. ¿Cómo se escribe?",
                "alumna: H, i, e, r, b, a.",
                "maestra: Correcto. Siguiente palabra: 'vaca'.",
                "alumna: V, a, c, a.",
                "maestra: Correcto. Siguiente palabra: 'hueso'.",
                "alumna: U, e, s, o.",
                "maestra: Casi: 'hueso' lleva hache al principio.",
                "alumna: H, u, e, s, o.",
                "maestra: Correcto. Siguiente palabra: 'jirafa'.",
            ),
            "maestra",
        ),
    ],
    ids=["conjugation", "perfekt", "spelling"],
)
def test_the_model_never_judges_a_drill_whose_frame_carries_a_new_item(
    drill: tuple[Utterance, ...], side: str
) -> None:
    # Round 17 (blind): an Italian conjugation drill was cut by the model, the teacher's
    # "Perfetto. Adesso 'mangiare', …" read as a point restated. Either side of a drill moves:
    # a new item each time, answered shortly, each answer taking up the item put to it (the
    # spelled answers take up no word): ``side`` is the one whose windows pass the gate.
    judged = [
        not vetoed(drill[:end], found)
        for end in range(1, len(drill) + 1)
        if drill[end - 1].sender == side and (found := gate(drill[:end])) is not None
    ]
    assert judged and not any(judged)


def test_a_stonewall_answered_in_short_replies_is_still_judged() -> None:
    stonewall = _lines(
        "guest: My table for four tonight was booked under Haddad, reference T-5512.",
        "host: Sorry, I don't see that table anywhere.",
        "guest: Could you look it up by the reference T-5512?",
        "host: Nothing in the book matches those details.",
        "guest: I have the confirmation text on my phone, do you want to see it?",
        "host: Our list has no such booking tonight.",
    )
    assert _judged(stonewall)[-1]  # the host's three short refusals: no item, nothing taken up
