"""What the pages and the API ask of the log: list filters, one conversation with its events, a
simulation run's progress and outcomes, and the JSON forms of all of them.

Read-only: nothing here appends. Listing always goes through ``list_conversations`` with a bounded
``limit`` so a log of 100,000 conversations is never loaded whole; only a run page reads the
events of the run's ended conversations (for their outcomes), once each, through ``OutcomeCache``.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel

from aiconv.errors import ConversationNotFound
from aiconv.platform import codec, session
from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ConversationStarted, OutcomeDecided
from aiconv.queues.log import ConversationLog, IndexEntry, ListQuery
from aiconv.web.describe import describe, message_meta
from aiconv.web.params import DEFAULT_LIMIT
from aiconv.web.schemas import (
    EVENT_MODELS,
    FRAME_MODELS,
    ConversationPage,
    LiveState,
    Run,
    index_row,
)

STATUSES = ("active", "ended")
_RUN_SCAN_PAGE = 500


def query_params(query: ListQuery, **changes: int) -> str:
    """The URL query string of ``query`` (with ``changes``), leaving out empty filters."""
    pairs = {
        "q": query.text,
        "status": query.status,
        "participant": query.participant,
        "agent": query.agent,
        "run_id": query.run_id,
        "limit": query.limit if query.limit != DEFAULT_LIMIT else None,
        "offset": query.offset or None,
    }
    pairs.update(changes)
    return urlencode({k: v for k, v in pairs.items() if v not in (None, "", 0)})


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """One page of the conversations index and the total number of matches."""

    query: ListQuery
    entries: list[IndexEntry]
    total: int

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, None on the last one."""
        following = self.query.offset + self.query.limit
        return following if following < self.total else None

    @property
    def prev_offset(self) -> int | None:
        """The offset of the previous page, None on the first one."""
        return max(0, self.query.offset - self.query.limit) if self.query.offset > 0 else None

    def document(self) -> ConversationPage:
        """The API form."""
        return ConversationPage(
            total=self.total,
            limit=self.query.limit,
            offset=self.query.offset,
            next_offset=self.next_offset,
            items=[index_row(e) for e in self.entries],
        )


async def list_page(log: ConversationLog, query: ListQuery) -> Page:
    """The page of conversations ``query`` selects, newest first."""
    entries = await log.list_conversations(query)
    return Page(query=query, entries=entries, total=await log.count_conversations(query))


@dataclass(frozen=True, slots=True, kw_only=True)
class Conversation:
    """A conversation's folded state and every event behind it."""

    state: ConversationState
    events: list[Recorded]
    #: The conversations forked from this one, newest first (the parent itself never changes).
    forks: list[IndexEntry] = field(default_factory=list)


async def load_conversation(log: ConversationLog, conversation_id: str) -> Conversation | None:
    """The conversation, or None when the log has no such conversation."""
    try:
        state, events = await session.load_recorded(log, conversation_id)
    except ConversationNotFound:
        return None
    forks = await log.list_conversations(ListQuery(tag=f"parent:{conversation_id}", limit=100))
    return Conversation(state=state, events=events, forks=forks)


def iso(at: float) -> str:
    """``at`` (seconds since the epoch) as an ISO-8601 UTC timestamp with milliseconds."""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def colours(state: ConversationState, palette: int = 8) -> dict[str, int]:
    """One colour index per participant, in speaking order."""
    return {p.name: i % palette for i, p in enumerate(state.participants)}


def live_state(state: ConversationState) -> LiveState:
    """The few facts of the state a live page updates after each event."""
    return LiveState(
        status="ended" if state.is_ended else "active",
        turns=state.turns,
        cost_usd=round(state.cost_usd, 8) if state.cost_known else None,
        end_reason=state.ended.reason if state.ended else None,
        end_detail=state.ended.detail if state.ended else None,
        outcome=state.outcome.outcome if state.outcome else None,
    )


def _event_fields(recorded: Recorded) -> dict[str, Any]:
    return {
        "sequence": recorded.sequence,
        "position": recorded.position,
        "at": recorded.at,
        "time": iso(recorded.at),
        "kind": recorded.event.KIND,
        "summary": describe(recorded.event),
        "meta": message_meta(recorded.event),
        "data": recorded.event,
    }


