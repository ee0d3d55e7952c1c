"""Each vendor adapter over real HTTP through the real SDK against the fake server."""

from __future__ import annotations

from dataclasses import replace

import pytest

import aiconv
from aiconv.agents.guarded import GuardConfig, Guards
from aiconv.agents.messages import ChatMessage
from aiconv.agents.pricing import cost_usd
from aiconv.agents.provider import ChatProvider
from aiconv.agents.providers.anthropic import AnthropicProvider
from aiconv.agents.providers.gemini import GeminiProvider
from aiconv.agents.providers.openai import OpenAIProvider
from aiconv.errors import (
    MalformedResponse,
    MissingApiKey,
    ProviderError,
    ProviderRejected,
    ProviderTimeout,
    RateLimited,
)
from aiconv.testing.clock import FakeClock
from aiconv.testing.fake_llm import FakeLLM, Fault
from tests.agents.conftest import FAKE_KEY, build, chat_request

MODELS = {"anthropic": "claude-sonnet-5-5", "openai": "gpt-6.2-sol", "gemini": "gemini-3.8-flash"}


def _api(provider: ChatProvider) -> str:
    return provider.name


async def test_anthropic_request_body_has_system_roles_model_and_max_tokens(fake: FakeLLM) -> None:
    provider = build("anthropic", fake)
    await provider.complete(chat_request("claude-sonnet-5-5", turns=2))
    await provider.aclose()
    received = fake.requests[-1]
    assert received.path == "/v1/messages"
    assert received.body["model"] == "claude-sonnet-5-5"
    assert received.body["max_tokens"] == 321
    assert received.body["system"][0]["text"].startswith("You are Ada.")
    assert received.body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert received.body["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert [m["role"] for m in received.body["messages"]] == ["user", "assistant", "user"]
    credential = received.headers.get("x-api-key") or received.headers["authorization"]
    assert credential.removeprefix("Bearer ") == FAKE_KEY
    assert not received.body.get("stream")


async def test_openai_request_body_puts_the_system_prompt_first(fake: FakeLLM) -> None:
    provider = build("openai", fake)
    await provider.complete(chat_request("gpt-6.2-sol", turns=2))
    await provider.aclose()
    body = fake.requests[-1].body
    assert fake.requests[-1].path == "/v1/chat/completions"
    assert body["model"] == "gpt-6.2-sol"
    assert body["max_completion_tokens"] == 321
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert body["messages"][0]["content"].startswith("You are Ada.")
    assert fake.requests[-1].headers["authorization"] == f"Bearer {FAKE_KEY}"


async def test_gemini_request_body_uses_system_instruction_and_model_role(fake: FakeLLM) -> None:
    provider = build("gemini", fake)
    await provider.complete(chat_request("gemini-3.8-flash", turns=2))
    await provider.aclose()
    received = fake.requests[-1]
    assert received.path.endswith("/models/gemini-3.8-flash:generateContent")
    assert [c["role"] for c in received.body["contents"]] == ["user", "model", "user"]
    assert received.body["systemInstruction"]["parts"][0]["text"].startswith("You are Ada.")
    assert received.body["generationConfig"]["maxOutputTokens"] == 321
    assert received.headers["x-goog-api-key"] == FAKE_KEY


async def test_a_temperature_reaches_the_vendors_that_take_one_and_claude_answers_anyway(
    fake: FakeLLM,
) -> None:
    """A seat's or a judge's temperature (0.0) is sent to OpenAI and Gemini; Claude's Messages
    API has no sampling parameters, so it is left out there rather than failing the call."""
    sent = {}
    for api in ("anthropic", "openai", "gemini"):
        provider = build(api, fake)
        reply = await provider.complete(replace(chat_request(MODELS[api]), temperature=0.0))
        await provider.aclose()
        assert reply.content
        body = fake.requests[-1].body
        sent[api] = body.get("temperature", body.get("generationConfig", {}).get("temperature"))
    assert sent == {"anthropic": None, "openai": 0.0, "gemini": 0.0}


async def test_a_seed_past_32_bits_reaches_gemini_as_one_it_takes(fake: FakeLLM) -> None:
    """A seat's seed is 0..2^63-1, Gemini's an int32: a seed past 2^31-1 was sent as it was,
    and the API refused the call (a 400, the conversation ended by it). It is sent folded into
    Gemini's range, the same seed for the same seat; OpenAI takes a 64-bit seed as it is."""
    sent = {}
    for api in ("openai", "gemini"):
        provider = build(api, fake)
        reply = await provider.complete(replace(chat_request(MODELS[api]), seed=2**40 + 7))
        await provider.aclose()
        assert reply.content
        body = fake.requests[-1].body
        sent[api] = body.get("seed", body.get("generationConfig", {}).get("seed"))
    assert sent == {"openai": 2**40 + 7, "gemini": 7}


async def test_reply_maps_text_usage_and_cost(adapter: ChatProvider, fake: FakeLLM) -> None:
    model = MODELS[_api(adapter)]
    reply = await adapter.complete(chat_request(model))
    turn = fake.requests[-1].turn
    assert reply.content == fake.reply_text(turn)
    assert reply.model == model
    assert reply.usage.input_tokens > 0
    assert reply.usage.output_tokens > 0
    assert reply.cost_usd == cost_usd(_api(adapter), model, reply.usage)
    assert reply.cost_usd is not None
    assert reply.cost_usd > 0


async def test_unknown_model_has_unknown_cost(adapter: ChatProvider) -> None:
    reply = await adapter.complete(chat_request("some-future-model"))
    assert reply.cost_usd is None


async def test_streaming_calls_on_delta_and_still_returns_usage(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    chunks: list[str] = []
    reply = await adapter.complete(chat_request(MODELS[_api(adapter)]), on_delta=chunks.append)
    assert len(chunks) > 3
    assert "".join(chunks) == reply.content
    assert reply.usage.input_tokens > 0
    assert reply.usage.output_tokens > 0
    received = fake.requests[-1]
    if received.api == "openai":
        assert received.body["stream"] is True
        assert received.body["stream_options"] == {"include_usage": True}
    elif received.api == "anthropic":
        assert received.body["stream"] is True
    else:
        assert received.path.endswith(":streamGenerateContent")


async def test_reply_ends_with_the_end_token_after_a_few_turns(adapter: ChatProvider) -> None:
    early = await adapter.complete(chat_request(MODELS[_api(adapter)], turns=1))
    late = await adapter.complete(chat_request(MODELS[_api(adapter)], turns=3))
    assert not early.content.rstrip().endswith("<END>")
    assert late.content.rstrip().endswith("<END>")


@pytest.mark.parametrize("retry_after", ["2", "Wed, 21 Oct 2015 07:28:00 GMT"])
async def test_429_maps_to_rate_limited_with_retry_after(
    adapter: ChatProvider, fake: FakeLLM, retry_after: str
) -> None:
    fake.faults.push(Fault(status=429, retry_after=retry_after))
    with pytest.raises(RateLimited) as caught:
        await adapter.complete(chat_request(MODELS[_api(adapter)]))
    assert caught.value.retryable
    assert caught.value.retry_after == (2.0 if retry_after == "2" else 0.0)


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors_are_retryable(
    adapter: ChatProvider, fake: FakeLLM, status: int
) -> None:
    fake.faults.push(Fault(status=status))
    with pytest.raises(ProviderError) as caught:
        await adapter.complete(chat_request(MODELS[_api(adapter)]))
    assert caught.value.retryable
    assert caught.value.status == status


@pytest.mark.parametrize("status", [400, 401])
async def test_client_errors_are_rejected_and_never_retryable(
    adapter: ChatProvider, fake: FakeLLM, status: int
) -> None:
    fake.faults.push(Fault(status=status, message="bad request"))
    with pytest.raises(ProviderRejected) as caught:
        await adapter.complete(chat_request(MODELS[_api(adapter)]))
    assert not caught.value.retryable
    assert FAKE_KEY not in str(caught.value)
    # The vendor's message once, after the status once (OpenAI's read 'HTTP 401: Error code:
    # 401 - bad request': the SDK's exception text, which repeats the status, was the detail).
    hint = " (check the API key and its permissions)" if status == 401 else ""
    assert str(caught.value) == f"{_api(adapter)}: HTTP {status}: bad request{hint}"


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("api", ["anthropic", "openai", "gemini"])
async def test_a_key_the_vendor_refuses_is_a_short_unretried_error_without_the_key(
    api: str, stream: bool
) -> None:
    """Each vendor's own answer to a wrong key (the fake knows one key): 401, Gemini's 400
    API_KEY_INVALID, OpenAI repeating the key masked. Not retried (another try gets the same),
    one short line, and the key is never in it (errors are recorded in the log)."""
    async with FakeLLM(api_keys={"sk-the-only-key-the-fake-knows"}) as fake:
        adapter = build(api, fake)
        chunks: list[str] = []
        on_delta = chunks.append if stream else None
        try:
            with pytest.raises(ProviderRejected) as caught:
                await adapter.complete(chat_request(MODELS[api]), on_delta=on_delta)
        finally:
            await adapter.aclose()
    error = caught.value
    assert not error.retryable
    assert error.status == (400 if api == "gemini" else 401)
    message = str(error)
    assert "key" in message.lower() and FAKE_KEY not in message
    assert "\n" not in message and len(message) < 300, message
    assert fake.requests == []  # refused before the request was read


def _keyed(api: str, key: str, server: FakeLLM) -> ChatProvider:
    """The adapter for ``api`` given ``key`` as a Python user would (the CLI checks keys first)."""
    if api == "anthropic":
        return AnthropicProvider(api_key=key, base_url=server.base_url)
    if api == "openai":
        return OpenAIProvider(api_key=key, base_url=server.openai_base_url)
    return GeminiProvider(api_key=key, base_url=server.base_url)


async def _ask_with_key(api: str, key: str, server: FakeLLM) -> None:
    """Build the adapter with ``key`` and make one call through it."""
    adapter = _keyed(api, key, server)
    try:
        await adapter.complete(chat_request(MODELS[api]))
    finally:
        await adapter.aclose()


@pytest.mark.parametrize(
    "key", ["", "   ", "\t\n", "sk-secret pasted twice", "sk-secret\u200b", "\u201csk-secret\u201d"]
)
@pytest.mark.parametrize("api", ["anthropic", "openai", "gemini"])
async def test_a_blank_or_broken_key_is_refused_before_any_request(
    api: str, key: str, fake: FakeLLM
) -> None:
    """A blank key made Anthropic's SDK send ``Authorization: Bearer ``, which httpx refuses as
    an illegal header: a retryable connection error, retried for nothing. Every adapter refuses
    such a key with the CLI's MissingApiKey (a ConfigError, never retried) before any request,
    in one short line that does not repeat the key."""
    if api == "openai" and key == "":  # a server at base_url that takes no key: see below
        return
    with pytest.raises(MissingApiKey) as caught:
        await _ask_with_key(api, key, fake)
    message = str(caught.value)
    assert message.startswith(f"{api}: api_key "), message
    assert "secret" not in message and "\n" not in message and len(message) < 120, message
    assert fake.requests == []


async def test_an_empty_openai_key_with_a_base_url_is_a_server_that_takes_none(
    fake: FakeLLM,
) -> None:
    """``OpenAIProvider(api_key=os.getenv("OPENAI_API_KEY", ""), base_url=<Ollama>)``: an empty
    key for a server of one's own means none, as ``None`` does (it was refused since the blank-key
    check); without a base URL it is refused above."""
    await _ask_with_key("openai", "", fake)
    assert len(fake.requests) == 1
    with pytest.raises(MissingApiKey):
        OpenAIProvider(api_key="")


@pytest.mark.parametrize("stream", [False, True])
async def test_dropped_connection_is_retryable(
    adapter: ChatProvider, fake: FakeLLM, stream: bool
) -> None:
    fake.faults.push(Fault(drop=True))
    with pytest.raises(ProviderError) as caught:
        await adapter.complete(
            chat_request(MODELS[_api(adapter)]), on_delta=(lambda _c: None) if stream else None
        )
    assert caught.value.retryable


async def test_malformed_body_is_a_retryable_provider_error(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    fake.faults.push(Fault(malformed=True))
    with pytest.raises(ProviderError) as caught:
        await adapter.complete(chat_request(MODELS[_api(adapter)]))
    assert caught.value.retryable


@pytest.mark.parametrize("api", ["anthropic", "openai", "gemini"])
async def test_sdk_timeout_maps_to_provider_timeout(fake: FakeLLM, api: str) -> None:
    provider = build(api, fake, timeout=0.2)
    fake.faults.push(Fault(delay=5.0))
    with pytest.raises(ProviderTimeout):
        await provider.complete(chat_request(MODELS[api]))
    await provider.aclose()


@pytest.mark.parametrize("cut", [0, 1, 3])
async def test_a_stream_cut_short_is_a_retryable_malformed_response(
    adapter: ChatProvider, fake: FakeLLM, cut: int
) -> None:
    """An empty or truncated stream (the Anthropic SDK's helper raised AssertionError on an
    empty one) is mapped, never a foreign exception."""
    fake.faults.push(Fault(cut_stream=cut))
    with pytest.raises(MalformedResponse) as caught:
        await adapter.complete(chat_request(adapter.model), on_delta=lambda _: None)
    assert caught.value.retryable
    assert caught.value.kind == "malformed_response"
    assert caught.value.provider == adapter.name


async def test_a_cut_stream_is_retried_by_the_guard_and_then_answered(fake: FakeLLM) -> None:
    guarded = Guards(GuardConfig(), clock=FakeClock()).wrap(build("anthropic", fake))
    fake.faults.push(Fault(cut_stream=0))
    reply = await guarded.complete(chat_request("claude-sonnet-5-5"), on_delta=lambda _: None)
    await guarded.aclose()
    assert (reply.attempts, bool(reply.content)) == (2, True)


async def test_the_output_limit_truncates_and_the_reply_says_so(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    reply = await adapter.complete(chat_request(adapter.model, max_tokens=3))
    assert reply.truncated
    assert reply.finish_reason == {"openai": "length"}.get(adapter.name, "max_tokens")
    assert 0 < len(reply.content) <= 12
    assert reply.usage.output_tokens - reply.usage.reasoning_tokens <= 3


async def test_a_repeated_long_prompt_is_read_from_the_cache_and_priced_so(
    adapter: ChatProvider, fake: FakeLLM
) -> None:
    """The fake reports cache reads (and Anthropic's writes) like the vendors; the adapter maps
    them and the cost prices them at the cache rates, not at the full input rate."""
    long = replace(
        chat_request(MODELS[adapter.name]), system="You are Ada, a patient tutor. " * 200
    )
    first = await adapter.complete(long)
    follow = replace(
        long,
        messages=(
            *long.messages,
            ChatMessage(role="assistant", content=first.content),
            ChatMessage(role="user", content="Go on."),
        ),
    )
    second = await adapter.complete(follow)
    assert first.usage.cache_read_tokens == 0
    assert second.usage.cache_read_tokens >= 1024
    assert second.usage.cache_read_tokens <= second.usage.input_tokens
    if adapter.name == "anthropic":
        assert first.usage.cache_write_tokens == first.usage.input_tokens
    full_rate = cost_usd(adapter.name, second.model, replace(second.usage, cache_read_tokens=0))
    assert second.cost_usd == cost_usd(adapter.name, second.model, second.usage)
    assert second.cost_usd is not None and full_rate is not None
    assert second.cost_usd < full_rate


async def test_reasoning_tokens_are_reported_as_part_of_the_output(
    adapter: ChatProvider,
) -> None:
    reply = await adapter.complete(chat_request(MODELS[adapter.name]))
    if adapter.name == "anthropic":  # Claude thinks only when asked to
        assert reply.usage.reasoning_tokens == 0
    else:
        assert 0 < reply.usage.reasoning_tokens < reply.usage.output_tokens


@pytest.mark.parametrize(
    ("first", "second"), [("compat", "claude"), ("claude", "gpt"), ("gpt", "gemini")]
)
async def test_two_vendors_on_the_fake_say_their_own_words_and_end_by_the_end_token(
    fake: FakeLLM, first: str, second: str
) -> None:
    """The README's 'try real-provider mode without keys' through two adapters: the fake told
    its speakers apart by their system prompt's CRC-32 modulo 7, so one pair in seven (compat
    and claude on the README's topic) wrote the same sentences turn after turn and the
    conversation ended as a loop after four messages, not with the end token."""
    apis = {"compat": "openai", "gpt": "openai", "claude": "anthropic", "gemini": "gemini"}
    seats = [
        aiconv.Participant(name, name, provider=build(apis[name], fake)) for name in (first, second)
    ]
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(log, seats, "Is a hot dog a sandwich?", max_turns=10)
    for seat in seats:
        assert seat.provider is not None
        await seat.provider.aclose()
    assert result.ended.reason == "end_token", result.ended
    texts = [m.content for m in result.state.messages]
    assert len(set(texts)) == len(texts)
