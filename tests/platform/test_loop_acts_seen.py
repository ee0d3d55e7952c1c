"""``seen``, which keeps the facts of each prefix of the window it was last asked about, says
what the union of its messages' facts says, whatever the order it is asked in."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from aiconv.platform.loop_acts import seen
from aiconv.platform.loop_types import Utterance
from aiconv.platform.wording import features

pytestmark = pytest.mark.timeout(120)

_DATA = Path(__file__).resolve().parent.parent / "data"


def _transcripts() -> list[tuple[Utterance, ...]]:
    out = []
    for name in ("detection_corpus.jsonl", "detection_heldout.jsonl"):
        for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
            messages = json.loads(line)["messages"]
            out.append(
                tuple(
                    Utterance(sequence=n, sender=m["sender"], content=m["content"])
                    for n, m in enumerate(messages, start=1)
                )
            )
    return out


def test_the_facts_seen_are_the_union_of_every_message_asked_about_in_any_order() -> None:
    """Every window of 8 of every corpus transcript: each of its prefixes, one sender's
    messages and the window of another transcript, asked in a shuffled order, against the
    union made anew."""
    rng = random.Random(17)
    transcripts = _transcripts()
    asked = 0
    for said in transcripts:
        for end in range(1, len(said) + 1):
            window = said[max(0, end - 8) : end]
            other = rng.choice(transcripts)
            lists: list[list[Utterance]] = [list(window[:n]) for n in range(len(window) + 1)]
            lists += [[u for u in window if u.sender == window[-1].sender], list(other[:4])]
            lists += rng.sample(lists, 3)
            rng.shuffle(lists)
            for history in lists:
                expected = frozenset().union(*(features(u.content).facts for u in history))
                assert seen(history) == expected
                asked += 1
    assert asked > 100_000, asked
