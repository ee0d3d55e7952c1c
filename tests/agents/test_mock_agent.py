"""The offline ``mock`` agent in real conversations: it keeps varying for thousands of messages
(no loop detected, no near-duplicate), stays seeded, and follows the topic and the persona."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from rapidfuzz.distance import Indel

import aiconv
from aiconv.platform.conversation import ConversationState


async def converse(
    turns: int,
    *,
    agent: str = "mock:turns=0",
    topic: str = "Is a hot dog a sandwich?",
    seed: int = 7,
    persona: str | None = None,
) -> ConversationState:
    """A two-seat mock conversation in memory, with the default stop rules (loops end it)."""
    seats = [aiconv.Participant("alice", agent, persona=persona), aiconv.Participant("bob", agent)]
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log, seats, topic, stop=aiconv.StopConfig(max_turns=turns), seed=seed
        )
    return result.state


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _sentences(text: str) -> set[str]:
    return {s for s in (_normal(p) for p in re.split(r"(?<=[.?!])\s+", text)) if len(s) > 20}


def _close_pairs(texts: list[str]) -> set[tuple[int, int]]:
    """Pairs worth comparing in full: within 100 messages, or sharing a whole sentence."""
    pairs = {(a, b) for b in range(len(texts)) for a in range(max(0, b - 100), b)}
    holders: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(texts):
        for sentence in _sentences(text):
            holders[sentence].append(index)
    for indexes in holders.values():
        pairs.update((a, b) for a in indexes for b in indexes if a < b)
    return pairs


@pytest.mark.timeout(600)
async def test_five_thousand_mock_messages_never_loop_nor_nearly_repeat() -> None:
    state = await converse(5000)
    assert state.ended is not None
    assert (state.ended.reason, state.turns) == ("max_turns", 5000)
    assert state.loops == ()
    texts = [m.content for m in state.messages]
    assert len({_normal(t) for t in texts}) == len(texts)  # no two alike, punctuation aside
    close = [
        (a, b)
        for a, b in _close_pairs(texts)
        if Indel.normalized_similarity(texts[a], texts[b], score_cutoff=0.85)
    ]
    assert close == []


async def test_the_same_seed_gives_the_same_conversation_and_another_seed_another() -> None:
    first = [m.content for m in (await converse(30)).messages]
    again = [m.content for m in (await converse(30)).messages]
    other = [m.content for m in (await converse(30, seed=8)).messages]
    assert first == again
    assert first != other


async def test_the_mock_ends_after_its_turns_even_beyond_the_prompt_window() -> None:
    # The prompt keeps the newest 60 messages; the mock must still count all its own turns.
    state = await converse(200, agent="mock:turns=45")
    assert state.ended is not None
    assert (state.ended.reason, state.turns) == ("end_token", 89)


async def test_replies_follow_the_topic_and_the_persona() -> None:
    state = await converse(
        40, topic="Should cities ban cars from their centres?", persona="hurried"
    )
    alice = [m.content for m in state.messages if m.sender == "alice"]
    bob = [m.content for m in state.messages if m.sender == "bob"]
    assert "Should cities ban cars from their centres?" in alice[0]
    replies = alice[1:] + bob
    assert sum(bool(re.search(r"\b(cities|cars|centres)\b", t)) for t in replies) >= 10
    assert sum(len(t) for t in alice[1:]) < 0.7 * sum(len(t) for t in bob[1:])  # hurried: brief
    described = await converse(12, persona="You are a frustrated customer. Traits: impatient.")
    opening = {"Honestly,", "Look,", "I've", "Frankly,", "This"}
    replies = [m.content for m in described.messages if m.sender == "alice"]
    assert all(text.split()[0] in opening for text in replies)
