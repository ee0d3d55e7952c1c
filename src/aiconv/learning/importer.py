"""Imported transcripts become ordinary conversation streams, once each.

Every transcript becomes one stream: ``ConversationStarted`` (participants ``customer`` and
``support`` on agent ``human``, metadata ``imported`` with the source, file, line and a content
hash, run id ``import:<source>``), a ``MessagePosted`` per message (``ModeratorNoted`` for system
lines) carrying its original time in ``occurred_at``, ``OutcomeDecided`` when the file gives an
outcome, and ``ConversationEnded(reason="imported")`` — appended in **one** atomic append, so a
conversation is either wholly there or not at all. Its id is derived from (source, original id):
importing the same file again finds every conversation already there (``unchanged``) and writes
nothing; a conversation imported before with other content is reported (``conflicting``) and
left as it was, since streams are never rewritten. The same conversation under another source
(the same original id and messages: ``chats.messages.jsonl`` beside ``chats.jsonl``) is there
already too (``duplicates``), not imported twice. Everything is prepared (parsed, redacted,
turned into events) before the first write; ``preview`` counts what ``write`` would do,
reading the log only (``aic import --dry-run``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiconv.errors import ConversationNotFound, SequenceConflict
from aiconv.learning.redaction import RedactionReport, Redactor
from aiconv.learning.transcripts import (
    AGENT,
    CUSTOMER,
    SYSTEM,
    Parsed,
    Transcript,
    TranscriptMessage,
)
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import (
    ConversationEnded,
    ConversationStarted,
    Event,
    MessagePosted,
    ModeratorNoted,
    OutcomeDecided,
    ParticipantSpec,
    StopConfig,
)
from aiconv.queues.log import ConversationLog, ListQuery

_NAMESPACE = uuid.UUID("0b7f4f0e-3c52-4d8e-9f61-2a4c8e6b1d37")
CUSTOMER_NAME = "customer"
AGENT_NAME = "support"
HUMAN = "human"
IMPORTED = "imported"
_RUN_PREFIX = "import:"
_PAGE = 500
_NAMES = {CUSTOMER: CUSTOMER_NAME, AGENT: AGENT_NAME}


def conversation_id_for(source: str, source_id: str) -> str:
    """The stream id of conversation ``source_id`` of ``source`` (the same on every import)."""
    return uuid.uuid5(_NAMESPACE, f"{source}\x00{source_id}").hex


def run_id_for(source: str) -> str:
    """The run id every conversation imported from ``source`` is listed under."""
    return f"{_RUN_PREFIX}{source}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """One transcript as the events of its stream."""

    conversation_id: str
    source: str
    source_id: str
    digest: str
    events: tuple[Event, ...]


@dataclass(slots=True, kw_only=True)
class ImportReport:
    """What an import did: counts, the conversations it could not write, and why."""

    conversations: int = 0
    imported: int = 0
    unchanged: int = 0
    #: Conversations imported before from another source (same original id and messages).
    duplicates: int = 0
    #: Where those are: how many under each run id (``import:chats``).
    duplicates_in: dict[str, int] = field(default_factory=dict)
    conflicting: list[str] = field(default_factory=list)
    #: The conversation whose append was in flight when the import was stopped a second time
    #: (it may be in the log or not: importing again finds out).
    unknown: list[str] = field(default_factory=list)
    redaction: RedactionReport = field(default_factory=RedactionReport)
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        """Conversations neither written nor found already there."""
        done = self.imported + self.unchanged + self.duplicates + len(self.conflicting)
        return self.conversations - done - len(self.unknown)


def prepare(
    parsed: Parsed, *, source: str, file: str, fmt: str, redactor: Redactor | None
) -> tuple[list[Prepared], RedactionReport]:
    """The events of every transcript, redacted (pure; nothing is written)."""
    report = RedactionReport()
    prepared = []
    for transcript in parsed.transcripts:
        if redactor is not None:
            transcript = _redacted(transcript, redactor, report)
        prepared.append(_prepare(transcript, source=source, file=file, fmt=fmt))
    return prepared, report


def _redacted(transcript: Transcript, redactor: Redactor, report: RedactionReport) -> Transcript:
    from dataclasses import replace

    messages = []
    for message in transcript.messages:
        redacted = redactor.redact(message.text)
        report.add(redacted, message.line)
        messages.append(replace(message, text=redacted.text))
    return replace(transcript, messages=tuple(messages))


def _digest(transcript: Transcript) -> str:
    body = [(m.role, m.text, m.at) for m in transcript.messages]
    return hashlib.sha256(json.dumps([body, transcript.outcome]).encode()).hexdigest()


def _prepare(transcript: Transcript, *, source: str, file: str, fmt: str) -> Prepared:
    digest = _digest(transcript)
    meta = {
        "source": source,
        "file": file,
        "format": fmt,
        "source_id": transcript.source_id,
        "line": transcript.line,
        "content_sha256": digest,
    }
    untimed = [i for i, message in enumerate(transcript.messages) if message.at is None]
    if untimed:  # appended now, their time is the import's: not one to learn from
        meta["untimed"] = untimed
    events: list[Event] = [_started(transcript, meta, run_id_for(source))]
    events += [_event_of(message) for message in transcript.messages]
    outcome = _slug(transcript.outcome)
    if outcome is not None:
        events.append(OutcomeDecided(outcome=outcome, by="import", rationale="given by the file"))
    events.append(
        ConversationEnded(
            reason=IMPORTED,
            detail=f"imported from {file}, line {transcript.line}",
            by="import",
            occurred_at=transcript.messages[-1].at,
        )
    )
    return Prepared(
        conversation_id=conversation_id_for(source, transcript.source_id),
        source=source,
        source_id=transcript.source_id,
        digest=digest,
        events=tuple(events),
    )


def _started(transcript: Transcript, meta: dict[str, Any], run_id: str) -> ConversationStarted:
    """The start of an imported conversation: two people, as many turns as were spoken, the
    first customer message as its topic."""
    spoken = [m for m in transcript.messages if m.role != SYSTEM]
    first = next((m for m in spoken if m.role == CUSTOMER), spoken[0] if spoken else None)
    topic = " ".join(first.text.split())[:200] if first else "imported conversation"
    return ConversationStarted(
        topic=topic,
        participants=(
            ParticipantSpec(name=CUSTOMER_NAME, agent=HUMAN, role=CUSTOMER),
            ParticipantSpec(name=AGENT_NAME, agent=HUMAN, role=AGENT),
        ),
        first_speaker=_NAMES[spoken[0].role] if spoken else CUSTOMER_NAME,
        stop=StopConfig(max_turns=max(1, len(spoken)), closing="off", loop_policy="off"),
        metadata={IMPORTED: meta, "run_id": run_id},
        occurred_at=transcript.messages[0].at,
    )


def _event_of(message: TranscriptMessage) -> Event:
    """A system line is a moderator's note; anything else a message by customer or agent."""
    if message.role == SYSTEM:
        return ModeratorNoted(content=message.text, reason=IMPORTED, occurred_at=message.at)
    return MessagePosted(
        sender=_NAMES[message.role],
        content=message.text,
        model=HUMAN,
        cost_usd=0.0,
        occurred_at=message.at,
    )


