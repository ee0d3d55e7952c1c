"""Fork: a new conversation whose first N events are another's, continuing from there.

``fork`` copies the parent's events ``1..at`` (each keeps its original time in ``occurred_at``)
and appends ``ConversationForked`` (parent, point, replaced participants or stop rules), all in
one atomic append to a new stream: the child exists whole or not at all, and the parent is never
touched. The child is then an ordinary conversation: ``play_all``, ``aic join`` or a worker run
its participants from sequence ``at + 2`` on. A fork of a fork works the same way.

A fork is a conversation that goes on, so a point at which the parent had ended (its
``ConversationEnded``, or a verdict recorded after it) forks before that ending: the ending and
what was recorded about the ended conversation (its outcome, criteria, grade) stay the parent's.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aiconv.errors import ConfigError, ConversationNotFound
from aiconv.platform import codec
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState, fold
from aiconv.platform.events import (
    ConversationEnded,
    ConversationForked,
    ConversationStarted,
    Event,
    MessagePosted,
    ModeratorNoted,
    ParticipantSpec,
    PluginRef,
    StopConfig,
)
from aiconv.queues.log import ConversationLog, ListQuery

_NAMESPACE = uuid.UUID("5d0e8b1a-7c3f-4a62-b9e4-1f2a6c8d0e93")


def fork_id_for(run_id: str, parent_id: str, at: int) -> str:
    """A fork id derived from (run, parent, point): a rerun of a replay finds its forks."""
    return uuid.uuid5(_NAMESPACE, f"{run_id}/{parent_id}/{at}").hex


async def fork(
    conductor: Conductor,
    parent_id: str,
    *,
    at: int,
    participants: Mapping[str, ParticipantSpec] | None = None,
    stop: StopConfig | None = None,
    turn_policy: str | None = None,
    stamp: PluginRef | None = None,
    metadata: Mapping[str, Any] | None = None,
    conversation_id: str | None = None,
    by: str = "fork",
) -> ConversationState:
    """Create the fork of ``parent_id`` after its event ``at``; the child's state.

    ``participants`` replaces participants by name (a name cannot change: the history refers to
    it). A point where the parent had ended forks before its ending (the child's
    ``forked.at_sequence`` says where). ConfigError for a point outside the parent or an
    unknown name; ConversationNotFound for an unknown parent; SequenceConflict when
    ``conversation_id`` exists already.
    """
    recorded = _before_its_end(await _history(conductor.log, parent_id, at))
    at = recorded[-1].sequence
    parent = fold(parent_id, recorded)
    replaced = _participants(parent, participants or {})
    forked = ConversationForked(
        parent_id=parent_id,
        at_sequence=at,
        participants=replaced,
        stop=stop,
        turn_policy=turn_policy,
        stamp=stamp,
        by=by,
        metadata=dict(metadata or {}),
    )
    copies: list[Event] = [_timed(r.event, r.at) for r in recorded]
    child = ConversationState(conversation_id=conversation_id or uuid.uuid4().hex)
    return await conductor.append(child, [*copies, forked])


async def _history(log: ConversationLog, parent_id: str, at: int) -> list[codec.Recorded]:
    """The parent's events 1 to ``at``, decoded; ConversationNotFound, or ConfigError for a
    point outside it."""
    stored = await log.read(parent_id)
    if not stored:
        raise ConversationNotFound(parent_id)
    if not 1 <= at <= len(stored):
        raise ConfigError(
            f"--at {at} is outside conversation {parent_id}, which has events 1 to {len(stored)}"
        )
    return codec.decode_all(stored[:at])


def _before_its_end(recorded: list[codec.Recorded]) -> list[codec.Recorded]:
    """``recorded`` up to (not including) the ``ConversationEnded`` it is ended by, if it is:
    copied, that ending and the verdicts after it would show the child as ended and judged
    half-way through its own transcript, export and report."""
    if not fold(recorded[0].conversation_id, recorded).is_ended:
        return recorded
    last = max(i for i, r in enumerate(recorded) if isinstance(r.event, ConversationEnded))
    return recorded[:last]


def _participants(
    parent: ConversationState, replacements: Mapping[str, ParticipantSpec]
) -> tuple[ParticipantSpec, ...]:
    names = [p.name for p in parent.participants]
    unknown = sorted(set(replacements) - set(names))
    if unknown:
        raise ConfigError(
            f"{', '.join(unknown)} is not a participant of {parent.conversation_id}; "
            f"choose among: {', '.join(names)}"
        )
    if not replacements:
        return ()
    chosen = []
    for spec in parent.participants:
        new = replacements.get(spec.name)
        chosen.append(spec if new is None else replace(new, name=spec.name))
    return tuple(chosen)


def _timed(event: Event, at: float) -> Event:
    """``event`` with its original time kept (``occurred_at``) when it has such a field."""
    timed = ConversationStarted | MessagePosted | ModeratorNoted | ConversationEnded
    if isinstance(event, timed) and event.occurred_at is None:
        return replace(event, occurred_at=at)
    return event  # claims and the like are the parent's business; the fork clears claims


async def forks_of(log: ConversationLog, parent_id: str, *, limit: int = 100) -> list[str]:
    """The ids of the conversations forked from ``parent_id``, newest first."""
    entries = await log.list_conversations(ListQuery(tag=f"parent:{parent_id}", limit=limit))
    return [e.conversation_id for e in entries]
