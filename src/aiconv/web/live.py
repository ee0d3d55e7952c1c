"""Server-sent events for one conversation: every event after a resume point, live, until the
conversation ends.

Each frame's ``id`` is the event's per-conversation ``sequence``. A client resumes from
``Last-Event-ID`` (sent by the browser's ``EventSource`` when it reconnects) or, on its first
connection, from ``?after=N``; the header wins when both are given, so a reconnecting client gets
exactly the events it has not seen: no gap (the log has no gaps) and no duplicate (only
``sequence > resume point`` is sent). When the conversation has ended and the client has caught
up, an ``end`` frame closes the stream. Comment frames keep idle connections alive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from pydantic import BaseModel

from aiconv.platform import session
from aiconv.platform.conversation import ConversationState
from aiconv.queues.log import ConversationLog
from aiconv.web.queries import event_frame, live_state

_BATCH = 500
#: How long a client waits before reconnecting after the stream drops (milliseconds).
RETRY_MS = 1000


def frame(data: BaseModel, *, event: str, id: int | None = None) -> str:
    """One SSE frame; JSON has no raw newlines, so ``data`` is a single line."""
    head = f"id: {id}\n" if id is not None else ""
    return f"{head}event: {event}\ndata: {data.model_dump_json()}\n\n"


async def stream(
    log: ConversationLog, conversation_id: str, *, after: int, ping_s: float
) -> AsyncIterator[str]:
    """SSE frames for every event of ``conversation_id`` with ``sequence > after``, live."""
    yield f"retry: {RETRY_MS}\n\n"
    state: ConversationState | None = None
    steps = session.follow(
        log, conversation_id, after=after, idle_s=ping_s, batch=_BATCH, pings=True
    )
    async for step in steps:
        if step is None:
            yield ": ping\n\n"
            continue
        recorded, state = step
        yield frame(event_frame(recorded, state), event="event", id=recorded.sequence)
    if state is None:  # the client had every event already: the end needs the state anyway
        state, _ = await session.load_recorded(log, conversation_id)
    yield frame(live_state(state), event="end")