def _slug(label: str | None) -> str | None:
    if label is None:
        return None
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    return slug if slug and slug[0].isalpha() else None


async def write(
    log: ConversationLog,
    prepared: Sequence[Prepared],
    report: ImportReport,
    *,
    on_progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Append every prepared conversation not there yet; ``report`` counts as it goes (so an
    interrupted import still says how far it got)."""
    conductor = Conductor(log, instance_id="import")
    report.conversations = len(prepared)
    elsewhere = await _imported_ids(log, skip={item.source for item in prepared})
    others = sorted(set(elsewhere.values()))
    for item in prepared:
        if await _is_duplicate(conductor, item, elsewhere, others, report):
            if on_progress is not None:
                on_progress(report)
            continue
        step = asyncio.ensure_future(_append(conductor, item))
        try:
            _count(report, item, await asyncio.shield(step))
        except asyncio.CancelledError:
            # stopped with the append in flight: the log may commit it all the same (SQLite's
            # thread, Redis's server), so let it end and count it, for the report to say what
            # the log holds
            await _settle(step, item, report)
            raise
        if on_progress is not None:
            on_progress(report)
    return report


async def preview(
    log: ConversationLog, prepared: Sequence[Prepared], report: ImportReport
) -> ImportReport:
    """What ``write`` would do, counted in ``report`` as if done (``imported``: would be),
    reading ``log`` only (a dry run)."""
    conductor = Conductor(log, instance_id="import")
    report.conversations = len(prepared)
    elsewhere = await _imported_ids(log, skip={item.source for item in prepared})
    others = sorted(set(elsewhere.values()))
    planned: dict[str, str] = {}  # the ids this run would append first, and their digests
    for item in prepared:
        if await _is_duplicate(conductor, item, elsewhere, others, report):
            continue
        if item.conversation_id in planned:
            same = planned[item.conversation_id] == item.digest
            _count(report, item, "unchanged" if same else "conflicting")
            continue
        try:
            _count(report, item, await _compare(conductor, item))
        except ConversationNotFound:
            planned[item.conversation_id] = item.digest
            _count(report, item, "imported")
    return report


async def _is_duplicate(
    conductor: Conductor,
    item: Prepared,
    elsewhere: dict[str, str],
    others: Sequence[str],
    report: ImportReport,
) -> bool:
    """Whether ``item`` was imported from another source (counted in ``report`` if so)."""
    report.ids[item.source_id] = item.conversation_id
    # only another source's chat of the same original id can be this one: read only those
    # (every chat under every other source was read, there or not: sources x chats reads)
    candidates = [s for s in others if conversation_id_for(s, item.source_id) in elsewhere]
    there = await _imported_elsewhere(conductor, item, candidates)
    if there is None:
        return False
    source, report.ids[item.source_id] = there
    report.duplicates += 1
    run = run_id_for(source)
    report.duplicates_in[run] = report.duplicates_in.get(run, 0) + 1
    return True


async def _append(conductor: Conductor, item: Prepared) -> str:
    """``imported``, or what is there already under its id: ``unchanged`` or ``conflicting``."""
    try:
        await conductor.append(ConversationState(conversation_id=item.conversation_id), item.events)
    except SequenceConflict:
        return await _compare(conductor, item)
    return "imported"


def _count(report: ImportReport, item: Prepared, outcome: str) -> None:
    if outcome == "imported":
        report.imported += 1
    elif outcome == "unchanged":
        report.unchanged += 1
    else:
        report.conflicting.append(item.source_id)


async def _settle(step: asyncio.Future[str], item: Prepared, report: ImportReport) -> None:
    """Count the append ``step`` that an interruption cut once it has ended (failed, it wrote
    nothing); stopped again meanwhile, its outcome is unknown and it is counted nowhere."""
    try:
        await asyncio.wait({step})
    except asyncio.CancelledError:
        report.unknown.append(item.source_id)
        step.add_done_callback(lambda done: done.cancelled() or done.exception())
        raise
    if not step.cancelled() and step.exception() is None:
        _count(report, item, step.result())


async def _compare(conductor: Conductor, item: Prepared) -> str:
    state = await conductor.load(item.conversation_id)
    assert state.started is not None
    meta = state.started.metadata.get(IMPORTED) or {}
    return "unchanged" if meta.get("content_sha256") == item.digest else "conflicting"


async def _imported_ids(log: ConversationLog, *, skip: set[str]) -> dict[str, str]:
    """The conversations imported into ``log`` so far from sources other than ``skip``: their
    id and source (index rows only, each source listed once)."""
    found: dict[str, str] = {}
    offset = 0
    while True:
        page = await log.list_conversations(ListQuery(tag=IMPORTED, limit=_PAGE, offset=offset))
        for entry in page:
            run = entry.run_id or ""
            source = run[len(_RUN_PREFIX) :]
            if run.startswith(_RUN_PREFIX) and source not in skip:
                found[entry.conversation_id] = source
        if len(page) < _PAGE:
            return found
        offset += len(page)


async def _imported_elsewhere(
    conductor: Conductor, item: Prepared, sources: Sequence[str]
) -> tuple[str, str] | None:
    """The source and id of ``item``'s conversation imported from another of ``sources`` (each
    known to hold a chat of its original id): the same original id saying the same (times
    aside: one file may have none), else None."""
    said = [(e.sender, e.content) for e in item.events if isinstance(e, MessagePosted)]
    for source in sources:
        cid = conversation_id_for(source, item.source_id)
        try:
            state = await conductor.load(cid)
        except ConversationNotFound:
            continue
        if [(m.sender, m.content) for m in state.messages if not m.moderator] == said:
            return source, cid
    return None
