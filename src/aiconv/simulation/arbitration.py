"""Distributed outcomes: participants propose outcomes as they talk, a rule decides.

A participant proposes by writing ``OUTCOME: <slug> [confidence]`` alone on a line (the system
prompt tells it how). Every proposal is recorded as ``OutcomeProposed``; each participant's
latest proposal is its vote. The rules:

* ``majority`` — an outcome wins when more than half of all participants vote for it (with two
  participants: both agree);
* ``agent_weighted`` — votes weigh ``weights[name]`` (default: 2 for the agent role, 1 for
  others); an outcome wins with more than half of the total weight of all participants;
* ``highest_confidence`` — the most confident vote wins once it reaches ``min_confidence``.

``OutcomeReferee`` runs the platform's referee and then this arbitration after each message, so
the proposal, the ``OutcomeDecided`` and (with ``stop``) the end are appended atomically with the
message that caused them. It is pure: the votes are re-read from the messages each time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from aiconv.errors import ScenarioError
from aiconv.platform import referee
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import (
    ConversationStarted,
    Event,
    OutcomeDecided,
    OutcomeProposed,
    PluginRef,
)
from aiconv.platform.referee import Verdict
from aiconv.platform.termination import StopReason
from aiconv.simulation.intents import AGENT
from aiconv.simulation.outcomes import Judgement

_MARKER = re.compile(
    r"^[ \t]*OUTCOME:[ \t]*([a-z][a-z0-9_]*)(?:[ \t]+\(?([01](?:\.\d+)?)\)?)?[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Vote:
    """One participant's latest proposal."""

    by: str
    outcome: str
    confidence: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Arbitration:
    """Which rule decides, with what weights and threshold, and whether a decision ends it."""

    rule: str = "majority"
    weights: Mapping[str, float] = field(default_factory=dict)
    min_confidence: float = 0.8
    stop: bool = True

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ScenarioError(
                f"unknown arbitration rule {self.rule!r}; choose one of: {', '.join(RULES)}"
            )


def parse_proposal(content: str) -> tuple[str, float] | None:
    """The last ``OUTCOME: slug [confidence]`` line of ``content``, lowercased."""
    found = _MARKER.findall(content)
    if not found:
        return None
    slug, confidence = found[-1]
    return slug.lower(), float(confidence) if confidence else 1.0


def votes_of(state: ConversationState, slugs: Sequence[str]) -> list[Vote]:
    """Each participant's latest valid proposal, in the order they were made."""
    latest: dict[str, Vote] = {}
    for message in state.messages:
        proposal = None if message.moderator else parse_proposal(message.content)
        if proposal is not None and proposal[0] in slugs:
            latest.pop(message.sender, None)
            latest[message.sender] = Vote(
                by=message.sender, outcome=proposal[0], confidence=proposal[1]
            )
    return list(latest.values())


def majority(
    votes: Sequence[Vote], weights: Mapping[str, float], config: Arbitration
) -> Judgement | None:
    """More than half of all participants vote for one outcome."""
    return _weighted(votes, {name: 1.0 for name in weights}, "majority")


def agent_weighted(
    votes: Sequence[Vote], weights: Mapping[str, float], config: Arbitration
) -> Judgement | None:
    """More than half of the participants' total weight votes for one outcome."""
    return _weighted(votes, weights, "agent_weighted")


def highest_confidence(
    votes: Sequence[Vote], weights: Mapping[str, float], config: Arbitration
) -> Judgement | None:
    """The most confident vote, once it reaches the threshold (the earliest wins a tie)."""
    if not votes:
        return None
    best = max(votes, key=lambda v: v.confidence)
    if best.confidence < config.min_confidence:
        return None
    return Judgement(
        outcome=best.outcome,
        by="highest_confidence",
        confidence=best.confidence,
        rationale=f"{best.by} proposed {best.outcome} with confidence {best.confidence:g}",
    )


