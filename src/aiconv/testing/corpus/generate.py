"""Generate labelled transcripts from template families, reproducibly.

``generate("train", seed=5)`` runs every template of the family ``count`` times, each with its
own random seeded from (family, seed, template, index), and gives ``Transcript`` values with
ids like ``g5-train-quiz_restates-2``. A draft that shares more than one long line with an
earlier one is redrawn, so the templates cannot inflate a corpus with near-copies.

Families are kept apart on purpose: ``train`` is what the detector may be tuned on,
``heldout`` was written separately and only measured (see the package docstring).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from aiconv.platform.loops import Utterance
from aiconv.testing.corpus import heldout_healthy, heldout_loops, train_loops, train_negatives
from aiconv.testing.corpus.draft import Draft, Template
from aiconv.testing.corpus.scoring import Transcript

FAMILIES: dict[str, tuple[Template, ...]] = {
    "train": train_negatives.TEMPLATES + train_loops.TEMPLATES,
    "heldout": heldout_healthy.TEMPLATES + heldout_loops.TEMPLATES,
}
_LONG = 30  # lines at least this long must not recur across transcripts (pleasantries may)
_ATTEMPTS = 20


def _long_lines(draft: Draft) -> set[str]:
    return {content for _, content in draft.messages if len(content) >= _LONG}


def _fresh_draft(
    template: Template, key: str, seen: list[set[str]]
) -> tuple[Draft, set[str]] | None:
    for attempt in range(_ATTEMPTS):
        draft = template(random.Random(f"{key}|{attempt}"))
        lines = _long_lines(draft)
        if all(len(lines & other) <= 1 for other in seen):
            return draft, lines
    return None


def generate(
    family: str, *, seed: int, count: int = 3, round_: int | None = None
) -> tuple[Transcript, ...]:
    """``count`` transcripts from every template of ``family`` (fewer if it runs out of
    variety); ``round_`` (default: ``seed``) is recorded as the transcripts' round."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(sorted(FAMILIES))}")
    written = seed if round_ is None else round_
    seen: list[set[str]] = []
    transcripts = []
    for template in FAMILIES[family]:
        name = template.__name__
        for index in range(count):
            found = _fresh_draft(template, f"{family}|{seed}|{name}|{index}", seen)
            if found is None:
                continue
            draft, lines = found
            seen.append(lines)
            transcripts.append(_transcript(f"g{written}-{family}-{name}-{index}", draft, written))
    return tuple(transcripts)


def _transcript(id_: str, draft: Draft, written: int) -> Transcript:
    messages: Sequence[Utterance] = [
        Utterance(sequence=number, sender=sender, content=content)
        for number, (sender, content) in enumerate(draft.messages, start=1)
    ]
    return Transcript(
        id=id_, label=draft.label, note=draft.note, messages=tuple(messages), round=written
    )
