"""The API against its own OpenAPI document, fuzzed by schemathesis over real HTTP.

A real ``aic serve`` serves a seeded SQLite log; schemathesis sends a bounded, reproducible set
of generated requests (valid and invalid ones; path ids drawn from the seeded conversations as
well as made up) to every operation the document describes, and checks each answer: no server
error, documented status codes, content types and bodies, invalid input rejected and valid input
accepted, writes without the bearer token refused. The write API is on (a token is set). The
document is the one the server publishes (checked first), generated in this process too so that
pytest can collect one test per operation before the server starts.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from aiconv.agents.catalog import default_registry
from aiconv.errors import AiconvError
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import StopConfig
from aiconv.queues.sqlite import SqliteLog
from aiconv.testing.processes import cli_env
from aiconv.testing.providers import ScriptedProvider
from aiconv.web import create_app
from aiconv.web.openapi import openapi_document
from aiconv.web.seats import WriteAccess
from tests.web.conftest import pair
from tests.web.served import Served, served

pytestmark = pytest.mark.slow

#: Generated requests per operation, from a fixed seed: bounded and reproducible.
EXAMPLES = 40
#: The seeded log: ended conversations (the stream of an active one would never end) and a run.
KNOWN = {"conversation_id": ["contract-tea", "contract-card"], "run_id": ["run-1"]}

#: The write API is on (a token is configured), so its routes are fuzzed too.
TOKEN = "contract-token-0123456789"
_registry = default_registry()
DOCUMENT = openapi_document(
    create_app(
        "memory://", write=WriteAccess(token=TOKEN, registry=_registry, build=_registry.build)
    )
)
schema = schemathesis.openapi.from_dict(DOCUMENT)


#: What the server runs with (no real keys): which agents it can build depends on it.
SERVER_ENV = cli_env({"AIC_API_TOKEN": TOKEN})
#: Agents every server can run: a generated agent id is swapped for one of them two times in
#: three, so most well-formed bodies name an agent the server must accept.
RUNNABLE = ("mock", "echo")


def reach(case: Any) -> None:
    """Swap made-up path ids for seeded ones two times in three (chosen by the generated id, so
    every phase, including schemathesis's boundary cases, reaches operations beyond their 404).
    An id the document refuses (too long, empty) is sent as generated: swapping it hid that
    ``…/leave`` answered it with a 400 its document did not state."""
    for name, value in (case.path_parameters or {}).items():
        known = KNOWN.get(name)
        pick = zlib.crc32(str(value).encode()) % 3
        if known and pick and _allowed(case, name, value):
            case.path_parameters[name] = known[pick % len(known)]


def _allowed(case: Any, name: str, value: object) -> bool:
    """Whether path parameter ``name`` of ``case``'s operation may be ``value`` by its schema."""
    operation = DOCUMENT["paths"][case.operation.path][case.operation.method.lower()]
    schema = next(p["schema"] for p in operation["parameters"] if p["name"] == name)
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def runnable(case: Any) -> None:
    """Swap a well-formed generated agent id (1–500 characters) for a runnable one two times in
    three (chosen by the generated id), leaving every other field as generated."""
    body = case.body
    if not (isinstance(body, dict) and isinstance(body.get("agent"), str)):
        return
    if 1 <= len(body["agent"]) <= 500 and (pick := zlib.crc32(body["agent"].encode()) % 3):
        body["agent"] = RUNNABLE[pick - 1]


def is_unrunnable(case: Any) -> bool:
    """Whether the body names an agent this server rightly refuses (a 400 for a body the schema
    allows): one no provider answers to, one that needs what the server's environment lacks
    (a key, an extra, a readable file), or a person (the caller's is the other seat). A body
    refused for anything else fails the check."""
    body = case.body
    if not (isinstance(body, dict) and isinstance(body.get("agent"), str)):
        return False
    try:
        spec = _registry.resolve(body["agent"])
        _registry.preflight(spec)
        _registry.key_for(spec, SERVER_ENV)
    except AiconvError:
        return True
    return spec.vendor == "human"


async def _seed(db: Path) -> None:
    log = await SqliteLog.open(db)
    conductor = Conductor(log)
    try:
        for cid, metadata in zip(KNOWN["conversation_id"], ({}, {"run_id": "run-1"}), strict=True):
            await session.create(
                conductor,
                topic=f"{cid} topic",
                participants=pair(),
                stop=StopConfig(max_turns=3),
                metadata=metadata,
                conversation_id=cid,
            )
            seats = {name: ScriptedProvider([f"{name} here"]) for name in ("alice", "bob")}
            await session.play_all(conductor, cid, seats)
    finally:
        await log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db = tmp_path_factory.mktemp("contract") / "api.db"
    asyncio.run(_seed(db))
    with served(db, env=cli_env({"AIC_API_TOKEN": TOKEN})) as running:
        yield running
    assert "Traceback" not in running.stderr, running.stderr


def test_the_server_publishes_the_document_under_test(server: Served) -> None:
    assert httpx.get(f"{server.url}/api/openapi.json", timeout=10).json() == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_documented_contract(case: Any, server: Served) -> None:
    reach(case)
    starts = case.operation.path == "/api/conversations" and case.method == "POST"
    if starts:
        runnable(case)
    # Which agent ids exist depends on the installed plugins and the keys set, not on the
    # schema: a well-formed body naming an agent the server cannot run is rightly a 400, and
    # only such a body is spared the check that valid bodies are accepted.
    excluded = [positive_data_acceptance] if starts and is_unrunnable(case) else []
    case.call_and_validate(
        base_url=server.url,
        headers={"Authorization": f"Bearer {TOKEN}"},
        excluded_checks=excluded,
        timeout=20,
    )
