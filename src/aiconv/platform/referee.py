"""The referee: after each message, which extra events to record and whether to stop (pure).

It combines, in order, the stop rules (``termination``: end token, turn limits, budgets, wall
clock), closing detection (``closing``: by default both sides must close) and loop detection
(``loops``), under the policies the conversation was started with (``StopConfig``): a loop either
ends the conversation (``loop_policy="end"``) or is first answered by a moderator nudge
(``"nudge"``) and ends it only when detected again; ``"off"`` disables it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiconv.errors import ConfigError
from aiconv.platform import slot_writers, termination
from aiconv.platform.closing import DEFAULT_CLOSING_PHRASES, closing_agreed
from aiconv.platform.conversation import ConversationState, Message
from aiconv.platform.events import (
    ConversationStarted,
    Event,
    LoopDetected,
    MessagePosted,
    ModeratorNoted,
    StopConfig,
)
from aiconv.platform.loops import LoopConfig, Utterance, detect_loop
from aiconv.platform.termination import StopReason
from aiconv.plugins import PluginGroup

T = TypeVar("T")

NUDGE = (
    "We seem to be going in circles. Please move the conversation forward with something new, "
    "or bring it to a close."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """Events to append with the message, and the reason to stop (if any)."""

    events: tuple[Event, ...] = ()
    stop: StopReason | None = None


#: Nothing to add and no reason to stop: the verdict on most messages (frozen: one will do).
_CARRY_ON = Verdict()
#: The default thresholds, made once (frozen) rather than for every message judged.
_LOOPS = LoopConfig()


#: An ``Utterance`` of a ``Message`` (the window is made again for every message judged).
_utterance_of = slot_writers.converter(Utterance, (), Message)


def recent_utterances(state: ConversationState, window: int) -> list[Utterance]:
    """Participant messages since the last moderator note, at most ``window`` of them."""
    found: list[Utterance] = []
    for message in reversed(state.messages):
        if message.moderator or len(found) >= window:
            break
        found.append(_utterance_of(message))
    return found[::-1]


def judge(state: ConversationState, now: float, loops: LoopConfig | None = None) -> Verdict:
    """The verdict on ``state``, whose last message was just posted."""
    assert state.started is not None
    stop = termination.check(state, now)
    if stop is not None:
        return Verdict(stop=stop)
    config = state.started.stop
    loops = loops or _LOOPS
    history = recent_utterances(state, max(loops.window, 2) if loops.window else 64)
    closing = _closing(history, config, first=state.turns - len(history) + 1)
    if closing is not None:
        return Verdict(stop=closing)
    if config.loop_policy == "off":
        return _CARRY_ON
    return _loop_verdict(state, history, loops)


def _closing(history: list[Utterance], config: StopConfig, *, first: int) -> StopReason | None:
    """``first``: which participant message of the conversation ``history[0]`` is (the
    closing checks count messages, and a log's sequences count every event)."""
    if config.closing == "off":
        return None
    phrases = config.closing_phrases or DEFAULT_CLOSING_PHRASES
    agreed = closing_agreed(history, phrases, policy=config.closing, first=first)
    if agreed is None:
        return None
    senders = sorted({u.sender for u in history if u.sequence in agreed})
    return StopReason(reason="closing", detail=f"{' and '.join(senders)} said goodbye")


def _loop_verdict(
    state: ConversationState, history: list[Utterance], config: LoopConfig
) -> Verdict:
    loop = detect_loop(history, config)
    if loop is None:
        return _CARRY_ON
    detected = LoopDetected(
        loop_kind=loop.kind,
        score=round(loop.score, 4),
        sequences=loop.sequences,
        detail=loop.detail,
    )
    assert state.started is not None
    if state.started.stop.loop_policy == "nudge" and not state.loops:
        return Verdict(events=(detected, ModeratorNoted(content=NUDGE, reason="loop")))
    return Verdict(
        events=(detected,),
        stop=StopReason(
            reason="loop", detail=f"{loop.kind} (score {loop.score:.2f}): {loop.detail}"
        ),
    )


#: A judge: the verdict on a state whose last message was just posted.
Judge = Callable[[ConversationState, float], Verdict]
#: Builds the judge of one conversation from how it was started (its ``judge.config``).
JudgeFactory = Callable[[ConversationStarted], Judge]
#: Rewrites a message before it is posted (e.g. sets ``simulated_at``), given the state before.
MessageStamp = Callable[[ConversationState, MessagePosted], MessagePosted]
#: Builds the stamp of one conversation from how it was started (its ``stamp.config``).
StampFactory = Callable[[ConversationStarted], MessageStamp]


def _factory(kind: str) -> Callable[[str, Any], Any]:
    def check(name: str, declared: Any) -> Any:
        if not callable(declared):
            raise ConfigError(f"{kind} plugin {name!r} must name a factory function")
        return declared

    return check


#: Judges by name (``aiconv.judges`` entry points), e.g. ``outcomes`` from aiconv.simulation.
JUDGES: PluginGroup[JudgeFactory] = PluginGroup("aiconv.judges", _factory("judge"))
#: Stamps by name (``aiconv.stamps`` entry points), e.g. ``simulated_time``.
STAMPS: PluginGroup[StampFactory] = PluginGroup("aiconv.stamps", _factory("stamp"))


def judge_for(started: ConversationStarted) -> Judge:
    """The judge a conversation was started with (the plain ``judge`` unless it names one).

    The name is recorded in ``ConversationStarted``, so every process that runs a turn of the
    conversation (a worker, ``aic join``) finds the same plugin through its entry point.
    """
    if started.judge is None:
        return judge
    return _plugin(JUDGES, "judge", started.judge.name)(started)


def stamp_for(started: ConversationStarted) -> MessageStamp | None:
    """The stamp a conversation was started with, or None."""
    if started.stamp is None:
        return None
    return _plugin(STAMPS, "stamp", started.stamp.name)(started)


def _plugin(group: PluginGroup[T], kind: str, name: str) -> T:
    if name not in group:
        known = ", ".join(group.names()) or "none installed"
        raise ConfigError(
            f"this conversation is run with the {kind} {name!r}, which is not installed here "
            f"({known}); install the package that provides it"
        )
    return group.get(name)
