"""The write API: a person talks to any agent over HTTP (the human seat).

Off unless a token is configured (``create_app(write=WriteAccess(token=…))``, from
``AIC_API_TOKEN``): then ``POST /api/conversations`` starts a conversation between the caller and
an agent that this server runs, ``POST …/messages`` posts the person's message on their turn, and
``POST …/leave`` ends the conversation (``left_seat``). Replies are read with the read API
(``/events?after=``, ``/stream``). Every write needs ``Authorization: Bearer <token>``; a missing
or wrong one is 401 (compared in constant time).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from aiconv.errors import ConfigError, ProviderUnavailable
from aiconv.platform.conversation import ConversationState
from aiconv.platform.turns import next_speaker
from aiconv.web.params import BadRequest, ConversationId
from aiconv.web.schemas import ApiError, NewConversation, NewMessage, Opened, Posted
from aiconv.web.seats import NotYourTurn, Opening, Seats

_bearer = HTTPBearer(auto_error=False, description="The token set in AIC_API_TOKEN")


async def authorized(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """401 unless the request carries the configured bearer token."""
    seats: Seats = request.app.state.seats
    given = credentials.credentials if credentials is not None else ""
    if not secrets.compare_digest(given.encode(), seats.access.token.encode()):
        raise HTTPException(
            401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )


def _answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The route's own answers; ``openapi.py`` adds the 400 of a body or id that fails its check
    and the 404 of an unknown id in the path (derived, so never listed where impossible)."""
    what = {
        400: "A bad body, or an agent this server cannot run",
        401: "No or a wrong bearer token",
        409: "Not the person's turn, or the conversation has ended",
        502: "The agent's server on this machine does not answer (e.g. Ollama not running)",
    }
    return {s: {"model": ApiError, "description": what[s]} for s in statuses}


router = APIRouter(prefix="/api", dependencies=[Depends(authorized)])


def _seats(request: Request) -> Seats:
    seats: Seats = request.app.state.seats
    return seats


def _opened(state: ConversationState, person: str, agent: str) -> Opened:
    base = f"/api/conversations/{state.conversation_id}"
    return Opened(
        conversation_id=state.conversation_id,
        person=person,
        agent=agent,
        status="ended" if state.is_ended else "active",
        next_speaker=next_speaker(state),
        last_sequence=state.sequence,
        messages_url=f"{base}/messages",
        events_url=f"{base}/events",
        stream_url=f"{base}/stream",
    )


#: The 201 answer's ``Location`` header, stated so a client generated from the document reads it.
_LOCATION = {
    "Location": {
        "description": "The new conversation's transcript (``GET`` it)",
        "schema": {"type": "string", "pattern": "^/api/conversations/[^/]+$"},
    }
}


@router.post(
    "/conversations",
    summary="Start a conversation between you and an agent",
    status_code=201,
    response_model=Opened,
    responses={201: {"headers": _LOCATION}, **_answers(400, 401, 502)},
)
async def open_conversation(request: Request, body: NewConversation) -> Response:
    """The agent runs on this server; you take the other seat (post on your turns)."""
    agent_name = body.agent_name or body.agent.split(":", 1)[0].strip().lower() or "agent"
    if agent_name == body.name:
        agent_name = f"{agent_name}-agent"
    opening = Opening(
        topic=body.topic,
        person=body.name,
        agent_name=agent_name,
        person_first=body.first == "person",
        max_turns=body.max_turns,
        system=body.system,
        persona=body.persona,
    )
    try:
        state = await _seats(request).open(opening, body.agent)
    except ConfigError as exc:
        raise BadRequest(str(exc)) from None
    except ProviderUnavailable as exc:  # the agent runs here and could never reply
        raise HTTPException(502, str(exc)) from None
    document = _opened(state, body.name, agent_name)
    return JSONResponse(
        document.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/api/conversations/{state.conversation_id}"},
    )


async def _known(request: Request, conversation_id: str) -> None:
    if await _seats(request).log.last_sequence(conversation_id) == 0:
        raise HTTPException(404, f"no conversation {conversation_id}")


@router.post(
    "/conversations/{conversation_id}/messages",
    summary="Say something on your turn",
    status_code=201,
    responses=_answers(401, 409),
)
async def post_message(
    request: Request, conversation_id: ConversationId, body: NewMessage
) -> Posted:
    """Posts the message once it is your turn's; returns when it is in the log."""
    await _known(request, conversation_id)
    try:
        sequence, state = await _seats(request).say(conversation_id, body.content)
    except NotYourTurn as exc:
        raise HTTPException(409, str(exc)) from None
    return _posted(state, sequence)


def _posted(state: ConversationState, sequence: int) -> Posted:
    return Posted(
        conversation_id=state.conversation_id,
        sequence=sequence,
        status="ended" if state.is_ended else "active",
        next_speaker=next_speaker(state),
        end_reason=state.ended.reason if state.ended else None,
    )


@router.post(
    "/conversations/{conversation_id}/leave",
    summary="Leave your seat: the conversation ends",
    responses=_answers(401, 409),
)
async def leave(request: Request, conversation_id: ConversationId) -> Posted:
    """Ends the conversation with the reason ``left_seat`` (as Ctrl+D does in a terminal)."""
    await _known(request, conversation_id)
    try:
        state = await _seats(request).leave(conversation_id)
    except NotYourTurn as exc:
        raise HTTPException(409, str(exc)) from None
    return _posted(state, state.sequence)
