"""Imported conversations read back from the log, and where learning keeps its files.

``load_imported`` lists the conversations tagged ``imported`` (optionally of one source) and
turns each into a ``Transcript`` again (roles from the participants, original times), which is
what discovery, the timing fit and retrieval work on. ``learning_dir`` is the directory kept
next to the log for the style index and cached model answers: beside a SQLite file
(``runs.db`` → ``runs.db.learning/``), and in the data directory for other logs, one directory
per log (its URL without credentials, hashed).
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from aiconv.errors import ConfigError
from aiconv.learning.importer import IMPORTED, run_id_for
from aiconv.learning.realism import RealismReport, measure_realism
from aiconv.learning.transcripts import AGENT, CUSTOMER, SYSTEM, Transcript, TranscriptMessage
from aiconv.observability.redaction import redact_url
from aiconv.platform import session
from aiconv.platform.conversation import ConversationState
from aiconv.queues.log import ConversationLog, ListQuery

_PAGE = 500
_SHOWN = 10  # sources named in an error


async def imported_ids(log: ConversationLog, source: str | None = None) -> list[str]:
    """Ids of the imported conversations (of ``source`` only, when given), oldest first."""
    query = ListQuery(tag=IMPORTED, run_id=run_id_for(source) if source else None, limit=_PAGE)
    ids: list[str] = []
    while True:
        page = await log.list_conversations(query)
        ids += [e.conversation_id for e in page]
        if len(page) < _PAGE:
            return ids[::-1]
        query = ListQuery(tag=query.tag, run_id=query.run_id, limit=_PAGE, offset=len(ids))


async def imported_sources(log: ConversationLog) -> list[str]:
    """The sources the log holds imported conversations of, sorted (index rows only)."""
    prefix = run_id_for("")
    sources: set[str] = set()
    offset = 0
    while True:
        page = await log.list_conversations(ListQuery(tag=IMPORTED, limit=_PAGE, offset=offset))
        sources.update(
            e.run_id.removeprefix(prefix) for e in page if e.run_id and e.run_id.startswith(prefix)
        )
        if len(page) < _PAGE:
            return sorted(sources)
        offset += len(page)


async def check_source(log: ConversationLog, source: str | None) -> None:
    """ConfigError naming ``source`` and the sources there, when none of the log's
    conversations was imported from it (a mistyped source is not an empty one)."""
    query = ListQuery(tag=IMPORTED, run_id=run_id_for(source) if source else None, limit=1)
    if source is None or await log.list_conversations(query):
        return
    sources = await imported_sources(log)
    held = ", ".join(sources[:_SHOWN]) + (
        f" and {len(sources) - _SHOWN} more" if len(sources) > _SHOWN else ""
    )
    there = f"sources in the log: {held}" if sources else "none imported yet: see `aic import`"
    raise ConfigError(f"no conversations imported from source {source!r} ({there})")


def as_transcript(state: ConversationState) -> Transcript:
    """A folded conversation as a transcript (customer and agent by their participants' roles)."""
    assert state.started is not None
    roles = {p.name: p.role or "" for p in state.participants}
    imported = state.started.metadata.get(IMPORTED)
    # messages the file gave no time: the log's is the moment of the import, not of the chat
    untimed = set(imported.get("untimed", ())) if isinstance(imported, dict) else set()
    messages = []
    for index, message in enumerate(state.messages):
        role = SYSTEM if message.moderator else roles.get(message.sender, "")
        if role not in (CUSTOMER, AGENT, SYSTEM):
            role = CUSTOMER if message.sender == "customer" else AGENT
        messages.append(
            TranscriptMessage(
                role=role,
                sender=message.sender,
                text=message.content,
                at=None if index in untimed else message.at,
                line=message.sequence,
            )
        )
    return Transcript(source_id=state.conversation_id, messages=tuple(messages), line=1)


async def load_imported(
    log: ConversationLog, source: str | None = None, *, limit: int | None = None
) -> list[Transcript]:
    """The imported conversations as transcripts (ids are the log's conversation ids)."""
    ids = await imported_ids(log, source)
    transcripts = []
    for cid in ids[:limit] if limit else ids:
        state, _ = await session.load_recorded(log, cid)
        transcripts.append(as_transcript(state))
    return transcripts


def learning_dir(log_url: str, data_dir: Path) -> Path:
    """Where learning files of the log at ``log_url`` live (not created here)."""
    if log_url.startswith("sqlite:///"):
        return Path(log_url.removeprefix("sqlite:///").split("?", 1)[0] + ".learning")
    digest = hashlib.sha256(redact_url(log_url).encode()).hexdigest()[:12]
    return data_dir / "learning" / digest


def style_index_path(directory: Path) -> Path:
    """The style index inside a learning directory."""
    return directory / "style-index.json"


async def customer_messages(log: ConversationLog, query: ListQuery) -> list[str]:
    """Every customer message of the conversations ``query`` lists (all pages)."""
    texts: list[str] = []
    offset = 0
    while True:
        page = await log.list_conversations(
            ListQuery(run_id=query.run_id, tag=query.tag, limit=_PAGE, offset=offset)
        )
        for entry in page:
            state, _ = await session.load_recorded(log, entry.conversation_id)
            roles = {p.name: p.role for p in state.participants}
            texts += [
                m.content
                for m in state.messages
                # a scenario's scripted opening is not the simulated customer's own writing
                if roles.get(m.sender) == CUSTOMER and not m.moderator and m.model != "scenario"
            ]
        if len(page) < _PAGE:
            return texts
        offset += len(page)


async def real_and_simulated(
    log: ConversationLog, run_id: str, source: str | None = None
) -> tuple[list[str], list[str]]:
    """The imported (real) customers' messages — of one import ``source`` when given — and
    the simulated customers' messages of ``run_id``, for realism measures (ValueError when
    no conversation has that run id: a mistyped id is not a run too small to measure)."""
    if not await log.list_conversations(ListQuery(run_id=run_id, limit=1)):
        raise ValueError(f"no conversations with run id {run_id!r} (see `aic ls --run-id`)")
    await check_source(log, source)
    real_query = ListQuery(tag=IMPORTED, run_id=run_id_for(source) if source else None)
    real = await customer_messages(log, real_query)
    return real, await customer_messages(log, ListQuery(run_id=run_id))


async def offline_realism(
    log: ConversationLog, run_id: str, source: str | None = None
) -> RealismReport:
    """The offline classifier's measure of ``run_id``'s simulated customers against the imported
    real ones (ValueError when either side is too small)."""
    real, simulated = await real_and_simulated(log, run_id, source)
    # CPU-bound scikit-learn work: a worker thread keeps the event loop free
    return await asyncio.to_thread(measure_realism, real, simulated)
