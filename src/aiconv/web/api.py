"""The JSON API under ``/api/``: the same reads as the pages, as documents.

Every route declares its parameters and its response with the models of ``params.py`` and
``schemas.py``; FastAPI validates the first and serialises the second, and ``openapi.py``
publishes the document it derives from both.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response, StreamingResponse

from aiconv.platform import codec, session
from aiconv.platform.projections import transcript_document
from aiconv.queues.log import ConversationLog
from aiconv.web import live
from aiconv.web.openapi import openapi_document
from aiconv.web.params import (
    AfterParams,
    ConversationId,
    ListParams,
    PageParams,
    RunId,
    SequenceNumber,
)
from aiconv.web.queries import (
    OutcomeCache,
    event_document,
    list_page,
    load_conversation,
    run_summary,
)
from aiconv.web.schemas import AnyEvent, ConversationPage, Health, Run, Transcript

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}

#: The live stream's answer; ``openapi.py`` fills in the schema of its frames.
STREAM: dict[str, Any] = {
    "description": (
        "Server-sent events: an `event` frame per stored event (id = its sequence, data = the "
        "event and the state after it), then an `end` frame (data = the final state) once the "
        "conversation has ended; comment lines keep an idle connection open."
    ),
    "content": {"text/event-stream": {}},
}

#: A reconnect after the end: the HTML standard's way to tell an ``EventSource`` to stop.
CAUGHT_UP: dict[str, Any] = {
    "description": (
        "No Content: a reconnect (`Last-Event-ID` given) to a conversation that has ended, "
        "from a client that has every event; an `EventSource` stops reconnecting on a 204."
    ),
}

# A route's 400 (a parameter that fails its check) and 404 (an unknown id in its path) are
# stated by ``openapi.py``, derived from the route itself: no route lists them by hand.
router = APIRouter(prefix="/api")


def log_of(request: Request) -> ConversationLog:
    """The log the app serves."""
    log: ConversationLog = request.app.state.log
    return log


async def _existing(log: ConversationLog, conversation_id: str) -> None:
    if await log.last_sequence(conversation_id) == 0:
        raise HTTPException(404, f"no conversation {conversation_id}")


async def _caught_up_after_end(log: ConversationLog, conversation_id: str, after: int) -> bool:
    """Whether a client resuming after ``after`` has every event of an ended conversation.

    A client that ignores the ``end`` frame (a generic ``EventSource``) reconnects when the
    server closes the stream; answering its reconnect with the ``end`` frame again would loop
    forever, so it gets the 204 that stops it (a first connection still gets the ``end`` frame).
    """
    if after < await log.last_sequence(conversation_id):
        return False
    state, _ = await session.load_recorded(log, conversation_id)
    return state.is_ended


@router.get("/conversations", summary="List conversations, newest first")
async def conversations(
    request: Request, params: Annotated[ListParams, Query()]
) -> ConversationPage:
    """A page of the conversations index, newest first."""
    page = await list_page(log_of(request), params.to_query())
    return page.document()


@router.get("/conversations/{conversation_id}", summary="One conversation's transcript")
async def conversation(request: Request, conversation_id: ConversationId) -> Transcript:
    """The transcript document of one conversation (the ``aic export`` format)."""
    found = await load_conversation(log_of(request), conversation_id)
    if found is None:
        raise HTTPException(404, f"no conversation {conversation_id}")
    outcome = found.state.outcome
    return Transcript(
        **transcript_document(found.state),
        last_sequence=found.state.sequence,
        outcome_rationale=outcome.rationale if outcome else None,
    )


@router.get(
    "/conversations/{conversation_id}/events",
    summary="The events of a conversation",
)
async def events(
    request: Request, conversation_id: ConversationId, params: Annotated[AfterParams, Query()]
) -> list[AnyEvent]:  # type: ignore[valid-type]
    """Every event of one conversation after ``?after=`` (default 0), in order."""
    log = log_of(request)
    await _existing(log, conversation_id)
    stored = await log.read(conversation_id, after=params.after)
    return [event_document(recorded) for recorded in codec.decode_all(stored)]


@router.get(
    "/conversations/{conversation_id}/stream",
    summary="Live events of a conversation (server-sent events)",
    response_class=StreamingResponse,
    responses={200: STREAM, 204: CAUGHT_UP},
)
async def stream(
    request: Request,
    conversation_id: ConversationId,
    params: Annotated[AfterParams, Query()],
    last_event_id: Annotated[
        SequenceNumber,
        Header(alias="Last-Event-ID", description="The last sequence received; wins over after"),
    ] = None,
) -> Response:
    """Server-sent events of one conversation, resuming after ``Last-Event-ID`` or ``?after=``."""
    log = log_of(request)
    await _existing(log, conversation_id)
    after = params.after if last_event_id is None else last_event_id
    if last_event_id is not None and await _caught_up_after_end(log, conversation_id, after):
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    frames = live.stream(log, conversation_id, after=after, ping_s=request.app.state.ping_s)
    return StreamingResponse(frames, media_type="text/event-stream", headers=SSE_HEADERS)


@router.get(
    "/runs/{run_id}",
    summary="A simulation run: progress, outcomes, its conversations",
)
async def run(request: Request, run_id: RunId, params: Annotated[PageParams, Query()]) -> Run:
    """Progress, outcome distribution and a page of the conversations of one run."""
    cache: OutcomeCache = request.app.state.outcomes
    summary = await run_summary(log_of(request), cache, run_id)
    if summary.total == 0:
        raise HTTPException(404, f"no run {run_id}")
    page = await list_page(log_of(request), params.to_query(run_id))
    return summary.document(page)


@router.get("/health", summary="Liveness")
async def health(request: Request) -> Health:
    """Liveness and the backend in use."""
    return Health(status="ok", backend=log_of(request).backend)


@router.get("/openapi.json", summary="This document")
async def openapi(request: Request) -> dict[str, Any]:
    """The OpenAPI document of this API, generated from its routes and models."""
    return openapi_document(request.app)
