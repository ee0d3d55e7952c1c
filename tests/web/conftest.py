"""Shared fixtures for the web tests: a SQLite log on a temp file and scripted conversations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

import httpx
import pytest

from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ParticipantSpec, StopConfig
from aiconv.queues.sqlite import SqliteLog
from aiconv.testing.providers import ScriptedProvider
from aiconv.web import create_app


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SqliteLog]:
    opened = await SqliteLog.open(tmp_path / "web.db")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def client(log: SqliteLog) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(log))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def pair(
    first: str = "alice", second: str = "bob", agent: str = "scripted"
) -> list[ParticipantSpec]:
    """Two participants on the same agent (names, not providers, identify them)."""
    return [ParticipantSpec(name=first, agent=agent), ParticipantSpec(name=second, agent=agent)]


async def converse(
    log: SqliteLog,
    *,
    topic: str = "Tea or coffee?",
    replies: Mapping[str, Sequence[str]] | None = None,
    participants: Sequence[ParticipantSpec] | None = None,
    max_turns: int = 4,
    metadata: Mapping[str, object] | None = None,
) -> ConversationState:
    """Run a scripted conversation to its end and return its final state."""
    participants = list(participants or pair())
    replies = replies or {p.name: [f"{p.name} says hi"] for p in participants}
    conductor = Conductor(log)
    state = await session.create(
        conductor,
        topic=topic,
        participants=participants,
        stop=StopConfig(max_turns=max_turns),
        metadata=metadata,
    )
    seats = {name: ScriptedProvider(list(lines)) for name, lines in replies.items()}
    return await session.play_all(conductor, state.conversation_id, seats)
