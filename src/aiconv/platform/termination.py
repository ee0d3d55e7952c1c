"""Stop rules: pure functions of the state (and the time) that say whether to end, and why.

Each rule returns a ``StopReason`` or None; ``check`` runs the rules a conversation was started
with, in order, and returns the first reason. A normal end is this value, never an exception.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiconv.platform.conversation import ConversationState

StopRule = Callable[[ConversationState, float], "StopReason | None"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StopReason:
    """Why a conversation ends: a stable ``reason`` slug and a human ``detail``."""

    reason: str
    detail: str = ""


def has_end_token(content: str, token: str) -> bool:
    """Whether ``token`` stands alone on a line of ``content`` (never inside prose)."""
    if not token or token not in content:  # the common case, without a regular expression
        return False
    return _alone_on_a_line(token).search(content) is not None


@functools.lru_cache(maxsize=64)
def _alone_on_a_line(token: str) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*{re.escape(token)}[ \t]*$", re.MULTILINE)


def signal(state: ConversationState, now: float) -> StopReason | None:
    """The last message carries one of the conversation's stop signals on its own line."""
    if state.started is None or not state.messages or not state.started.stop.signals:
        return None
    last = state.messages[-1]
    if last.moderator:
        return None
    for stop in state.started.stop.signals:
        if (stop.sender in (None, last.sender)) and has_end_token(last.content, stop.token):
            return StopReason(reason=stop.reason, detail=f"{last.sender} wrote {stop.token}")
    return None


def max_turns(state: ConversationState, now: float) -> StopReason | None:
    """Total messages reached the limit."""
    limit = state.started.stop.max_turns if state.started else 0
    if limit and state.turns >= limit:
        return StopReason(reason="max_turns", detail=f"{state.turns} of {limit} messages")
    return None


def max_turns_per_participant(state: ConversationState, now: float) -> StopReason | None:
    """One participant reached its own message limit."""
    limit = state.started.stop.max_turns_per_participant if state.started else None
    if not limit:
        return None
    for name, turns in state.turns_by.items():
        if turns >= limit:
            return StopReason(
                reason="max_turns_per_participant", detail=f"{name} posted {turns} of {limit}"
            )
    return None


def end_token(state: ConversationState, now: float) -> StopReason | None:
    """The last message carries the end token on its own line."""
    if state.started is None or not state.messages:
        return None
    last = state.messages[-1]
    if not last.moderator and has_end_token(last.content, state.started.stop.end_token):
        return StopReason(reason="end_token", detail=f"{last.sender} wrote the end token")
    return None


def wall_clock(state: ConversationState, now: float) -> StopReason | None:
    """The conversation has run longer than its timeout."""
    limit = state.started.stop.timeout_s if state.started else None
    if limit is None:
        return None
    elapsed = now - state.started_at
    if elapsed >= limit:
        return StopReason(
            reason="timeout",
            detail=f"ran {elapsed:.1f}s of {limit:g}s ({elapsed - limit:.1f}s over)",
        )
    return None


def token_budget(state: ConversationState, now: float) -> StopReason | None:
    """Tokens used reached the budget; the detail says how far the last call went over."""
    limit = state.started.stop.max_tokens if state.started else None
    if limit is None or state.total_tokens < limit:
        return None
    over = state.total_tokens - limit
    return StopReason(
        reason="token_budget", detail=f"{state.total_tokens} of {limit} tokens ({over} over)"
    )


def cost_budget(state: ConversationState, now: float) -> StopReason | None:
    """Cost reached the budget; the detail says how far the last call went over."""
    limit = state.started.stop.max_cost_usd if state.started else None
    if limit is None or state.cost_usd < limit:
        return None
    over = state.cost_usd - limit
    return StopReason(
        reason="cost_budget", detail=f"${state.cost_usd:.6f} of ${limit:g} (${over:.6f} over)"
    )


DEFAULT_RULES: tuple[StopRule, ...] = (
    signal,
    end_token,
    max_turns,
    max_turns_per_participant,
    token_budget,
    cost_budget,
    wall_clock,
)


def check(
    state: ConversationState, now: float, rules: Sequence[StopRule] = DEFAULT_RULES
) -> StopReason | None:
    """The first rule that says stop, or None."""
    for rule in rules:
        reason = rule(state, now)
        if reason is not None:
            return reason
    return None
