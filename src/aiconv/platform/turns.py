"""Turn policies: who speaks next, derived from the state alone (pure).

``round_robin`` (the default) follows the last sender: with two participants they alternate,
with more the next in speaking order speaks. ``addressed`` lets a message hand the turn to a
participant it addresses (``@name`` or ``name:`` at the start of a line), else falls back to
round robin. ``scheduled`` is round robin in which a participant may speak again right after
itself (a customer double-texting, an agent taking several steps), by a coin seeded from the
conversation so every process decides the same. Further policies register by name in
``POLICIES``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping

from aiconv.errors import ConfigError
from aiconv.platform.conversation import ConversationState

TurnPolicy = Callable[[ConversationState], str | None]


def round_robin(state: ConversationState) -> str | None:
    """The participant after the last sender in speaking order; the first speaker to open."""
    if state.started is None or state.is_ended:
        return None
    names = [p.name for p in state.participants]
    last = state.last_sender
    if last is None:
        return state.started.first_speaker
    return names[(names.index(last) + 1) % len(names)]


def addressed(state: ConversationState) -> str | None:
    """The participant the last message addresses by name, else ``round_robin``."""
    fallback = round_robin(state)
    if fallback is None or not state.messages:
        return fallback
    last = state.messages[-1]
    for spec in state.participants:
        if spec.name == last.sender:
            continue
        name = re.escape(spec.name)
        if re.search(rf"(?:^|\s)@{name}\b|^{name}\s*[:,]", last.content, re.IGNORECASE | re.M):
            return spec.name
    return fallback


def scheduled(state: ConversationState) -> str | None:
    """``round_robin``, but the last sender may go again.

    ``metadata["turns"][name]`` holds ``again`` (the probability of another message right after
    one's own, 0..1) and ``max_streak`` (the most messages in a row, default 1). The coin is
    seeded from the seed and the number of messages so far (and the conversation id when
    there is no seed): deterministic, and alike for two conversations with one seed, so a
    simulation's repetition plays out alike in two runs (paired comparisons, cache replay),
    interrupted and resumed or not (the events a resumption adds are not messages).
    """
    fallback = round_robin(state)
    if fallback is None or not state.messages or state.messages[-1].moderator:
        return fallback
    assert state.started is not None
    last = state.messages[-1]
    rules = state.started.metadata.get("turns")
    rule = rules.get(last.sender) if isinstance(rules, Mapping) else None
    if not isinstance(rule, Mapping):
        return fallback
    streak = 0
    for message in reversed(state.messages):
        if message.moderator or message.sender != last.sender:
            break
        streak += 1
    if streak >= int(rule.get("max_streak", 1)):
        return fallback
    seed = state.started.seed
    place = len(state.messages)  # not the event sequence: an interruption adds events
    coin = random.Random(
        f"{seed}|{place}" if seed is not None else f"{state.conversation_id}|{place}"
    )
    return last.sender if coin.random() < float(rule.get("again", 0.0)) else fallback


POLICIES: dict[str, TurnPolicy] = {
    "round_robin": round_robin,
    "addressed": addressed,
    "scheduled": scheduled,
}


def resolve_policy(name: str) -> TurnPolicy:
    """The policy called ``name``."""
    try:
        return POLICIES[name]
    except KeyError:
        valid = ", ".join(sorted(POLICIES))
        raise ConfigError(f"unknown turn policy {name!r}; choose one of: {valid}") from None


def next_speaker(state: ConversationState) -> str | None:
    """Who speaks next under the conversation's own policy; None once it has ended."""
    if state.started is None:
        return None
    return resolve_policy(state.started.turn_policy)(state)


def may_speak(state: ConversationState, name: str, now: float) -> bool:
    """Whether ``name`` may claim the next turn at ``now``: it is next, and no live claim holds
    the turn."""
    if next_speaker(state) != name:
        return False
    return state.claim is None or not state.claim.is_live(now)


#: The longest a waiting seat sleeps without news (a backstop: appends wake it).
IDLE_WAKE_S = 30.0


def wake_after(state: ConversationState, now: float) -> float:
    """How long a seat that may not speak waits for news before looking again: until the live
    claim's lease or the conversation's timeout runs out, at most ``IDLE_WAKE_S``."""
    assert state.started is not None
    deadlines = [IDLE_WAKE_S]
    if state.claim is not None:
        deadlines.append(state.claim.lease_expires_at - now)
    if state.started.stop.timeout_s is not None:
        deadlines.append(state.started_at + state.started.stop.timeout_s - now)
    return max(0.001, min(deadlines))
