"""A shared seat (``Conductor(shared=True)``, as ``aic join`` runs it) whose own provider fails
gives its turn back instead of ending the conversation; anything else still ends it."""

from __future__ import annotations

import asyncio

import pytest

from aiconv.errors import ProviderError, ProviderRejected, ProviderUnavailable
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import AgentFailed, ParticipantSpec, StopConfig
from aiconv.platform.turn import is_own_failure
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.providers import ScriptedProvider, varied_text

pytestmark = pytest.mark.timeout(30)

PAIR = (
    ParticipantSpec(name="alice", agent="scripted"),
    ParticipantSpec(name="bob", agent="scripted"),
)
OWN = [
    ProviderUnavailable("x: gave up after 4 attempts: connection refused", provider="x"),
    ProviderRejected("x: HTTP 401: invalid key", provider="x", status=401),
    ProviderRejected("x: HTTP 403: no access to this model", provider="x", status=403),
    ProviderRejected("x: HTTP 404: model 'nope' not found", provider="x", status=404),
]


def texts(start: int) -> ScriptedProvider:
    return ScriptedProvider([varied_text(i) for i in range(start, 40, 2)])


@pytest.mark.parametrize("error", OWN, ids=lambda e: str(e)[:24])
async def test_a_shared_seat_releases_its_turn_when_its_own_provider_fails(
    error: ProviderError,
) -> None:
    log = InMemoryLog()
    joined = Conductor(log, shared=True)
    created = await session.create(
        joined, topic="t", participants=PAIR, stop=StopConfig(max_turns=4), lease_s=600
    )
    cid = created.conversation_id
    with pytest.raises(type(error)) as raised:
        await joined.play(cid, "alice", ScriptedProvider([error]))
    assert raised.value is error
    state = await joined.load(cid)
    assert not state.is_ended and state.claim is None and state.last_claim is None
    recorded = [r.event for r in codec.decode_all(await log.read(cid))]
    assert [e.KIND for e in recorded] == ["ConversationStarted", "TurnClaimed", "AgentFailed"]
    assert isinstance(recorded[-1], AgentFailed) and recorded[-1].released

    other = Conductor(log)  # within the ten-minute lease: only a release lets it speak now
    async with asyncio.timeout(10):
        await asyncio.gather(other.play(cid, "alice", texts(0)), other.play(cid, "bob", texts(1)))
    final = await other.load(cid)
    assert [m.sender for m in final.messages] == ["alice", "bob"] * 2
    assert final.ended is not None and final.ended.reason == "max_turns"


@pytest.mark.parametrize(
    "error",
    [
        ProviderRejected("x: HTTP 400: prompt is too long", provider="x", status=400),
        ProviderError("x: script exhausted", provider="x"),
    ],
    ids=["400", "other"],
)
async def test_a_shared_seat_still_ends_when_what_was_asked_is_refused(
    error: ProviderError,
) -> None:
    """A refusal of the request itself would meet any instance: the conversation ends."""
    log = InMemoryLog()
    joined = Conductor(log, shared=True)
    cid = (await session.create(joined, topic="t", participants=PAIR)).conversation_id
    final = await joined.play(cid, "alice", ScriptedProvider([error]))
    assert final.ended is not None and final.ended.reason == "provider_error"
    failed = [r.event for r in codec.decode_all(await log.read(cid))][-2]
    assert isinstance(failed, AgentFailed) and not failed.released


def test_own_failures_are_unreachable_refused_keys_and_unknown_models() -> None:
    assert all(is_own_failure(e) for e in OWN)
    assert not is_own_failure(ProviderRejected("bad request", provider="x", status=400))
    assert not is_own_failure(ProviderRejected("too large", provider="x", status=413))
    assert not is_own_failure(ProviderError("x", provider="x", retryable=True))
