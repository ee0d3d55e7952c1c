"""One row per conversation of a run, read from the log alone (every conversation tagged with the
run id): what reports, gates and comparisons are computed from.

``collect`` reads a run (optionally one agent of a matrix run, ``RUN/label``) and folds each
conversation into a ``Row``: conversation by conversation when the run is a small part of the
log, else in one scan of the log in global order (a hundred reads instead of ten thousand).
Conversations that have not finished (never ended, or interrupted) are ``finished=False``;
conversations that failed (provider errors) have no outcome and count as failures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiconv.errors import ConfigError
from aiconv.platform import codec, session
from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState, evolve
from aiconv.platform.events import ToolCalled, ToolReturned
from aiconv.queues.log import ConversationLog, ListQuery
from aiconv.simulation.variants import safe_label
from aiconv.voice.projection import utterances_of
from aiconv.voice.timeline import measure

FAILED = "(failed)"
#: Conversations read concurrently while collecting a run conversation by conversation.
_READ_AHEAD = 64
#: Events per read while scanning the whole log.
_SCAN_PAGE = 5000


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One conversation of the run, as reports see it."""

    conversation_id: str
    scenario: str
    persona: str
    intent: str
    repetition: int
    outcome: str | None
    success: bool
    finished: bool
    confidence: float | None = None
    decided_by: str | None = None
    rationale: str = ""
    turns: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    latencies: tuple[float, ...] = ()
    loops: int = 0
    end_reason: str | None = None
    #: The agent under test: its label in a matrix run (else its agent id) and its agent id.
    agent: str = ""
    agent_id: str = ""
    task: str | None = None
    suite_hash: str | None = None
    scenario_hash: str | None = None
    #: Conversations the run planned for this agent (cells × repetitions), when recorded.
    planned: int | None = None
    #: Latencies of the agent under test's own replies, cache hits left out.
    agent_latencies: tuple[float, ...] = ()
    #: Model replies served by the response cache (messages and tool rounds) and what they saved.
    cached_messages: int = 0
    saved_usd: float = 0.0
    #: Per-criterion results (criterion -> passed), from criterion events once tasks grade them.
    criteria: Mapping[str, bool] = field(default_factory=dict)
    #: The conversation's voice metrics (``VoiceMetrics.as_dict``), when it was a voice call.
    voice: Mapping[str, Any] | None = None
    #: The criteria that failed, with their evidence (e.g. the state difference).
    failed_criteria: tuple[tuple[str, str], ...] = ()
    #: What the agents did: ``speaker: tool(arguments) -> outcome`` in order.
    trajectory: tuple[str, ...] = ()
    #: The task judge's rubric scores (dimension -> 1–5), when a judge scored the conversation.
    scores: Mapping[str, float] = field(default_factory=dict)
    #: Why a configured judge left the conversation unjudged (its answers were invalid), or "".
    unjudged: str = ""
    #: What judging the outcome cost (a model judge's calls; not in ``cost_usd``): its model
    #: ("" when no model judged), tokens and dollars.
    judge_model: str = ""
    judge_tokens: int = 0
    judge_cost_usd: float = 0.0

    @property
    def cell(self) -> str:
        """``persona/intent`` (or ``persona/task`` for task suites)."""
        return f"{self.persona}/{self.task or self.intent}"

    @property
    def label(self) -> str:
        """The outcome, or ``(failed)``."""
        return self.outcome or FAILED

    @property
    def list_cost_usd(self) -> float:
        """What the conversation costs without the cache: paid plus saved."""
        return self.cost_usd + self.saved_usd


def row_of(state: ConversationState, voice: Mapping[str, Any] | None = None) -> Row:
    """The report row of one conversation (``voice``: its voice metrics, if any)."""
    assert state.started is not None
    meta = state.started.metadata
    outcome, ended = state.outcome, state.ended
    successes = set(meta.get("successes") or ())
    # replies served by the response cache: messages, and the model calls that asked for tools
    hits = [m.saved_usd for m in state.messages if m.cached] + [
        t.called.saved_usd for t in state.tools if t.called.cached
    ]
    agents = {p.name for p in state.participants if p.role == "agent"}
    return Row(
        conversation_id=state.conversation_id,
        **_trial(state),
        outcome=outcome.outcome if outcome else None,
        success=outcome is not None and outcome.outcome in successes,
        finished=ended is not None and ended.reason != "interrupted",
        confidence=outcome.confidence if outcome else None,
        decided_by=outcome.by if outcome else None,
        rationale=outcome.rationale if outcome else (ended.detail if ended else ""),
        turns=state.turns,
        tokens=state.total_tokens,
        cost_usd=state.cost_usd,
        latencies=tuple(m.latency_s for m in state.messages if not m.moderator),
        loops=len(state.loops),
        end_reason=ended.reason if ended else None,
        agent_latencies=tuple(
            m.latency_s for m in state.messages if m.sender in agents and not m.cached
        ),
        cached_messages=len(hits),
        saved_usd=sum(saved or 0.0 for saved in hits),
        voice=voice,
        criteria={c.criterion: c.passed for c in state.criteria if c.passed is not None},
        failed_criteria=tuple(
            (c.criterion, c.evidence) for c in state.criteria if c.passed is False
        ),
        trajectory=tuple(_step(t.called, t.returned) for t in state.tools),
        scores=_rubric_scores(state),
        unjudged=_unjudged(state),
        judge_model=outcome.model if outcome else "",
        judge_tokens=outcome.input_tokens + outcome.output_tokens if outcome else 0,
        judge_cost_usd=(outcome.cost_usd or 0.0) if outcome else 0.0,
    )


