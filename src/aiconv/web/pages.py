"""The HTML pages: the conversations list, one conversation, one simulation run.

Templates are rendered by a Jinja environment with autoescaping always on, so conversation
content (topics, messages, names, details) is text wherever it appears. Pages contain no inline
script: live updates come from ``static/conversation.js``, which writes with ``textContent`` only
and shows control and hidden format characters as their code, as ``shown_as_text`` does here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from aiconv.platform.events import MessagePosted, ModeratorNoted
from aiconv.platform.flow_fold import flows_of
from aiconv.platform.markdown import CONTROL_PATTERN, shown_as_text
from aiconv.web.api import log_of
from aiconv.web.audio import spoken_by_message
from aiconv.web.describe import cost_text, describe, message_meta
from aiconv.web.params import checked_id, list_params
from aiconv.web.queries import (
    STATUSES,
    OutcomeCache,
    colours,
    iso,
    list_page,
    load_conversation,
    query_params,
    run_summary,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"


def templates() -> Jinja2Templates:
    """The page templates, autoescaped whatever their file name."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=shown_as_text,  # a terminal escape or a bidi override shows as its code
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=lambda at: iso(at).replace("T", " ")[:19], iso=iso, cost=cost_text)
    env.globals.update(
        describe=describe, meta=message_meta, query_params=query_params, controls=CONTROL_PATTERN
    )
    return Jinja2Templates(env=env)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """The page ``name`` rendered with ``context``."""
    pages: Jinja2Templates = request.app.state.templates
    return pages.TemplateResponse(request, name, context, status_code=status_code)


async def conversations(request: Request) -> Response:
    """The conversations list: search, filters, newest first, one page at a time."""
    page = await list_page(log_of(request), list_params(request.query_params).to_query())
    return render(request, "conversations.html", page=page, statuses=STATUSES)


async def conversation(request: Request) -> Response:
    """One conversation: the transcript, its events on request, live while active."""
    cid = checked_id("conversation_id", request.path_params["conversation_id"])
    found = await load_conversation(log_of(request), cid)
    if found is None:
        raise HTTPException(404, f"no conversation {cid}")
    return render(
        request,
        "conversation.html",
        state=found.state,
        events=found.events,
        forks=found.forks,
        colours=colours(found.state),
        show_events=request.query_params.get("events") in ("1", "true", "on"),
        is_message=lambda e: isinstance(e, MessagePosted | ModeratorNoted),
        spoken=spoken_by_message(found.events),
        flows=list(flows_of(found.state.flow_events).values()),
    )


async def run(request: Request) -> Response:
    """One simulation run: progress, outcome distribution, its conversations."""
    run_id = checked_id("run_id", request.path_params["run_id"])
    cache: OutcomeCache = request.app.state.outcomes
    summary = await run_summary(log_of(request), cache, run_id)
    if summary.total == 0:
        raise HTTPException(404, f"no run {run_id}")
    page = await list_page(log_of(request), list_params(request.query_params).to_query(run_id))
    return render(request, "run.html", summary=summary, page=page, statuses=STATUSES)


ROUTES = [
    Route("/", conversations),
    # issue 8's "conversations page", under the path its conversation pages sit below
    Route("/conversations", conversations),
    Route("/conversations/{conversation_id}", conversation),
    Route("/runs/{run_id}", run),
]
