"""The response cache: content addressing, the modes, errors never cached, the stores (memory,
SQLite, a real redis-server) and the metrics."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from aiconv.agents.cache import CachedProvider, CacheStore, cache_key, check_mode
from aiconv.agents.cache_stores import (
    MemoryCache,
    RedisCache,
    SqliteCache,
    cache_store,
    check_cache_url,
)
from aiconv.agents.messages import ChatMessage, ChatReply, ChatRequest, ToolSpec, Usage
from aiconv.errors import CacheMiss, ConfigError, ProviderError
from aiconv.observability.metrics import CacheMetrics, Metrics
from aiconv.testing.providers import FunctionProvider
from aiconv.testing.redis_server import RedisServer, has_redis_server

REQUEST = ChatRequest(
    model="m-1",
    system="You are support.",
    messages=(ChatMessage(role="user", content="My kettle broke."),),
    context={"seed": 7, "topic": "kettle", "conversation_id": "c1", "turn": 2},
)


def test_the_key_covers_the_vendor_request_and_sampling_but_not_offline_hints() -> None:
    key = cache_key("openai", "m-1", REQUEST)
    assert key == cache_key("openai", "m-1", REQUEST) and len(key) == 64
    same_trial = replace(
        REQUEST, context={**REQUEST.context, "conversation_id": "c2", "topic": "x"}
    )
    assert cache_key("openai", "m-1", same_trial) == key
    changed = [
        replace(REQUEST, model="m-2"),
        replace(REQUEST, system="You are sales."),
        replace(REQUEST, messages=(ChatMessage(role="user", content="My kettle broke!"),)),
        replace(REQUEST, temperature=0.2),
        replace(REQUEST, max_tokens=10),
        replace(REQUEST, tools=(ToolSpec(name="refund"),)),
        replace(REQUEST, tool_choice="required"),
        replace(REQUEST, context={**REQUEST.context, "seed": 8}),
    ]
    keys = {cache_key("openai", "m-1", r) for r in changed}
    assert len(keys) == len(changed) and key not in keys
    assert cache_key("anthropic", "m-1", REQUEST) != key


def _priced(calls: list[str]) -> FunctionProvider:
    def answer(request: ChatRequest) -> ChatReply:
        calls.append(request.messages[-1].content)
        return ChatReply(
            content=f"reply {len(calls)}",
            model="m-1",
            usage=Usage(input_tokens=100, output_tokens=20),
            cost_usd=0.25,
        )

    return FunctionProvider(answer, name="openai", model="m-1")


async def test_use_calls_once_then_answers_free_from_the_cache() -> None:
    calls: list[str] = []
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    provider = CachedProvider(
        _priced(calls), MemoryCache(), mode="use", observer=CacheMetrics(metrics)
    )
    first = await provider.complete(REQUEST)
    seen: list[str] = []
    second = await provider.complete(REQUEST, on_delta=seen.append)
    assert calls == ["My kettle broke."]
    assert (first.cached, first.cost_usd) == (False, 0.25)
    assert (second.cached, second.cost_usd, second.saved_usd) == (True, 0.0, 0.25)
    assert second.content == first.content == "reply 1" and seen == ["reply 1"]
    assert second.usage == first.usage
    labels = {"provider": "openai", "model": "m-1"}
    assert registry.get_sample_value("aiconv_cache_lookups_total", {**labels, "result": "hit"}) == 1
    assert (
        registry.get_sample_value("aiconv_cache_lookups_total", {**labels, "result": "miss"}) == 1
    )
    assert registry.get_sample_value("aiconv_cache_saved_usd_total", labels) == 0.25


async def test_record_always_calls_and_overwrites_then_replay_serves_it() -> None:
    calls: list[str] = []
    store = MemoryCache()
    recorder = CachedProvider(_priced(calls), store, mode="record")
    await recorder.complete(REQUEST)
    await recorder.complete(REQUEST)
    assert len(calls) == 2
    replayed = await CachedProvider(_priced(calls), store, mode="replay").complete(REQUEST)
    assert replayed.cached and replayed.content == "reply 2" and len(calls) == 2


async def test_a_replay_miss_is_an_error_and_calls_nobody() -> None:
    calls: list[str] = []
    provider = CachedProvider(_priced(calls), MemoryCache(), mode="replay")
    with pytest.raises(CacheMiss, match="no cached reply") as caught:
        await provider.complete(REQUEST)
    assert calls == [] and caught.value.kind == "cache_miss" and not caught.value.retryable


async def test_errors_are_never_cached() -> None:
    attempts: list[int] = []

    def flaky(request: ChatRequest) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ProviderError("boom", provider="openai", retryable=True)
        return "fine"

    provider = CachedProvider(FunctionProvider(flaky, name="openai"), MemoryCache(), mode="use")
    with pytest.raises(ProviderError):
        await provider.complete(REQUEST)
    assert (await provider.complete(REQUEST)).content == "fine"
    assert (await provider.complete(REQUEST)).cached and len(attempts) == 2


@pytest.mark.parametrize(
    "url",
    ["sqlite:", "sqlite://host/x.db", "sqlite:///:memory:", "http://x", "redis://", "postgres://h"],
)
def test_bad_cache_urls_say_what_to_write(url: str) -> None:
    with pytest.raises(ConfigError, match=r"must be sqlite:///relative\.db"):
        check_cache_url(url)


def test_bad_modes_are_config_errors() -> None:
    assert check_mode("replay") == "replay"
    with pytest.raises(ConfigError, match="off, use, record, replay"):
        check_mode("sometimes")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if not has_redis_server():
        pytest.skip("redis-server is not installed")
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


async def _contract(store: CacheStore) -> None:
    assert await store.get("k") is None
    await store.put("k", b"one", overwrite=False)
    await store.put("k", b"two", overwrite=False)
    assert await store.get("k") == b"one"
    await store.put("k", b"three", overwrite=True)
    assert await store.get("k") == b"three"


async def test_memory_store_keeps_the_contract() -> None:
    await _contract(MemoryCache())


async def test_sqlite_store_keeps_the_contract_and_is_shared_through_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "deep" / "responses.db"
    first, second = SqliteCache(path), cache_store(f"sqlite:///{path}")
    assert not path.exists()  # nothing is created before the first use
    try:
        await _contract(first)
        assert await second.get("k") == b"three"
    finally:
        await first.close()
        await second.close()


async def test_a_cache_another_process_is_writing_is_waited_for_never_called_foreign(
    tmp_path: Path,
) -> None:
    """A cache in the middle of a write (pages already in the file, the journal beside it) was
    read as immutable, saw the torn pages and was refused as "not a response cache": it is read
    with SQLite's locks, so the check waits for the writer, and says so if its wait runs out."""
    path = tmp_path / "responses.db"
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("PRAGMA cache_size = 1")  # pages spill into the file before the commit
        writer.execute("BEGIN")
        writer.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, reply BLOB, stored_at REAL)")
        writer.executemany(
            "INSERT INTO responses VALUES (?, ?, 0)", [(str(n), b"x" * 500) for n in range(500)]
        )
        assert path.stat().st_size > 0 and (tmp_path / "responses.db-journal").exists()
        with pytest.raises(ConfigError, match="locked by another process") as caught:
            await asyncio.to_thread(check_cache_url, f"sqlite:///{path}", 0.2)
        assert "\n" not in str(caught.value)
        writer.execute("COMMIT")
    finally:
        writer.close()
    url = f"sqlite:///{path}"
    assert await asyncio.to_thread(check_cache_url, url, 0.2) == url
    assert await asyncio.to_thread(lambda: [p.name for p in tmp_path.iterdir()]) == ["responses.db"]


async def test_redis_store_keeps_the_contract(redis_server: RedisServer) -> None:
    store = cache_store(redis_server.url)
    assert isinstance(store, RedisCache)
    other = RedisCache(redis_server.url)
    try:
        await _contract(store)
        assert await other.get("k") == b"three"
    finally:
        await store.close()
        await other.close()