def _trial(state: ConversationState) -> dict[str, Any]:
    """Which trial of which run the conversation is: the ``Row`` fields read from the
    metadata the casting recorded (scenario, cell, repetition, agent, hashes)."""
    assert state.started is not None
    meta = state.started.metadata
    agent_id = next((p.agent for p in state.participants if p.role == "agent"), "")
    planned = meta.get("planned")
    return {
        "scenario": str(meta.get("scenario", "")),
        "persona": str(meta.get("persona", "?")),
        "intent": str(meta.get("intent", "?")),
        "repetition": int(meta.get("repetition", 0)),
        "agent": str(meta.get("agent_label") or agent_id),
        "agent_id": agent_id,
        "task": str(meta["task"]) if meta.get("task") else None,
        "suite_hash": _text(meta.get("suite_hash")),
        "scenario_hash": _text(meta.get("scenario_hash")),
        "planned": int(planned) if isinstance(planned, int) else None,
    }


def _rubric_scores(state: ConversationState) -> dict[str, float]:
    return {
        c.criterion.removeprefix("rubric:"): c.score
        for c in state.criteria
        if c.kind == "rubric" and c.score is not None
    }


def _unjudged(state: ConversationState) -> str:
    """The evidence of a judge's criterion it gave no verdict nor score (an invalid answer)."""
    return next(
        (
            c.evidence
            for c in state.criteria
            if c.by == "judge" and c.passed is None and c.score is None
        ),
        "",
    )


def _step(called: ToolCalled, returned: ToolReturned | None) -> str:
    arguments = ", ".join(f"{k}={v!r}" for k, v in called.arguments.items())
    outcome = returned.outcome if returned is not None else "pending"
    return f"{called.speaker}: {called.tool}({arguments}) -> {outcome}"


def _voice_of(state: ConversationState, events: list[Recorded]) -> dict[str, Any] | None:
    """The voice metrics of a voice call (None for a text conversation)."""
    if state.started is None or "voice" not in state.started.metadata:
        return None
    utterances = utterances_of(events)
    return measure(utterances).as_dict() if utterances else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


async def collect(log: ConversationLog, run_id: str, agent: str | None = None) -> list[Row]:
    """Every conversation of ``run_id`` (of one agent when given), in a stable order;
    ConfigError when there is none."""
    ids = await _run_ids(log, run_id)
    if not ids:
        raise ConfigError(f"no conversations with run id {run_id!r} (see `aic ls --run-id`)")
    if len(ids) * 2 >= await log.count_conversations():
        loaded = await _scan(log, ids)
    else:
        loaded = await _load_each(log, ids)
    rows = [
        row_of(state, _voice_of(state, events))
        for state, events in loaded
        if state.started is not None
    ]
    if agent is not None:
        rows = _of_agent(rows, run_id, agent)
    return sorted(rows, key=lambda r: (r.agent, r.repetition, r.persona, r.task or r.intent))


def _of_agent(rows: list[Row], run_id: str, agent: str) -> list[Row]:
    """The rows of one agent: by its label, else by its id made a label (an agent recorded
    without one, as a run's first agent before another was added, has its id there, which
    ``RUN/AGENT`` cannot spell); ConfigError listing the names that select one."""
    chosen = [r for r in rows if r.agent == agent]
    chosen = chosen or [r for r in rows if safe_label(r.agent) == agent]
    if not chosen:
        names = ", ".join(sorted({safe_label(r.agent) for r in rows}))
        raise ConfigError(f"run {run_id!r} has no agent {agent!r}; its agents: {names}")
    return chosen


async def _load_each(
    log: ConversationLog, ids: list[str]
) -> list[tuple[ConversationState, list[Recorded]]]:
    """Each conversation read on its own (a run that is a small part of the log)."""
    loaded: list[tuple[ConversationState, list[Recorded]]] = []
    for start in range(0, len(ids), _READ_AHEAD):
        chunk = ids[start : start + _READ_AHEAD]
        loaded += await asyncio.gather(*(session.load_recorded(log, cid) for cid in chunk))
    return loaded


async def _scan(
    log: ConversationLog, ids: list[str]
) -> list[tuple[ConversationState, list[Recorded]]]:
    """The whole log read in global order, pages of ``_SCAN_PAGE`` events, folding the run's
    conversations (a run that is most of the log: a hundred reads instead of one per
    conversation)."""
    states = {cid: ConversationState(conversation_id=cid) for cid in ids}
    events: dict[str, list[Recorded]] = {cid: [] for cid in ids}
    position = 0
    while True:
        page = await log.read_all(after_position=position, limit=_SCAN_PAGE)
        for stored in page:
            state = states.get(stored.conversation_id)
            if state is not None:
                recorded = codec.decode(stored)
                states[stored.conversation_id] = evolve(state, recorded)
                events[stored.conversation_id].append(recorded)
        if len(page) < _SCAN_PAGE:
            return [(states[cid], events[cid]) for cid in ids]
        position = page[-1].position


async def _run_ids(log: ConversationLog, run_id: str, page: int = 1000) -> list[str]:
    ids: list[str] = []
    while True:
        entries = await log.list_conversations(
            ListQuery(run_id=run_id, limit=page, offset=len(ids))
        )
        ids += [e.conversation_id for e in entries]
        if len(entries) < page:
            return ids


def planned_by_agent(rows: Sequence[Row]) -> dict[str, int]:
    """How many conversations the run planned for each agent under test, where recorded."""
    planned: dict[str, int] = {}
    for row in rows:
        if row.planned is not None:
            planned[row.agent] = max(planned.get(row.agent, 0), row.planned)
    return planned
