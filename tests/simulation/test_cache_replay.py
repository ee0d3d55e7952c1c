"""The response cache across processes: a baseline records its simulated customer; candidates
in other processes replay it where the conversation so far is identical (their own agent stays
live), a replay miss is an error, and a rerun of an unchanged suite costs nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from aiconv.agents.cache import CachedProvider
from aiconv.agents.cache_stores import MemoryCache
from aiconv.agents.messages import ChatReply, ChatRequest, Usage
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.queues.log import ListQuery
from aiconv.queues.memory import InMemoryLog
from aiconv.queues.urls import open_log
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.report import build
from aiconv.simulation.rows import collect
from aiconv.simulation.scenario import Seat, load_scenario
from aiconv.testing.fake_llm import FakeLLM
from aiconv.testing.processes import cli_env, reap, run_aic, spawn_aic
from aiconv.testing.providers import FunctionProvider
from aiconv.testing.redis_server import RedisServer, has_redis_server
from tests.simulation.agent_server import serve_agent
from tests.simulation.conftest import END_TOKEN_OUTCOMES

SCENARIO = (
    """\
name = "cached"
repeat = 2
personas = [{ name = "calm", interrupts = 0.0 }, { name = "brisk", interrupts = 0.0 }]

[limits]
max_turns = 8

[agent]
agent = "mock:turns=2"

[customer]
agent = "mock:turns=0"

[[intents]]
name = "refund"
description = "Refund for a broken kettle"