def _weighted(votes: Sequence[Vote], weights: Mapping[str, float], rule: str) -> Judgement | None:
    total = sum(weights.values())
    tally: dict[str, float] = {}
    for vote in votes:
        tally[vote.outcome] = tally.get(vote.outcome, 0.0) + weights.get(vote.by, 0.0)
    for outcome, weight in tally.items():
        if total > 0 and weight * 2 > total:
            backers = [v for v in votes if v.outcome == outcome]
            confidence = sum(v.confidence for v in backers) / len(backers)
            names = ", ".join(v.by for v in backers)
            return Judgement(
                outcome=outcome,
                by=rule,
                confidence=round(confidence, 4),
                rationale=f"{names} voted {outcome} ({weight:g} of {total:g})",
            )
    return None


Rule = Callable[[Sequence[Vote], Mapping[str, float], Arbitration], Judgement | None]
RULES: dict[str, Rule] = {
    "majority": majority,
    "agent_weighted": agent_weighted,
    "highest_confidence": highest_confidence,
}


def seat_weights(state: ConversationState, config: Arbitration) -> dict[str, float]:
    """Every participant's weight: configured, else 2 for the agent role and 1 for others."""
    return {
        p.name: config.weights.get(p.name, 2.0 if p.role == AGENT else 1.0)
        for p in state.participants
    }


def arbitrate(
    state: ConversationState, slugs: Sequence[str], config: Arbitration
) -> Judgement | None:
    """The decision the votes in ``state`` reach under ``config``, if any."""
    return RULES[config.rule](votes_of(state, slugs), seat_weights(state, config), config)


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeReferee:
    """A conductor ``judge``: the platform referee, then proposals and arbitration."""

    slugs: tuple[str, ...]
    config: Arbitration
    base: Callable[[ConversationState, float], Verdict] = referee.judge

    def __call__(self, state: ConversationState, now: float) -> Verdict:
        """The verdict on ``state``, whose last message was just posted."""
        verdict = self.base(state, now)
        last = state.messages[-1] if state.messages else None
        proposal = None if last is None or last.moderator else parse_proposal(last.content)
        if last is None or proposal is None or proposal[0] not in self.slugs:
            return verdict
        events: list[Event] = [
            *verdict.events,
            OutcomeProposed(outcome=proposal[0], by=last.sender, confidence=proposal[1]),
        ]
        decided = None if state.outcome is not None else arbitrate(state, self.slugs, self.config)
        if decided is None:
            return Verdict(events=tuple(events), stop=verdict.stop)
        events.append(_decided(decided))
        stop = verdict.stop
        if self.config.stop:
            stop = StopReason(reason="outcome", detail=f"{decided.outcome} ({decided.rationale})")
        return Verdict(events=tuple(events), stop=stop)


def _decided(judgement: Judgement) -> OutcomeDecided:
    return OutcomeDecided(
        outcome=judgement.outcome,
        by=judgement.by,
        confidence=judgement.confidence,
        rationale=judgement.rationale,
    )


#: The name of the judge below among the ``aiconv.judges`` plugins.
OUTCOME_JUDGE = "outcomes"


def outcome_judge(started: ConversationStarted) -> OutcomeReferee:
    """The judge of a simulated conversation, rebuilt from what it was started with (the
    ``outcomes`` entry point of ``aiconv.judges``)."""
    assert started.judge is not None
    config = started.judge.config
    return OutcomeReferee(
        slugs=tuple(config["outcomes"]), config=Arbitration(**config["arbitration"])
    )


def arbitration_judge(slugs: tuple[str, ...], config: Arbitration) -> PluginRef:
    """What a conversation records so that any process can arbitrate it (see ``outcome_judge``)."""
    settings = {**asdict(config), "weights": dict(config.weights)}
    return PluginRef(name=OUTCOME_JUDGE, config={"outcomes": list(slugs), "arbitration": settings})
