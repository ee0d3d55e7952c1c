"""Retention: remove the recordings (audio blobs) of conversations older than a cutoff, and on
request the old conversations themselves.

A blob is removed when every conversation that refers to it is old (content addressing means a
newer conversation may share it) or, unreferenced, when it has not been used since the cutoff.
``dry_run`` reports the same plan and removes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiconv.platform import codec
from aiconv.platform.events import UtteranceSpoken
from aiconv.queues.log import ConversationLog, ListQuery
from aiconv.voice.blobs import BlobStore

_PAGE = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class PruneReport:
    """What was (or, in a dry run, would be) removed: audio blobs (by conversation) and, when
    asked for, the ``old`` conversations themselves (``conversations``)."""

    cutoff: float
    dry_run: bool
    old: tuple[str, ...] = ()
    #: Whether old conversations were asked to go too (``conversations`` lists them).
    removes_conversations: bool = False
    conversations: tuple[str, ...] = ()
    #: An old conversation left in the log although asked for: it holds the newest event.
    kept: tuple[str, ...] = ()
    blobs: tuple[str, ...] = ()
    bytes: int = 0
    recordings: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "cutoff": self.cutoff,
            "dry_run": self.dry_run,
            "old": len(self.old),
            "conversations": list(self.conversations),
            "kept": list(self.kept),
            "recordings": self.recordings,
            "blobs": len(self.blobs),
            "bytes": self.bytes,
        }


async def audio_refs(log: ConversationLog, conversation_id: str) -> set[str]:
    """The audio blobs a conversation refers to."""
    refs = set()
    for stored in await log.read(conversation_id):
        if stored.kind == UtteranceSpoken.KIND:
            event = codec.decode(stored).event
            assert isinstance(event, UtteranceSpoken)
            refs.add(event.audio_ref)
    return refs


async def _split_by_age(
    log: ConversationLog, cutoff: float
) -> tuple[list[str], list[str], str | None]:
    """Old and recent conversation ids, and the one active last (it holds the newest event)."""
    old: list[str] = []
    recent: list[str] = []
    newest: tuple[float, str] | None = None
    offset = 0
    for _ in iter(int, 1):  # page through the index until a short page
        page = await log.list_conversations(ListQuery(limit=_PAGE, offset=offset))
        for entry in page:
            (old if entry.updated_at < cutoff else recent).append(entry.conversation_id)
            newest = max(
                newest or (entry.updated_at, ""), (entry.updated_at, entry.conversation_id)
            )
        if len(page) < _PAGE:
            return old, recent, newest[1] if newest else None
        offset += _PAGE
    raise AssertionError("unreachable")


async def _old_audio(
    log: ConversationLog, old: list[str], recent: list[str]
) -> tuple[dict[str, set[str]], set[str]]:
    """Audio only old conversations use (by conversation), and every referenced blob."""
    keep: set[str] = set()
    for cid in recent:
        keep |= await audio_refs(log, cid)
    by_conversation: dict[str, set[str]] = {}
    for cid in old:
        refs = await audio_refs(log, cid) - keep
        if refs:
            by_conversation[cid] = refs
    return by_conversation, keep.union(*by_conversation.values())


async def prune(
    log: ConversationLog,
    store: BlobStore,
    *,
    cutoff: float,
    dry_run: bool,
    conversations: bool = False,
) -> PruneReport:
    """Remove audio of conversations last active before ``cutoff`` (POSIX time) and, with
    ``conversations``, those conversations too — except the one holding the log's newest event,
    so that event positions keep increasing (a log that idle has nothing newer to keep)."""
    old, recent, newest = await _split_by_age(log, cutoff)
    by_conversation, referenced = await _old_audio(log, old, recent)
    stored = {blob.ref: blob for blob in await store.scan()}
    doomed = {ref for refs in by_conversation.values() for ref in refs if ref in stored}
    doomed |= {r for r, b in stored.items() if r not in referenced and b.used_at < cutoff}
    size = sum(stored[ref].size for ref in doomed)
    if not dry_run:
        size = await store.remove(sorted(doomed))
    recordings = {cid: len(refs & doomed) for cid, refs in by_conversation.items()}
    removed = [cid for cid in old if cid != newest] if conversations else []
    if not dry_run:
        for cid in removed:
            await log.delete(cid)
    return PruneReport(
        cutoff=cutoff,
        dry_run=dry_run,
        blobs=tuple(sorted(doomed)),
        bytes=size,
        recordings={cid: n for cid, n in recordings.items() if n},
        old=tuple(old),
        removes_conversations=conversations,
        conversations=tuple(removed),
        kept=tuple(cid for cid in old if cid == newest) if conversations else (),
    )