"""
    + END_TOKEN_OUTCOMES
)


async def _states(db: Path, run_id: str) -> dict[tuple[str, int], ConversationState]:
    """(cell, repetition) -> the conversation, for every conversation of the run."""
    async with open_log(f"sqlite:///{db}") as log:
        conductor = Conductor(log)
        entries = await log.list_conversations(ListQuery(run_id=run_id, limit=100))
        states = [await conductor.load(e.conversation_id) for e in entries]
    return {
        (str(s.started.metadata["cell"]), int(s.started.metadata["repetition"])): s
        for s in states
        if s.started is not None
    }


def _by(state: ConversationState, sender: str) -> list[tuple[str, bool]]:
    return [(m.content, m.cached) for m in state.messages if m.sender == sender]


@pytest.mark.timeout(300)
async def test_candidates_replay_the_baseline_customer_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    db, cache = tmp_path / "runs.db", f"sqlite:///{tmp_path / 'cache.db'}"
    env = cli_env(home=tmp_path)

    def simulate(run_id: str, *extra: str) -> list[str]:
        return [
            "simulate",
            str(path),
            "--db",
            str(db),
            "--run-id",
            run_id,
            "--quiet",
            "--cache-url",
            cache,
            *extra,
        ]

    base = run_aic(*simulate("base", "--cache", "customer=record"), env=env, timeout=120)
    assert base.returncode == 0, base.stderr
    # two candidate processes at once, sharing the cache file
    same = spawn_aic(*simulate("same", "--cache", "customer=replay"), env=env)
    live = spawn_aic(
        *simulate("live", "--agent", "mock:turns=3", "--cache", "customer=use"), env=env
    )
    try:  # either failing must not leave the other running with open pipes
        for process in (same, live):
            _out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
    finally:
        reap(same)
        reap(live)

    baseline, replayed, diverged = [await _states(db, r) for r in ("base", "same", "live")]
    assert len(baseline) == len(replayed) == len(diverged) == 4
    for trial, recorded in baseline.items():
        assert all(not cached for _, cached in _by(recorded, "customer"))
        # same agent: every customer line is a hit, and the conversation is the same
        assert _by(replayed[trial], "customer") == [(t, True) for t, _ in _by(recorded, "customer")]
        assert [t for t, _ in _by(replayed[trial], "support")] == [
            t for t, _ in _by(recorded, "support")
        ]
        assert all(not cached for _, cached in _by(replayed[trial], "support"))
        # another agent: hits while the conversation is identical, live after it diverged
        customer = _by(diverged[trial], "customer")
        assert [c for _, c in customer] == [True, True, False]
        assert customer[:2] == [(t, True) for t, _ in _by(recorded, "customer")]
        assert all(not cached for _, cached in _by(diverged[trial], "support"))

    # an agent nobody recorded against: its third turn asks the customer something new
    strict = run_aic(
        *simulate("strict", "--agent", "mock:turns=4", "--cache", "customer=replay"),
        env=env,
        timeout=120,
    )
    assert strict.returncode == 1, strict.stderr
    assert "4 conversations failed" in strict.stderr
    for state in (await _states(db, "strict")).values():
        assert state.ended is not None and state.ended.reason == "provider_error"
        assert "cache_miss" in state.ended.detail or "no cached reply" in state.ended.detail

    shown = run_aic(
        "report", "live", "--db", str(db), "--json", "--out-dir", str(tmp_path / "r"), env=env
    )
    usage = json.loads(shown.stdout)["usage"]
    assert usage["cache_hits"] == 8  # two customer lines in each of four conversations


@pytest.mark.timeout(300)
async def test_a_rerun_of_an_unchanged_suite_is_served_from_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    db = tmp_path / "runs.db"
    env = cli_env(home=tmp_path)
    for run_id in ("first", "again"):
        done = run_aic(
            "simulate",
            str(path),
            "--db",
            str(db),
            "--run-id",
            run_id,
            "--quiet",
            "--cache",
            "use",
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "responses.db").is_file()  # the default: next to the log
    first, again = await _states(db, "first"), await _states(db, "again")
    for trial, state in again.items():
        assert state.messages and all(m.cached for m in state.messages)
        assert [m.content for m in state.messages] == [m.content for m in first[trial].messages]
        assert state.outcome == first[trial].outcome or (
            state.outcome
            and first[trial].outcome
            and state.outcome.outcome == first[trial].outcome.outcome
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cache", "sometimes"), "--cache 'sometimes': use off, use, record or replay"),
        (("--cache", "boss=use"), "--cache 'boss=use': no participant 'boss'"),
        (("--cache", "use", "--cache-url", "ftp://x"), "cache URL 'ftp://x' must be"),
    ],
)
def test_bad_cache_options_are_one_line_errors_that_write_nothing(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    db = tmp_path / "runs.db"
    result = run_aic("simulate", str(path), "--db", str(db), *args, env=cli_env(home=tmp_path))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not db.exists() and not (tmp_path / "responses.db").exists()


async def test_reports_show_hits_and_dollars_saved(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.replace('"mock:turns=2"', '"function"'), encoding="utf-8")
    scenario = load_scenario(path)
    store = MemoryCache()

    def priced(seat: Seat) -> CachedProvider:
        def answer(request: ChatRequest) -> ChatReply:
            turn = sum(1 for m in request.messages if m.role == "assistant")
            text = "Refunded.\n<END>" if seat.role == "agent" and turn else f"{seat.name} {turn}"
            return ChatReply(content=text, model="m", usage=Usage(input_tokens=10), cost_usd=0.5)

        return CachedProvider(FunctionProvider(answer, name=seat.name), store, mode="use")

    log = InMemoryLog()
    for run_id in ("paid", "free"):
        await BatchRunner(log, scenario, priced, run_id=run_id).run()
    paid, free = (
        build("paid", await collect(log, "paid")),
        build("free", await collect(log, "free")),
    )
    messages = 4 * 4  # four conversations of four messages
    assert paid["usage"]["cost_usd_total"] == messages * 0.5 and paid["usage"]["cache_hits"] == 0
    assert free["usage"]["cost_usd_total"] == 0.0 and free["usage"]["cache_hits"] == messages
    assert free["usage"]["cache_saved_usd"] == messages * 0.5
    assert free["usage"]["cost_usd_mean"] == paid["usage"]["cost_usd_mean"]  # without the cache


@pytest.mark.timeout(300)
async def test_a_baseline_run_without_the_cache_can_be_imported_and_replayed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    db = tmp_path / "runs.db"
    env = cli_env(home=tmp_path)
    base = ("simulate", str(path), "--db", str(db), "--quiet")
    assert run_aic(*base, "--run-id", "plain", env=env, timeout=120).returncode == 0
    imported = run_aic("cache", "import", "plain", "--db", str(db), env=env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "cached 8 replies of customer from run plain"
    # the rebuilt requests are exactly the ones a candidate's customer asks: replay never misses
    strict = run_aic(*base, "--run-id", "again", "--cache", "customer=replay", env=env, timeout=120)
    assert strict.returncode == 0, strict.stderr
    recorded, replayed = await _states(db, "plain"), await _states(db, "again")
    for trial, state in replayed.items():
        assert _by(state, "customer") == [(t, True) for t, _ in _by(recorded[trial], "customer")]
    # --json, like every command that prints data (issue 12): one document, the same count
    again = run_aic("cache", "import", "plain", "--db", str(db), "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {
        "run_id": "plain",
        "participant": "customer",
        "cached": 8,
        "cache_url": f"sqlite:///{tmp_path / 'responses.db'}",
    }
    nobody = run_aic("cache", "import", "plain", "--participant", "boss", "--db", str(db), env=env)
    assert nobody.returncode == 2
    assert nobody.stderr == "error: run 'plain' has no messages from a participant 'boss'\n"


@pytest.mark.timeout(300)
async def test_cache_import_leaves_out_the_scenarios_opening_lines(tmp_path: Path) -> None:
    """An intent's ``opening`` is posted as written, asked of no provider: importing it stored
    a cache entry claiming the customer's model wrote it, and counted it as a reply."""
    path = tmp_path / "s.toml"
    opening = 'description = "Refund for a broken kettle"\nopening = "Hi, my kettle broke."'
    path.write_text(SCENARIO.replace('description = "Refund for a broken kettle"', opening))
    db = tmp_path / "runs.db"
    env = cli_env(home=tmp_path)
    base = ("simulate", str(path), "--db", str(db), "--quiet")
    assert run_aic(*base, "--run-id", "opened", env=env, timeout=120).returncode == 0
    recorded = await _states(db, "opened")
    asked = [
        m for s in recorded.values() for m in s.messages if m.sender == "customer" and m.provider
    ]
    openings = [
        m for s in recorded.values() for m in s.messages if m.content == "Hi, my kettle broke."
    ]
    assert len(openings) == len(recorded) == 4
    imported = run_aic("cache", "import", "opened", "--db", str(db), env=env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == f"cached {len(asked)} replies of customer from run opened"


@pytest.mark.timeout(300)
async def test_processes_share_the_cache_on_a_real_redis_server(tmp_path: Path) -> None:
    if not has_redis_server():
        pytest.skip("redis-server is not installed")
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    db = tmp_path / "runs.db"
    env = cli_env(home=tmp_path)
    with RedisServer(tmp_path / "redis") as server:
        for run_id in ("first", "second"):
            done = run_aic(
                "simulate",
                str(path),
                "--db",
                str(db),
                "--run-id",
                run_id,
                "--quiet",
                "--cache",
                "use",
                "--cache-url",
                server.url,
                env=env,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
    assert not (tmp_path / "responses.db").exists()  # nothing went to the default SQLite file
    second = await _states(db, "second")
    assert second and all(m.cached for s in second.values() for m in s.messages)


@pytest.mark.timeout(300)
async def test_an_agent_deployed_at_another_url_is_never_served_the_first_ones_replies(
    tmp_path: Path,
) -> None:
    """An external agent (``url``) was keyed only as vendor ``http``, model ``external``: the
    candidate release at its new URL, run with ``--cache use`` like the baseline, was answered
    with the baseline release's cached replies and never asked, so compare saw no change."""
    path, db, env = tmp_path / "s.toml", tmp_path / "runs.db", cli_env(home=tmp_path)
    agent_at = SCENARIO.replace('agent = "mock:turns=2"', 'url = "URL"')
    async with (
        serve_agent("Release one") as old,
        serve_agent("Release two") as new,
    ):
        for run_id, agent in (("v1", old), ("v2", new)):
            path.write_text(agent_at.replace("URL", agent.url("/webhook")), encoding="utf-8")
            done = await asyncio.to_thread(
                run_aic, "simulate", str(path), "--db", str(db), "--run-id", run_id, "--quiet",
                "--cache", "use", env=env, cwd=tmp_path, timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
    assert new.bodies  # the candidate release was asked
    for state in (await _states(db, "v2")).values():
        replies = _by(state, "support")
        assert replies and all(t.startswith("Release two") and not hit for t, hit in replies)
        assert _by(state, "customer")[0][1]  # the customer replays while nothing differs


@pytest.mark.timeout(300)
async def test_an_agent_server_that_is_down_is_not_needed_where_the_cache_replays_it(
    tmp_path: Path,
) -> None:
    """A run against an agent server on this machine that is down is refused before anything
    is written, unless that seat answers from the cache alone (``--cache replay``): recorded
    while the server ran, replayed after it stopped."""
    path, db, env = tmp_path / "s.toml", tmp_path / "runs.db", cli_env(home=tmp_path)
    async with serve_agent("Release one") as agent:
        text = SCENARIO.replace('agent = "mock:turns=2"', f'url = "{agent.url("/webhook")}"')
        path.write_text(text, encoding="utf-8")
        recorded = await asyncio.to_thread(
            run_aic, "simulate", str(path), "--db", str(db), "--run-id", "rec", "--quiet",
            "--cache", "record", env=env, cwd=tmp_path, timeout=120,
        )  # fmt: skip
        assert recorded.returncode == 0, recorded.stderr
    refused = await asyncio.to_thread(
        run_aic, "simulate", str(path), "--db", str(db), "--run-id", "live", "--quiet",
        env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 1 and "support: nothing answers at" in refused.stderr
    assert "live" not in await _run_ids(db)  # nothing written for the refused run
    replayed = await asyncio.to_thread(
        run_aic, "simulate", str(path), "--db", str(db), "--run-id", "again", "--quiet",
        "--cache", "replay", env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert replayed.returncode == 0, replayed.stderr
    states = await _states(db, "again")
    assert states and all(all(hit for _, hit in _by(s, "support")) for s in states.values())


async def _run_ids(db: Path) -> set[str]:
    async with open_log(f"sqlite:///{db}") as log:
        entries = await log.list_conversations(ListQuery(limit=1000))
    return {e.run_id for e in entries if e.run_id}


@pytest.mark.timeout(300)
async def test_a_seats_own_cache_mode_in_the_file_is_used_without_the_option(
    tmp_path: Path,
) -> None:
    """``cache = "use"`` on a seat in the scenario file sits between ``--cache MODE`` and
    ``--cache NAME=MODE``; run without either, it was ignored: no cache was made, and a rerun
    asked the provider again."""
    path, db, env = tmp_path / "s.toml", tmp_path / "runs.db", cli_env(home=tmp_path)
    text = SCENARIO.replace('agent = "mock:turns=0"', 'agent = "mock:turns=0"\ncache = "use"')
    path.write_text(text, encoding="utf-8")
    for run_id in ("first", "second"):
        done = await asyncio.to_thread(
            run_aic, "simulate", str(path), "--db", str(db), "--run-id", run_id, "--quiet",
            env=env, cwd=tmp_path, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "responses.db").is_file()
    for run_id, cached in (("first", False), ("second", True)):
        for state in (await _states(db, run_id)).values():
            customer = _by(state, "customer")
            assert customer and all(hit is cached for _, hit in customer), run_id
            assert not any(hit for _, hit in _by(state, "support"))  # the agent stays live


@pytest.mark.timeout(300)
def test_a_damaged_sqlite_cache_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """A cache whose pages are damaged past its first (a bad disk, a copy cut short) passed the
    check, which reads only the schema, and the first lookup's sqlite3.DatabaseError ended
    aic simulate in an ExceptionGroup traceback, as a Redis cache that stops answering does
    not: it is one line naming the cache, exit 1."""
    path, db, env = tmp_path / "s.toml", str(tmp_path / "runs.db"), cli_env(home=tmp_path)
    path.write_text(SCENARIO, encoding="utf-8")
    base = ("simulate", str(path), "--db", db, "--quiet")
    recorded = run_aic(*base, "--run-id", "v1", "--cache", "record", env=env, timeout=120)
    assert recorded.returncode == 0, recorded.stderr
    cache = tmp_path / "responses.db"
    pages = bytearray(cache.read_bytes())
    pages[4096:] = b"\xab" * (len(pages) - 4096)  # every page but the schema's
    cache.write_bytes(bytes(pages))
    used = run_aic(*base, "--run-id", "v2", "--cache", "use", env=env, timeout=120)
    assert used.returncode == 1, used.stderr
    assert "Traceback" not in used.stderr
    assert used.stderr.splitlines()[-1] == (
        f"error: the response cache {cache} cannot be read (database disk image is malformed): "
        "remove it, or give another --cache-url"
    )


@pytest.mark.timeout(300)
async def test_a_vendor_agent_behind_another_base_url_is_never_served_the_first_ones_replies(
    tmp_path: Path,
) -> None:
    """``gpt`` with ``OPENAI_BASE_URL`` at a gateway or a local server: its replies were keyed
    as vendor ``openai`` alone, so the same suite run against another server with ``--cache
    use`` was answered from the first server's replies and never reached the second."""
    path, db = tmp_path / "s.toml", tmp_path / "runs.db"
    path.write_text(SCENARIO.replace('agent = "mock:turns=2"', 'agent = "gpt"'), encoding="utf-8")
    async with FakeLLM(end_after=3) as first, FakeLLM(end_after=3) as second:
        for run_id, server in (("v1", first), ("v2", second), ("v3", second)):
            env = cli_env(
                {"OPENAI_API_KEY": "sk-test-0123456789", "OPENAI_BASE_URL": server.openai_base_url},
                home=tmp_path,
            )
            done = await asyncio.to_thread(
                run_aic, "simulate", str(path), "--db", str(db), "--run-id", run_id, "--quiet",
                "--cache", "use", env=env, cwd=tmp_path, timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            if run_id == "v2":
                asked = len(second.requests)
    assert first.requests and asked > 0  # the second server was asked
    assert len(second.requests) == asked  # and its own replies are reused on the next run
