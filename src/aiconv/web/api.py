"""The JSON API under ``/api/``: the same reads as the pages, as documents (see ``openapi.py``).

Read-only: every route is a GET.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from aiconv.platform import codec
from aiconv.platform.projections import transcript_document
from aiconv.queues.log import ConversationLog
from aiconv.web import live
from aiconv.web.openapi import OPENAPI
from aiconv.web.queries import (
    OutcomeCache,
    event_json,
    list_page,
    load_conversation,
    parse_list_query,
    run_summary,
)

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def log_of(request: Request) -> ConversationLog:
    """The log the app serves."""
    log: ConversationLog = request.app.state.log
    return log


async def conversations(request: Request) -> Response:
    """A page of the conversations index, newest first."""
    page = await list_page(log_of(request), parse_list_query(request.query_params))
    return JSONResponse(page.to_json())


async def conversation(request: Request) -> Response:
    """The transcript document of one conversation (the ``aic export`` format)."""
    cid = request.path_params["conversation_id"]
    found = await load_conversation(log_of(request), cid)
    if found is None:
        raise HTTPException(404, f"no conversation {cid}")
    document = transcript_document(found.state)
    document["last_sequence"] = found.state.sequence
    document["outcome_rationale"] = found.state.outcome.rationale if found.state.outcome else None
    return JSONResponse(document)


async def events(request: Request) -> Response:
    """Every event of one conversation after ``?after=`` (default 0), in order."""
    cid = request.path_params["conversation_id"]
    after = live.resume_point({}, request.query_params)
    log = log_of(request)
    if await log.last_sequence(cid) == 0:
        raise HTTPException(404, f"no conversation {cid}")
    return JSONResponse([event_json(r) for r in codec.decode_all(await log.read(cid, after=after))])


async def stream(request: Request) -> Response:
    """Server-sent events of one conversation, resuming after ``Last-Event-ID`` or ``?after=``."""
    cid = request.path_params["conversation_id"]
    after = live.resume_point(request.headers, request.query_params)
    if await log_of(request).last_sequence(cid) == 0:
        raise HTTPException(404, f"no conversation {cid}")
    frames = live.stream(log_of(request), cid, after=after, ping_s=request.app.state.ping_s)
    return StreamingResponse(frames, media_type="text/event-stream", headers=SSE_HEADERS)


async def run(request: Request) -> Response:
    """Progress, outcome distribution and a page of the conversations of one run."""
    run_id = request.path_params["run_id"]
    cache: OutcomeCache = request.app.state.outcomes
    summary = await run_summary(log_of(request), cache, run_id)
    if summary.total == 0:
        raise HTTPException(404, f"no run {run_id}")
    page = await list_page(log_of(request), parse_list_query(request.query_params, run_id=run_id))
    return JSONResponse({**summary.to_json(), "conversations": page.to_json()})


async def health(request: Request) -> Response:
    """Liveness and the backend in use."""
    return JSONResponse({"status": "ok", "backend": log_of(request).backend})


async def openapi(request: Request) -> Response:
    """The OpenAPI document of this API."""
    return JSONResponse(OPENAPI)


ROUTES = [
    Route("/api/conversations", conversations),
    Route("/api/conversations/{conversation_id}", conversation),
    Route("/api/conversations/{conversation_id}/events", events),
    Route("/api/conversations/{conversation_id}/stream", stream),
    Route("/api/runs/{run_id}", run),
    Route("/api/health", health),
    Route("/api/openapi.json", openapi),
]
