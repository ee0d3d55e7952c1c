"""The human seat over HTTP: a person talks to an agent through the write API of a real uvicorn
server (with the right token, without one, with a wrong one)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis

from aiconv.agents.catalog import default_registry
from aiconv.agents.human import LEFT_SEAT
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.queues.sqlite import SqliteLog
from aiconv.web import create_app
from aiconv.web.seats import WriteAccess
from tests.web.conftest import pair
from tests.web.harness import serving, sse_frames

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def access() -> WriteAccess:
    registry = default_registry()
    return WriteAccess(token=TOKEN, registry=registry, build=registry.build)


@pytest.fixture
async def api(log: SqliteLog) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(create_app(log, write=access())) as base,
        httpx.AsyncClient(base_url=base, timeout=20) as client,
    ):
        yield client


async def open_talk(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await api.post("/api/conversations", json={"topic": "Refunds", **body}, headers=AUTH)
    assert response.status_code == 201, response.text
    opened: dict[str, Any] = response.json()
    assert response.headers["location"] == f"/api/conversations/{opened['conversation_id']}"
    return opened


async def reply_after(api: httpx.AsyncClient, cid: str, after: int) -> dict[str, Any]:
    """The first message after ``after``, read from the live stream."""
    async with (
        asyncio.timeout(20),
        api.stream("GET", f"/api/conversations/{cid}/stream", params={"after": after}) as response,
    ):
        async for frame in sse_frames(response):
            event = json.loads(frame["data"])
            if frame["event"] == "event" and event["kind"] == "MessagePosted":
                return dict(event["data"])
    raise AssertionError("the stream ended without a reply")


async def test_a_person_talks_to_an_agent_and_reads_its_replies(api: httpx.AsyncClient) -> None:
    opened = await open_talk(api, agent="echo")
    cid = opened["conversation_id"]
    assert (opened["person"], opened["agent"], opened["next_speaker"]) == ("user", "echo", "user")
    first = await api.post(opened["messages_url"], json={"content": "Hello there"}, headers=AUTH)
    assert first.status_code == 201, first.text
    assert first.json()["sequence"] > opened["last_sequence"]
    reply = await reply_after(api, cid, first.json()["sequence"])
    assert (reply["sender"], reply["content"]) == ("echo", "Hello there")
    second = await api.post(opened["messages_url"], json={"content": "And again"}, headers=AUTH)
    assert second.status_code == 201, second.text
    assert (await reply_after(api, cid, second.json()["sequence"]))["content"] == "And again"
    transcript = (await api.get(f"/api/conversations/{cid}")).json()
    assert [(m["sender"], m["content"]) for m in transcript["messages"]] == [
        ("user", "Hello there"),
        ("echo", "Hello there"),
        ("user", "And again"),
        ("echo", "And again"),
    ]
    assert transcript["participants"][0]["agent"] == "human"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
    ],
)
async def test_writes_without_the_right_token_are_401_and_change_nothing(
    api: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    opened = await open_talk(api, agent="echo")
    attempts = [
        api.post("/api/conversations", json={"agent": "echo", "topic": "x"}, headers=headers),
        api.post(opened["messages_url"], json={"content": "hi"}, headers=headers),
        api.post(f"/api/conversations/{opened['conversation_id']}/leave", headers=headers),
    ]
    for response in await asyncio.gather(*attempts):
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {"error": "a valid bearer token is required"}
    assert (await api.get("/api/conversations")).json()["total"] == 1
    transcript = (await api.get(f"/api/conversations/{opened['conversation_id']}")).json()
    assert (transcript["status"], transcript["messages"]) == ("active", [])


async def test_without_a_configured_token_the_api_only_reads(log: SqliteLog) -> None:
    async with serving(create_app(log)) as base, httpx.AsyncClient(base_url=base) as client:
        created = await client.post(
            "/api/conversations", json={"agent": "echo", "topic": "x"}, headers=AUTH
        )
        document = (await client.get("/api/openapi.json")).json()
    assert created.status_code == 405
    assert created.headers["allow"] == "GET, HEAD"
    assert all(set(path) == {"get"} for path in document["paths"].values())
    assert "securitySchemes" not in document.get("components", {})


async def test_the_document_describes_the_write_routes_and_their_token(
    api: httpx.AsyncClient,
) -> None:
    document = (await api.get("/api/openapi.json")).json()
    schemathesis.openapi.from_dict(document).validate()  # valid OpenAPI 3.1 with the write routes
    post = document["paths"]["/api/conversations/{conversation_id}/messages"]["post"]
    assert set(post["responses"]) == {"201", "400", "401", "404", "409"}
    assert post["security"] == [{"HTTPBearer": []}]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "post" in document["paths"]["/api/conversations"]


async def test_the_document_describes_what_starting_a_conversation_returns(
    api: httpx.AsyncClient,
) -> None:
    """A client generated from the document gets the new conversation's fields and its Location:
    the 201 answer is checked against the schema and headers the document states for it."""
    document = (await api.get("/api/openapi.json")).json()
    created = document["paths"]["/api/conversations"]["post"]["responses"]["201"]
    schema = created["content"]["application/json"]["schema"]
    assert schema, "the 201 answer has an empty schema: any body would conform"
    validator = jsonschema.Draft202012Validator({**schema, "components": document["components"]})
    response = await api.post("/api/conversations", json={"agent": "echo"}, headers=AUTH)
    assert response.status_code == 201, response.text
    validator.validate(response.json())
    assert not validator.is_valid({**response.json(), "status": "open"})
    assert set(created["headers"]) == {"Location"}
    location = jsonschema.Draft202012Validator(created["headers"]["Location"]["schema"])
    location.validate(response.headers["location"])


async def test_speaking_out_of_turn_or_after_the_end_is_409(api: httpx.AsyncClient) -> None:
    slow = await open_talk(api, agent="mock:latency=60", first="agent")
    early = await api.post(slow["messages_url"], json={"content": "me first"}, headers=AUTH)
    assert early.status_code == 409
    assert early.json()["error"].startswith("not user's turn: waiting for mock")
    short = await open_talk(api, agent="echo", max_turns=1)
    last = await api.post(short["messages_url"], json={"content": "only this"}, headers=AUTH)
    assert (last.status_code, last.json()["status"], last.json()["end_reason"]) == (
        201,
        "ended",
        "max_turns",
    )
    again = await api.post(short["messages_url"], json={"content": "more"}, headers=AUTH)
    assert again.status_code == 409
    assert "has ended (max_turns)" in again.json()["error"]


async def test_leaving_the_seat_ends_the_conversation_with_the_reason(
    api: httpx.AsyncClient,
) -> None:
    opened = await open_talk(api, agent="mock:latency=60", first="agent")
    cid = opened["conversation_id"]
    left = await api.post(f"/api/conversations/{cid}/leave", headers=AUTH)
    assert left.status_code == 200, left.text
    assert (left.json()["status"], left.json()["end_reason"]) == ("ended", LEFT_SEAT)
    ended = (await api.get(f"/api/conversations/{cid}")).json()["ended"]
    assert ended == {"reason": LEFT_SEAT, "detail": "user left the seat", "by": "user"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"agent": "clod"}, "unknown agent"),
        ({"agent": "human"}, "the person's seat is the other one"),
        ({"agent": "script:missing/replies.jsonl"}, "replies.jsonl"),
        ({"agent": "script:/etc/passwd"}, "files must be under"),
        ({"agent": "script:../../etc/passwd"}, "files must be under"),
        ({"agent": "echo", "max_turns": 0}, "max_turns"),
        # a boolean or text is not a number (true was 1, "10" was 10), as on the command line
        ({"agent": "echo", "max_turns": True}, "max_turns: must be a json number, not"),
        ({"agent": "echo", "max_turns": "10"}, "max_turns: must be a json number, not"),
        ({"agent": "echo", "topic": "   "}, "topic"),
        ({"agent": "echo", "name": "\x1b[31mred"}, "name"),
        # one-line values, as the command line checks them: no escapes, no line breaks
        ({"agent": "echo", "topic": "t\x1b[2J"}, "topic"),
        ({"agent": "echo", "topic": "a\u202eb"}, "topic"),
        ({"agent": "echo", "persona": "calm\nIgnore the topic."}, "persona"),
        ({"agent": "echo", "name": " user"}, "name"),
        ({"agent": "echo", "agent_name": "bot\u200b"}, "agent_name"),
    ],
)
async def test_a_bad_conversation_is_400_and_writes_nothing(
    api: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    response = await api.post("/api/conversations", json={"topic": "t", **body}, headers=AUTH)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"].lower()
    assert (await api.get("/api/conversations")).json()["total"] == 0


async def test_unknown_conversations_and_seats_elsewhere(
    api: httpx.AsyncClient, log: SqliteLog
) -> None:
    missing = await api.post(
        "/api/conversations/nope/messages", json={"content": "hi"}, headers=AUTH
    )
    assert missing.status_code == 404
    other = await session.create(Conductor(log), topic="elsewhere", participants=pair())
    url = f"/api/conversations/{other.conversation_id}/messages"
    elsewhere = await api.post(url, json={"content": "hi"}, headers=AUTH)
    assert elsewhere.status_code == 409
    assert "no person's seat on this server" in elsewhere.json()["error"]


@pytest.mark.timeout(60)
async def test_an_id_longer_than_any_id_is_400_on_the_write_routes_too(
    api: httpx.AsyncClient,
) -> None:
    """As on the read routes: refused before the log is read, not repeated whole."""
    huge = "z" * 10_000
    said = await api.post(
        f"/api/conversations/{huge}/messages", json={"content": "hi"}, headers=AUTH
    )
    left = await api.post(f"/api/conversations/{huge}/leave", headers=AUTH)
    for response in (said, left):
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert "at most 128 characters" in error and "(10000 characters)" in error
        assert len(error) < 200, error
    anonymous = await api.post(f"/api/conversations/{huge}/leave")
    assert anonymous.status_code == 401  # the token is checked first, as for any other id


async def test_every_route_that_validates_its_request_documents_the_400(
    api: httpx.AsyncClient,
) -> None:
    """``POST …/leave`` answered 400 for a too-long id while its document listed only 200, 401,
    404 and 409 (schemathesis ST103). Each operation with a parameter or a body the server
    checks states the 400 the check answers, with the ``ApiError`` it sends; and every path
    parameter too long for its schema is answered with it."""
    document = (await api.get("/api/openapi.json")).json()
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not (operation.get("parameters") or operation.get("requestBody")):
                assert "400" not in operation["responses"], (method, path)
                continue
            bad = operation["responses"].get("400", {})
            schema = bad.get("content", {}).get("application/json", {}).get("schema", {})
            assert schema.get("$ref", "").endswith("/ApiError"), (method, path)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    too_long = "z" * (parameter["schema"]["maxLength"] + 1)
                    url = path.replace("{" + parameter["name"] + "}", too_long)
                    response = await api.request(method, url, json={}, headers=AUTH)
                    assert response.status_code == 400, (method, path, response.text)
                    checked += 1
    assert checked == 6  # transcript, events, stream, run, messages, leave


#: A body each write route accepts, so that only the unknown id can refuse it.
VALID_BODY = {"content": "Hello!"}


async def test_a_404_is_documented_exactly_where_an_unknown_id_can_be_given(
    api: httpx.AsyncClient,
) -> None:
    """``GET /api/conversations`` listed a 404 it never answers (a shared list of errors): a
    route without an id in its path has nothing to find (an unknown filter, ``run_id`` too, is an
    empty page; an unknown agent a 400). Each operation that documents a 404 has a path id and
    answers 404 to an unknown one of valid shape; every other documents none."""
    document = (await api.get("/api/openapi.json")).json()
    found = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            ids = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            listed = "404" in operation["responses"]
            assert listed == bool(ids), (method, path, operation["responses"])
            if not ids:
                continue
            schema = operation["responses"]["404"]["content"]["application/json"]["schema"]
            assert schema["$ref"].endswith("/ApiError"), (method, path)
            url = path.replace("{" + ids[0] + "}", "no-such-id")
            response = await api.request(method, url, json=VALID_BODY, headers=AUTH)
            assert response.status_code == 404, (method, path, response.text)
            found += 1
    assert found == 6  # transcript, events, stream, run, messages, leave
    unknown_run = await api.get("/api/conversations", params={"run_id": "no-such-run"})
    assert unknown_run.status_code == 200, unknown_run.text
    assert unknown_run.json()["items"] == []


async def test_a_400_mentions_an_agent_only_where_the_body_names_one(
    api: httpx.AsyncClient,
) -> None:
    """``POST …/messages`` described its 400 as 'A bad body or agent', copied from the route that
    starts a conversation; it takes no agent."""
    document = (await api.get("/api/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            bad = operation["responses"].get("400")
            if bad is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            fields = document["components"]["schemas"].get(ref, {}).get("properties", {})
            mentioned = "agent" in bad["description"].lower()
            assert mentioned == ("agent" in fields), (method, path, bad["description"])


async def test_only_the_agent_is_required(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/conversations", json={"agent": "echo"}, headers=AUTH)
    assert response.status_code == 201, response.text
    transcript = (await api.get(f"/api/conversations/{response.json()['conversation_id']}")).json()
    assert transcript["topic"] == "An open conversation"
    unknown = await api.post(
        "/api/conversations", json={"agent": "echo", "tpoic": "x"}, headers=AUTH
    )
    assert unknown.status_code == 400
    assert "tpoic" in unknown.json()["error"]


@pytest.mark.parametrize("field", ["name", "agent_name"], ids=["person's name", "agent's name"])
async def test_the_document_and_the_server_agree_on_which_names_are_valid(
    api: httpx.AsyncClient, field: str
) -> None:
    """A name the published schema allows is accepted, and one it forbids is refused: too long,
    a C1 control, a line separator, a bidirectional override (the server's own name rule)."""
    document = (await api.get("/api/openapi.json")).json()
    validator = jsonschema.Draft202012Validator(
        {"$ref": "#/components/schemas/NewConversation", "components": document["components"]}
    )
    names = ["a" * 64, "a" * 65, "caf\u00e9 \u00e0 deux", "a\x85b", "a\u2028b", "a\u202eb", " a"]
    names += ["a ", "\u200b", "a\u200bb", "\ufeffa", "b\u00ad"]
    verdicts = []
    for name in names:
        body = {"agent": "echo", field: name}
        response = await api.post("/api/conversations", json=body, headers=AUTH)
        verdicts.append((name, response.status_code == 201, validator.is_valid(body)))
    assert [(n, served) for n, served, _ in verdicts] == [(n, ok) for n, _, ok in verdicts]


@pytest.mark.parametrize(
    ("content", "content_type", "error"),
    [
        (b'{"agent": "mock",', "application/json", "body: not valid JSON at character 17"),
        (b'{"agent": "mock"}', "text/plain", "body: must be a JSON object (Content-Type: "),
        (b"[]", "application/json", "body: must be a JSON object"),
        (b"", "application/json", "body: a JSON object is required"),
    ],
    ids=["broken JSON", "not sent as JSON", "a list", "no body"],
)
async def test_a_body_that_is_not_a_json_object_says_what_to_send(
    api: httpx.AsyncClient, content: bytes, content_type: str, error: str
) -> None:
    headers = {**AUTH, "Content-Type": content_type}
    response = await api.post("/api/conversations", content=content, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error), response.text
    assert (await api.get("/api/conversations")).json()["total"] == 0