def event_document(recorded: Recorded) -> BaseModel:
    """A recorded event as the API shows it: where and when it was stored, its kind and body."""
    return EVENT_MODELS[recorded.event.KIND](**_event_fields(recorded))


def event_frame(recorded: Recorded, state: ConversationState) -> BaseModel:
    """A recorded event and the state after it, as one frame of the live stream."""
    return FRAME_MODELS[recorded.event.KIND](**_event_fields(recorded), state=live_state(state))


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """Progress and outcomes of one simulation run, built from the conversations index."""

    run_id: str
    total: int
    ended: int
    outcomes: dict[str, int]
    end_reasons: dict[str, int]
    cost_usd: float
    scenario: str | None = None
    successes: tuple[str, ...] = ()

    @property
    def progress(self) -> float:
        """Ended conversations over all of them (0 when the run has none yet)."""
        return self.ended / self.total if self.total else 0.0

    @property
    def success_rate(self) -> float | None:
        """Ended conversations whose outcome is a success (None if the run names no success)."""
        if not self.successes or not self.ended:
            return None
        return sum(self.outcomes.get(label, 0) for label in self.successes) / self.ended

    def document(self, page: Page) -> Run:
        """The API form, with ``page`` of the run's conversations."""
        rate = self.success_rate
        return Run(
            run_id=self.run_id,
            total=self.total,
            ended=self.ended,
            active=self.total - self.ended,
            progress=round(self.progress, 4),
            outcomes=self.outcomes,
            end_reasons=self.end_reasons,
            cost_usd=round(self.cost_usd, 8),
            scenario=self.scenario,
            successes=list(self.successes),
            success_rate=None if rate is None else round(rate, 4),
            conversations=page.document(),
        )


class OutcomeCache:
    """Outcomes of conversations by (id, last sequence): an ended conversation is read once."""

    def __init__(self, log: ConversationLog, *, size: int = 200_000) -> None:
        self._log = log
        self._size = size
        self._known: OrderedDict[str, tuple[int, str | None]] = OrderedDict()

    async def outcome(self, entry: IndexEntry) -> str | None:
        """The decided outcome of ``entry``'s conversation, None when none was decided."""
        hit = self._known.get(entry.conversation_id)
        if hit is not None and hit[0] == entry.last_sequence:
            return hit[1]
        outcome: str | None = None
        for stored in await self._log.read(entry.conversation_id):
            if stored.kind == OutcomeDecided.KIND:
                event = codec.decode(stored).event
                assert isinstance(event, OutcomeDecided)
                outcome = event.outcome
        self._known[entry.conversation_id] = (entry.last_sequence, outcome)
        if len(self._known) > self._size:
            self._known.popitem(last=False)
        return outcome


async def run_summary(log: ConversationLog, cache: OutcomeCache, run_id: str) -> RunSummary:
    """Progress, outcome and end-reason distributions and cost of the run ``run_id``."""
    seen: dict[str, IndexEntry] = {}
    offset = 0
    while True:
        batch = await log.list_conversations(
            ListQuery(run_id=run_id, limit=_RUN_SCAN_PAGE, offset=offset)
        )
        seen.update((e.conversation_id, e) for e in batch)
        if len(batch) < _RUN_SCAN_PAGE:
            break
        offset += _RUN_SCAN_PAGE
    ended = [e for e in seen.values() if e.status == "ended"]
    outcomes = Counter([(await cache.outcome(e)) or "undecided" for e in ended])
    reasons = Counter(e.end_reason or "unknown" for e in ended)
    metadata = await _run_metadata(log, next(iter(seen), None))
    successes = metadata.get("successes")
    return RunSummary(
        run_id=run_id,
        total=len(seen),
        ended=len(ended),
        outcomes=dict(outcomes.most_common()),
        end_reasons=dict(reasons.most_common()),
        cost_usd=sum(e.cost_usd or 0.0 for e in seen.values()),
        scenario=str(metadata["scenario"]) if metadata.get("scenario") else None,
        successes=tuple(map(str, successes)) if isinstance(successes, list) else (),
    )


async def _run_metadata(log: ConversationLog, conversation_id: str | None) -> dict[str, Any]:
    """The metadata a run's conversations were started with (scenario, success outcomes …)."""
    if conversation_id is None:
        return {}
    first = codec.decode_all(await log.read(conversation_id, limit=1))
    event = first[0].event if first else None
    return dict(event.metadata) if isinstance(event, ConversationStarted) else {}
