"""The JSON API over a SQLite log, through the ASGI app (no server)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from aiconv.cli.serve import allowed_hosts
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ConversationStarted, OutcomeDecided, ParticipantSpec
from aiconv.queues.log import ConversationLog, IndexEntry, ListQuery, StoredEvent
from aiconv.queues.sqlite import SqliteLog
from aiconv.testing.providers import ScriptedProvider, varied_text
from aiconv.web import create_app
from aiconv.web.api import router
from tests.web.conftest import converse, pair
from tests.web.harness import serving


class SpyLog:
    """Delegates to a real log and records what the app asked of it."""

    def __init__(self, log: ConversationLog) -> None:
        self._log = log
        self.backend = log.backend
        self.queries: list[ListQuery] = []
        self.reads: list[str] = []

    async def list_conversations(self, query: ListQuery | None = None) -> list[IndexEntry]:
        self.queries.append(query or ListQuery())
        return await self._log.list_conversations(query)

    async def read(
        self, conversation_id: str, after: int = 0, limit: int | None = None
    ) -> list[StoredEvent]:
        self.reads.append(conversation_id)
        return await self._log.read(conversation_id, after, limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._log, name)


async def start_many(log: SqliteLog, count: int) -> None:
    """``count`` started conversations, cycling through participants and agents."""
    conductor = Conductor(log)
    for i in range(count):
        participants = (
            ParticipantSpec(name=f"agent-{i % 3}", agent=("mock", "echo")[i % 2]),
            ParticipantSpec(name="support", agent="scripted"),
        )
        started = ConversationStarted(
            topic=f"case {i:05d}", participants=participants, first_speaker="support"
        )
        await conductor.start(f"conv-{i:05d}", started)


def ids(body: dict[str, Any]) -> list[str]:
    return [item["conversation_id"] for item in body["items"]]


async def test_list_of_thousands_reads_one_page_and_no_events(log: SqliteLog) -> None:
    """A page of a big log asks the index for one page and never reads a stream."""
    await start_many(log, 3000)
    spy = SpyLog(log)
    transport = httpx.ASGITransport(app=create_app(spy))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        body = (await client.get("/api/conversations", params={"limit": 25})).json()
        page = await client.get("/", params={"limit": 25, "offset": 2975})
    assert body["total"] == 3000
    assert ids(body) == [f"conv-{i:05d}" for i in range(2999, 2974, -1)]
    assert body["next_offset"] == 25
    assert page.status_code == 200
    assert page.text.count('class="row"') == 25
    assert 'rel="next"' not in page.text
    assert [(q.limit, q.offset) for q in spy.queries] == [(25, 0), (25, 2975)]
    assert spy.reads == []


async def test_list_filters_by_participant_agent_text_and_status(log: SqliteLog) -> None:
    await start_many(log, 30)
    ended = await converse(log, topic="Refund for order 77", participants=pair("ann", "support"))
    transport = httpx.ASGITransport(app=create_app(log))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def total(**params: str) -> int:
            response = await client.get("/api/conversations", params=params)
            assert response.status_code == 200, response.text
            return int(response.json()["total"])

        assert await total() == 31
        assert await total(participant="agent-1") == 10
        assert await total(agent="echo") == 15
        assert await total(agent="echo", participant="agent-1") == 5
        assert await total(q="ORDER 77") == 1
        assert await total(status="ended") == 1
        assert await total(status="active") == 30
        listed = (await client.get("/api/conversations", params={"status": "ended"})).json()
    assert ids(listed) == [ended.conversation_id]
    assert listed["items"][0]["end_reason"] == "max_turns"
    assert listed["items"][0]["participants"] == ["ann", "support"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "limit: must be a whole number from 1 to 200, got '0'"),
        ({"limit": "many"}, "limit: must be a whole number from 1 to 200, in digits 0-9"),
        ({"limit": ""}, "limit: must be a whole number from 1 to 200, in digits 0-9, got ''"),
        ({"offset": "-1"}, "offset: must be a whole number from 0 to 1000000000"),
        ({"offset": "1000000001"}, "offset: must be a whole number from 0 to 1000000000"),
        ({"offset": "１"}, "offset: must be a whole number from 0 to 1000000000, in digits"),
        ({"status": "paused"}, "status: Input should be 'active' or 'ended', got 'paused'"),
    ],
)
async def test_bad_list_parameters_are_400_with_the_fix(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    response = await client.get("/api/conversations", params=params)
    assert response.status_code == 400
    assert message in response.json()["error"]


async def test_conversation_document_has_the_transcript_and_totals(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    state = await converse(log, replies={"alice": ["Tea."], "bob": ["Coffee."]}, max_turns=2)
    body = (await client.get(f"/api/conversations/{state.conversation_id}")).json()
    assert [(m["sender"], m["content"]) for m in body["messages"]] == [
        ("alice", "Tea."),
        ("bob", "Coffee."),
    ]
    assert body["status"] == "ended"
    assert body["ended"]["reason"] == "max_turns"
    assert body["last_sequence"] == state.sequence
    assert body["summary"]["turns"] == 2


async def test_events_after_a_sequence_are_exactly_the_later_ones(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    state = await converse(log, max_turns=2)
    events = (await client.get(f"/api/conversations/{state.conversation_id}/events")).json()
    later = (
        await client.get(f"/api/conversations/{state.conversation_id}/events", params={"after": 3})
    ).json()
    assert [e["sequence"] for e in events] == list(range(1, state.sequence + 1))
    assert [e["kind"] for e in events][:3] == [
        "ConversationStarted",
        "TurnClaimed",
        "MessagePosted",
    ]
    assert later == events[3:]
    assert events[2]["meta"].startswith("scripted-1 · 10→")


async def test_unknown_conversation_and_run_are_404_in_json(client: httpx.AsyncClient) -> None:
    for path in (
        "/api/conversations/nope",
        "/api/conversations/nope/events",
        "/api/conversations/nope/stream",
        "/api/runs/nope",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "nope" in response.json()["error"]


@pytest.mark.timeout(60)
async def test_an_id_longer_than_any_id_is_400_without_echoing_it(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    """A 404 repeated the id it was given, however long (a pasted page: 100 kB back); an id
    over 128 characters names nothing and is refused before the log is read, the answer short.
    The longest id that may exist is still looked up (and its 404 names it whole)."""
    huge = "x" * 10_000
    api_paths = [
        f"/api/conversations/{huge}",
        f"/api/conversations/{huge}/events",
        f"/api/conversations/{huge}/stream",
        f"/api/runs/{huge}",
    ]
    pages = [f"/conversations/{huge}", f"/runs/{huge}", f"/conversations/{huge}/recording.wav"]
    for path in api_paths + pages:
        response = await client.get(path)
        assert response.status_code == 400, path
        assert len(response.text) < 3000, path
        assert "at most 128 characters" in response.text, path
        assert "(10000 characters)" in response.text, path
    error = (await client.get(f"/api/conversations/{huge}")).json()["error"]
    assert len(error) < 200, error
    longest = "y" * 128
    for path in (f"/api/conversations/{longest}", f"/api/runs/{longest}"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert longest in response.json()["error"]


async def test_a_long_value_in_a_bad_parameter_is_not_echoed_whole(
    client: httpx.AsyncClient,
) -> None:
    """A query parameter or body field refused for its form was echoed whole (``got '…'``)."""
    response = await client.get("/api/conversations", params={"offset": "9" * 50_000})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("offset: must be a whole number from 0 to 1000000000, got '999")
    assert error.endswith("… (50000 characters)") and len(error) < 200, error


async def test_a_list_filter_longer_than_anything_it_could_match_is_400(
    client: httpx.AsyncClient,
) -> None:
    """The list's text, participant and agent filters took any length (a pasted page searched
    through every topic); past the longest name or id (128) or search text (500) they are 400,
    the value not echoed whole. The longest accepted ones still filter (here: nothing)."""
    for name, limit in (("q", 500), ("participant", 128), ("agent", 128)):
        response = await client.get("/api/conversations", params={name: "z" * 10_000})
        assert response.status_code == 400, name
        error = response.json()["error"]
        assert error.startswith(f"{name}: ") and f"at most {limit} characters" in error, error
        assert len(error) < 250, error
        response = await client.get("/api/conversations", params={name: "z" * limit})
        assert response.status_code == 200, name
        assert response.json()["items"] == []


async def decide(log: SqliteLog, run_id: str, outcome: str | None, *, play: bool = True) -> None:
    """A conversation of run ``run_id`` with ``outcome`` decided, played to its end if ``play``."""
    conductor = Conductor(log)
    state = await session.create(
        conductor,
        topic=f"{run_id} case",
        participants=pair(),
        metadata={"run_id": run_id, "scenario": "lost card", "successes": ["resolved"]},
    )
    if outcome is not None:
        state = await conductor.append(state, [OutcomeDecided(outcome=outcome, by="judge")])
    if play:
        # Words of their own each turn: "a" and "b" said back and forth six times are a loop
        # (six terse messages going round), and these conversations are to end at max_turns.
        seats = {
            "alice": ScriptedProvider([varied_text(n) for n in range(1, 40, 2)]),
            "bob": ScriptedProvider([varied_text(n) for n in range(2, 40, 2)]),
        }
        await session.play_all(conductor, state.conversation_id, seats)


async def test_run_reports_progress_outcomes_and_its_conversations(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    outcomes: Sequence[str | None] = ("resolved", "resolved", "escalated", None)
    for outcome in outcomes:
        await decide(log, "run-7", outcome)
    await decide(log, "run-7", None, play=False)
    await decide(log, "other-run", "resolved")
    body = (await client.get("/api/runs/run-7", params={"limit": 2})).json()
    assert (body["total"], body["ended"], body["active"]) == (5, 4, 1)
    assert body["progress"] == 0.8
    assert body["outcomes"] == {"resolved": 2, "escalated": 1, "undecided": 1}
    assert body["end_reasons"] == {"max_turns": 4}
    assert (body["scenario"], body["successes"], body["success_rate"]) == (
        "lost card",
        ["resolved"],
        0.5,
    )
    assert body["conversations"]["total"] == 5
    assert len(body["conversations"]["items"]) == 2
    assert {item["run_id"] for item in body["conversations"]["items"]} == {"run-7"}


async def test_openapi_documents_exactly_the_json_api_routes(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/openapi.json")).json()
    routes = {route.path for route in router.routes if isinstance(route, APIRoute)}
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == routes
    assert all(set(ops) == {"get"} for ops in document["paths"].values())


async def test_openapi_states_the_bounds_the_server_enforces(client: httpx.AsyncClient) -> None:
    """The offset maximum was enforced but not documented; every bound is stated now."""
    document = (await client.get("/api/openapi.json")).json()
    params = {
        p["name"]: p["schema"] for p in document["paths"]["/api/conversations"]["get"]["parameters"]
    }
    assert (params["offset"]["minimum"], params["offset"]["maximum"]) == (0, 10**9)
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, 200)
    events = document["paths"]["/api/conversations/{conversation_id}/events"]["get"]
    after = next(p["schema"] for p in events["parameters"] if p["name"] == "after")
    assert (after["minimum"], after["maximum"]) == (0, 2**63 - 1)
    responses = events["responses"]
    assert set(responses) == {"200", "400", "404"}
    assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiError")


async def test_openapi_documents_every_field_the_transcript_returns(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    """``outcome_rationale`` was returned but undocumented."""
    state = await converse(log, max_turns=2)
    document = (await client.get("/api/openapi.json")).json()
    body = (await client.get(f"/api/conversations/{state.conversation_id}")).json()
    transcript = document["components"]["schemas"]["Transcript"]
    assert set(body) == set(transcript["properties"])
    assert "outcome_rationale" in transcript["properties"]
    assert transcript["additionalProperties"] is False


async def test_the_openapi_document_is_valid_openapi_3_1(client: httpx.AsyncClient) -> None:
    """OpenAPI 3.2's ``itemSchema`` in a 3.1 document failed every 3.1 validator."""
    document = (await client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.1.")
    schemathesis.openapi.from_dict(document).validate()


async def test_openapi_describes_the_stream_frame_by_frame(client: httpx.AsyncClient) -> None:
    """The stream was described as a plain string; each frame's JSON now has a schema."""
    document = (await client.get("/api/openapi.json")).json()
    stream = document["paths"]["/api/conversations/{conversation_id}/stream"]["get"]
    content = stream["responses"]["200"]["content"]
    assert list(content) == ["text/event-stream"]
    event_frame, end_frame = content["text/event-stream"]["schema"]["oneOf"]
    frames = event_frame["properties"]["data"]["contentSchema"]
    assert frames["discriminator"]["propertyName"] == "kind"
    assert "MessagePosted" in frames["discriminator"]["mapping"]
    assert end_frame["properties"]["data"]["contentSchema"]["$ref"].endswith("/LiveState")


@pytest.mark.parametrize(
    "after", ["9223372036854775808", str(2**70), "", "３", " 3", "+3", "-1", "3.0"]
)
async def test_after_outside_a_stored_sequence_is_a_400_in_json(
    client: httpx.AsyncClient, log: SqliteLog, after: str
) -> None:
    """2^63 and up was a plain-text 500 (SQLite overflow); empty and full-width were accepted."""
    state = await converse(log, max_turns=2)
    for route in ("events", "stream"):
        url = f"/api/conversations/{state.conversation_id}/{route}"
        response = await client.get(url, params={"after": after})
        assert response.status_code == 400, (route, response.text)
        assert response.json()["error"].startswith("after: must be a whole number from 0 to ")


async def test_the_largest_sequence_is_accepted(client: httpx.AsyncClient, log: SqliteLog) -> None:
    state = await converse(log, max_turns=2)
    url = f"/api/conversations/{state.conversation_id}/events"
    response = await client.get(url, params={"after": str(2**63 - 1)})
    assert (response.status_code, response.json()) == (200, [])


async def test_a_bad_last_event_id_is_a_400(client: httpx.AsyncClient, log: SqliteLog) -> None:
    state = await converse(log, max_turns=2)
    url = f"/api/conversations/{state.conversation_id}/stream"
    response = await client.get(url, headers={"Last-Event-ID": "9" * 30})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Last-Event-ID: must be a whole number")


@pytest.mark.parametrize(
    "path", ["/api/conversations", "/api/health", "/api/openapi.json", "/api/runs/r", "/"]
)
async def test_a_wrong_method_is_405_with_the_allowed_ones(
    client: httpx.AsyncClient, path: str
) -> None:
    """The custom error handler dropped the ``Allow`` header RFC 9110 requires on a 405."""
    for method in ("POST", "PUT", "DELETE", "TRACE"):
        response = await client.request(method, path)
        assert response.status_code == 405, (method, path)
        assert "GET" in response.headers["allow"], (method, path)


async def test_head_answers_as_get_does_without_the_body(log: SqliteLog) -> None:
    """RFC 9110 has every server answer HEAD where it answers GET (``curl -I``, uptime checks):
    the JSON API did only for its pages, 405 elsewhere. The document still lists GET only."""
    state = await converse(log, metadata={"run_id": "r1"})
    cid = state.conversation_id
    paths = ["/api/conversations?limit=1", "/api/health", "/api/openapi.json", "/api/runs/r1"]
    paths += [f"/api/conversations/{cid}", f"/api/conversations/{cid}/events", "/api/runs/nope"]
    async with serving(create_app(log)) as base, httpx.AsyncClient(base_url=base) as client:
        for path in paths:
            got, head = await client.get(path), await client.head(path)
            assert (head.status_code, head.content) == (got.status_code, b""), path
            for header in ("content-type", "content-length"):
                assert head.headers[header] == got.headers[header], (path, header)
        refused = await client.post("/api/health")
        stream = await client.head(f"/api/conversations/{cid}/stream")  # would stay open
        document = (await client.get("/api/openapi.json")).json()
    assert refused.headers["allow"] == "GET, HEAD"
    assert (stream.status_code, stream.headers["allow"]) == (405, "GET")
    assert all("head" not in operations for operations in document["paths"].values())


async def test_a_server_error_answers_json_under_api(log: SqliteLog) -> None:
    """An unexpected failure is a 500 with a JSON ``error``, never a plain-text body."""

    class BrokenLog(SpyLog):
        async def list_conversations(self, query: ListQuery | None = None) -> list[IndexEntry]:
            raise RuntimeError("disk on fire")

    transport = httpx.ASGITransport(app=create_app(BrokenLog(log)), raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/api/conversations")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error: the server's log has the details"}
    assert "disk on fire" not in response.text


async def test_the_app_is_read_only(client: httpx.AsyncClient, log: SqliteLog) -> None:
    state = await converse(log, max_turns=2)
    for path in ("/", "/api/conversations", f"/api/conversations/{state.conversation_id}"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert (await client.request(method, path)).status_code == 405, (method, path)
    assert await log.last_sequence(state.conversation_id) == state.sequence


async def test_responses_forbid_inline_script_and_framing(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    policy = response.headers["content-security-policy"]
    assert response.json() == {"status": "ok", "backend": "sqlite"}
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


async def test_allowed_hosts_reject_a_foreign_host_header(log: SqliteLog) -> None:
    """Bound to loopback, a rebinding attacker's Host header is refused."""
    app = create_app(log, allowed_hosts=["127.0.0.1", "localhost"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as client:
        assert (await client.get("/api/health")).status_code == 200
        foreign = await client.get("/api/health", headers={"Host": "evil.example"})
    assert foreign.status_code == 400


def test_an_app_given_a_url_opens_the_log_for_its_lifetime(tmp_path: Path) -> None:
    """A plain (non-async) test: TestClient runs the lifespan and the requests on its own loop."""
    app = create_app(f"sqlite:///{tmp_path / 'served.db'}")
    with TestClient(app) as client:
        assert client.get("/api/health").json() == {"status": "ok", "backend": "sqlite"}
        assert client.get("/api/conversations").json()["total"] == 0
    assert (tmp_path / "served.db").exists()


async def test_loopback_host_headers_of_aic_serve_include_ipv6(log: SqliteLog) -> None:
    app = create_app(log, allowed_hosts=allowed_hosts("::1"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://[::1]:8080") as client:
        assert (await client.get("/api/health")).status_code == 200


async def test_the_document_and_the_docs_are_also_where_fastapi_apps_serve_them(
    client: httpx.AsyncClient,
) -> None:
    """Issue 18: "documented in the OpenAPI document, with interactive docs"; a client trying
    FastAPI's usual /openapi.json and /docs got 404 (they live under /api/)."""
    documented = (await client.get("/api/openapi.json")).json()
    plain = await client.get("/openapi.json")
    assert plain.status_code == 200 and plain.json() == documented
    assert "/openapi.json" not in documented["paths"]  # the contract is the JSON API's alone
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert docs.text == (await client.get("/api/docs")).text
