"""Importing transcripts: every format becomes ordinary streams (marked imported, original times
kept, redacted), listed like any conversation; importing again changes nothing; a conversation
changed since is reported, not rewritten."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aiconv.cli.wiring import run_interruptibly
from aiconv.learning.importer import ImportReport, prepare, run_id_for, write
from aiconv.learning.library import load_imported
from aiconv.learning.pacing import Distribution, fit_timing
from aiconv.learning.parse import parse_file
from aiconv.learning.redaction import Redactor
from aiconv.learning.transcripts import FieldMapping, load_mapping
from aiconv.platform import session
from aiconv.platform.projections import transcript_document
from aiconv.queues.forwarding import ForwardingLog
from aiconv.queues.log import ConversationLog, ListQuery, StoredEvent
from aiconv.queues.urls import open_log
from tests.learning.conftest import CONVERSATIONS

FORMATS = [
    ("chats.jsonl", None),
    ("chats.csv", "chats.mapping.toml"),
    ("chats.json", None),
    ("chats.messages.jsonl", None),
]


async def _import(
    log: ConversationLog, path: Path, mapping: FieldMapping | None = None, source: str = "acme"
) -> ImportReport:
    parsed = parse_file(path, mapping)
    prepared, redaction = prepare(
        parsed, source=source, file=path.name, fmt=path.suffix[1:], redactor=Redactor()
    )
    return await write(log, prepared, ImportReport(redaction=redaction))


@pytest.mark.parametrize(("name", "mapping"), FORMATS)
async def test_each_format_imports_as_streams_that_list_like_any_conversation(
    log: ConversationLog,
    corpus_dir: Path,
    name: str,
    mapping: str | None,
) -> None:
    report = await _import(log, corpus_dir / name, mapping and load_mapping(corpus_dir / mapping))
    assert (report.conversations, report.imported, report.unchanged) == (CONVERSATIONS,) * 2 + (0,)
    assert report.redaction.counts["EMAIL"] > 0
    listed = await log.list_conversations(ListQuery(tag="imported", limit=1000))
    assert len(listed) == CONVERSATIONS
    assert {e.run_id for e in listed} == {run_id_for("acme")}
    assert all(e.status == "ended" and e.end_reason == "imported" for e in listed)
    assert await log.count_conversations(ListQuery(run_id=run_id_for("acme"))) == CONVERSATIONS


async def test_original_times_are_kept_and_personal_data_never_stored(
    log: ConversationLog,
    corpus_dir: Path,
    truth: dict[str, Any],
) -> None:
    report = await _import(log, corpus_dir / "chats.jsonl")
    parsed = {t.source_id: t for t in parse_file(corpus_dir / "chats.jsonl").transcripts}
    for source_id in ("chat-00001", "chat-00002", "chat-00150"):
        state, events = await session.load_recorded(log, report.ids[source_id])
        original = parsed[source_id].messages
        assert [m.at for m in state.messages] == [m.at for m in original]
        assert state.started_at == original[0].at and state.updated_at == original[-1].at
        assert [m.sender for m in state.messages] == [
            "customer" if m.role == "customer" else "support" for m in original
        ]
        document = transcript_document(state)
        assert document["started_at"] == original[0].at
        assert document["metadata"]["imported"]["source_id"] == source_id
        stored = json.dumps([str(r.event) for r in events])
        for kind, value in truth["conversations"][source_id]["pii"]:
            if kind != "name":  # names are redacted only when listed (--redact-name)
                assert value.lower() not in stored.lower()


async def test_a_file_without_times_measures_no_delays(
    log: ConversationLog, corpus_dir: Path
) -> None:
    # A file without times (the chat-completions shape) measured every reply as instant (0 s):
    # all its messages were appended at once, at the import's time.
    await _import(log, corpus_dir / "chats.messages.jsonl", source="untimed")
    loaded = await load_imported(log, "untimed")
    assert all(m.at is None for t in loaded for m in t.messages)
    timing = fit_timing(loaded)
    assert (timing.customer_reply, timing.agent_reply, timing.conversations) == (
        Distribution(),
        Distribution(),
        0,
    )


async def test_rows_without_a_time_beside_timed_ones_measure_no_delay(
    log: ConversationLog, corpus_dir: Path, tmp_path: Path
) -> None:
    # They were read back at the import's time, months after the chat's other messages.
    rows = [json.loads(line) for line in (corpus_dir / "chats.jsonl").read_text().splitlines()]
    for row in rows[3::15]:
        row["timestamp"] = ""
    gaps = tmp_path / "gaps.jsonl"
    gaps.write_text("".join(json.dumps(row) + "\n" for row in rows))
    await _import(log, gaps, source="gaps")
    loaded = await load_imported(log, "gaps")
    assert sum(m.at is None for t in loaded for m in t.messages) == len(rows[3::15])
    timing = fit_timing(loaded)
    assert timing.conversations == CONVERSATIONS
    assert max(timing.customer_reply.quantiles + timing.agent_reply.quantiles) < 3600


async def test_importing_again_is_a_no_op(log: ConversationLog, corpus_dir: Path) -> None:
    first = await _import(log, corpus_dir / "chats.jsonl")
    head = (await log.read_all(0, limit=100_000))[-1].position
    again = await _import(log, corpus_dir / "chats.jsonl")
    assert (again.imported, again.unchanged, again.conflicting) == (0, CONVERSATIONS, [])
    assert again.ids == first.ids
    assert (await log.read_all(0, limit=100_000))[-1].position == head
    # the same chats in another format are the same conversations
    csv = await _import(
        log, corpus_dir / "chats.csv", load_mapping(corpus_dir / "chats.mapping.toml")
    )
    assert (csv.imported, csv.unchanged) == (0, CONVERSATIONS)


async def test_a_conversation_changed_since_is_reported_not_rewritten(
    log: ConversationLog,
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.jsonl"
    rows = [
        {"conversation_id": "a", "role": "user", "text": "hello"},
        {"conversation_id": "b", "role": "user", "text": "hi"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    first = await _import(log, path)
    rows[0]["text"] = "hello again"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    second = await _import(log, path)
    assert (second.imported, second.unchanged, second.conflicting) == (0, 1, ["a"])
    state, _ = await session.load_recorded(log, first.ids["a"])
    assert state.messages[0].content == "hello"


async def test_the_same_chats_in_another_file_are_recognised_not_imported_twice(
    log: ConversationLog, corpus_dir: Path
) -> None:
    """``chats.messages.jsonl`` holds the chats of ``chats.jsonl`` without their times, and its
    default source is another (``chats.messages``): every conversation was imported again.
    The same original id with the same messages, from any source, is already there."""
    first = await _import(log, corpus_dir / "chats.jsonl", source="chats")
    second = await _import(log, corpus_dir / "chats.messages.jsonl", source="chats.messages")
    assert (second.imported, second.unchanged, second.duplicates) == (0, 0, CONVERSATIONS)
    assert second.ids == first.ids  # each names the conversation that was there
    assert second.duplicates_in == {"import:chats": CONVERSATIONS}  # and where it is
    assert await log.count_conversations(ListQuery(tag="imported")) == CONVERSATIONS
    back = await _import(log, corpus_dir / "chats.jsonl", source="chats")
    assert (back.imported, back.unchanged, back.duplicates) == (0, CONVERSATIONS, 0)


class CountingReads(ForwardingLog):
    """Counts the stream reads of each conversation."""

    def __init__(self, inner: ConversationLog) -> None:
        super().__init__(inner)
        self.reads: Counter[str] = Counter()

    async def read(
        self, conversation_id: str, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        self.reads[conversation_id] += 1
        return await super().read(conversation_id, after, limit)


def _chats(path: Path, prefix: str, count: int) -> Path:
    rows = [
        {"conversation_id": f"{prefix}{i}", "role": role, "text": f"{role} {prefix} {i}"}
        for i in range(count)
        for role in ("user", "assistant")
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return path


async def test_recognising_chats_of_other_sources_reads_each_of_their_streams_at_most_once(
    log: ConversationLog, tmp_path: Path
) -> None:
    """The de-duplication loaded the stream of every chat's id under every other source, there
    or not: sources times chats reads on each import. It reads only the streams of the other
    sources' chats that share an id with this file's, each once."""
    for source in ("one", "two", "three"):
        await _import(log, _chats(tmp_path / f"{source}.jsonl", source, 20), source=source)
    counting = CountingReads(log)
    fresh = await _import(counting, _chats(tmp_path / "new.jsonl", "new", 20), source="new")
    assert fresh.imported == 20
    assert sum(counting.reads.values()) == 0  # no other source has any of these ids
    counting.reads.clear()
    again = await _import(counting, tmp_path / "two.jsonl", source="copy")  # two's chats again
    assert (again.imported, again.duplicates, again.duplicates_in) == (0, 20, {"import:two": 20})
    assert set(counting.reads.values()) == {1}  # each of two's chats read once
    assert set(counting.reads) == set(again.ids.values())


async def test_other_chats_under_the_same_ids_from_another_source_are_imported(
    log: ConversationLog, tmp_path: Path
) -> None:
    """Ids are the data set's own: another source's ``a`` that says something else is another
    conversation."""
    path = tmp_path / "c.jsonl"
    rows = [{"conversation_id": "a", "role": "user", "text": "hello"}]
    path.write_text(json.dumps(rows[0]), encoding="utf-8")
    await _import(log, path, source="one")
    path.write_text(json.dumps({**rows[0], "text": "something else"}), encoding="utf-8")
    second = await _import(log, path, source="two")
    assert (second.imported, second.duplicates) == (1, 0)


async def test_outcomes_and_system_lines_from_the_file_are_kept(
    log: ConversationLog,
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "t1",
                    "outcome": "Resolved!",
                    "messages": [
                        {"role": "system", "content": "chat started", "timestamp": 10},
                        {"role": "user", "content": "my card", "timestamp": 11},
                        {"role": "assistant", "content": "blocked", "timestamp": 12},
                    ],
                }
            ]
        ),
        encoding="utf-8",
    )
    report = await _import(log, path, source="s")
    state, _ = await session.load_recorded(log, report.ids["t1"])
    assert state.outcome is not None and state.outcome.outcome == "resolved"
    assert [(m.sender, m.moderator, m.at) for m in state.messages] == [
        ("moderator", True, 10.0),
        ("customer", False, 11.0),
        ("support", False, 12.0),
    ]
    assert state.started is not None and state.started.first_speaker == "customer"
    assert state.started.topic == "my card"


async def _until(condition: Any, what: str, deadline_s: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while not condition():
        assert loop.time() < deadline, f"not {what} within {deadline_s} s"
        await asyncio.sleep(0.005)


def _six_chats(tmp_path: Path) -> tuple[Any, ImportReport]:
    """Six chats of one source, prepared for ``write``, and the report they will fill."""
    path = _chats(tmp_path / "chats.jsonl", "c", 6)
    prepared, redaction = prepare(
        parse_file(path), source="acme", file=path.name, fmt="jsonl", redactor=Redactor()
    )
    return prepared, ImportReport(redaction=redaction)


def _lock_after(
    db: Path, count: int
) -> tuple[asyncio.Event, list[sqlite3.Connection], Callable[[ImportReport], None]]:
    """A progress callback that, once ``count`` conversations are in, takes SQLite's write lock
    from another connection (so the next append waits on it) and sets the event."""
    locked = asyncio.Event()
    blocker: list[sqlite3.Connection] = []

    def progress(seen: ImportReport) -> None:
        if seen.imported == count and not blocker:
            blocker.append(sqlite3.connect(db, isolation_level=None, timeout=0))
            blocker[0].execute("BEGIN IMMEDIATE")
            locked.set()

    return locked, blocker, progress


async def test_an_import_interrupted_with_an_append_in_flight_counts_what_the_log_holds(
    tmp_path: Path,
) -> None:
    """SIGINT while a conversation's append was in flight: the log commits it all the same, but
    the import stopped before counting it ("imported 419 ... interrupted" with 420 in the log).
    The interruption is placed deterministically: once 3 conversations are in the log, another
    connection takes SQLite's write lock, so the 4th append waits on it; the signal comes, and
    the lock is let go only once the import has been cancelled."""
    db = tmp_path / "log.db"
    path = _chats(tmp_path / "chats.jsonl", "c", 6)
    prepared, redaction = prepare(
        parse_file(path), source="acme", file=path.name, fmt="jsonl", redactor=Redactor()
    )
    report = ImportReport(redaction=redaction)
    locked = asyncio.Event()
    blocker: list[sqlite3.Connection] = []
    working: list[asyncio.Task[Any]] = []

    def progress(seen: ImportReport) -> None:
        if seen.imported == 3 and not blocker:  # the 4th append will wait for this lock
            blocker.append(sqlite3.connect(db, isolation_level=None, timeout=0))
            blocker[0].execute("BEGIN IMMEDIATE")
            locked.set()

    async with open_log(f"sqlite:///{db}") as log:

        async def work() -> ImportReport:
            task = asyncio.current_task()
            assert task is not None
            working.append(task)
            return await write(log, prepared, report, on_progress=progress)

        running = asyncio.ensure_future(run_interruptibly(work))
        try:
            await asyncio.wait_for(locked.wait(), 30)
            signal.raise_signal(signal.SIGINT)
            await _until(lambda: working[0].cancelling() > 0 or running.done(), "cancelled")
        finally:
            for connection in blocker:  # the append in flight goes through now
                connection.rollback()
                connection.close()
        _, interrupted = await asyncio.wait_for(running, 30)
        assert interrupted
        listed = await log.list_conversations(ListQuery(tag="imported", limit=100))
    assert len(listed) == 4  # the 4th, in flight when the signal came, was written
    assert (report.imported, report.remaining) == (4, 2)


def _awaiting(task: asyncio.Task[Any], name: str) -> bool:
    """Whether ``task`` is suspended inside a coroutine function called ``name``."""
    coroutine: Any = task.get_coro()
    while coroutine is not None:
        if getattr(coroutine, "cr_code", None) is not None and coroutine.cr_code.co_name == name:
            return True
        coroutine = getattr(coroutine, "cr_await", None)
    return False


async def test_an_import_stopped_again_while_an_append_settles_says_its_outcome_is_unknown(
    tmp_path: Path,
) -> None:
    """Stopped a second time while it waits for the append in flight (a log that does not
    answer): it says which conversation may or may not be in the log, and counts it nowhere."""
    db = tmp_path / "log.db"
    prepared, report = _six_chats(tmp_path)
    locked, blocker, progress = _lock_after(db, 2)

    async with open_log(f"sqlite:///{db}") as log:
        task = asyncio.ensure_future(write(log, prepared, report, on_progress=progress))
        try:
            await asyncio.wait_for(locked.wait(), 30)
            task.cancel()
            await _until(lambda: _awaiting(task, "_settle"), "waiting on the append in flight")
            task.cancel()
            await asyncio.wait({task}, timeout=30)
        finally:
            for connection in blocker:
                connection.rollback()
                connection.close()
        assert task.cancelled()
    assert (report.imported, report.unknown, report.remaining) == (2, ["c2"], 3)
