"""Pricing: the maintained table with our overrides; cached input at cache rates, reasoning as
output; unknown models cost None, never zero."""

from __future__ import annotations

import pytest

from aiconv.agents.messages import Usage
from aiconv.agents.pricing import OVERRIDES, cost_usd, price_of
from aiconv.agents.registry import Vendor
from aiconv.agents.vendors import REMOTE_VENDORS


def test_cost_is_tokens_times_price_per_million() -> None:
    usage = Usage(input_tokens=10_000, output_tokens=5_000)
    assert cost_usd("anthropic", "claude-sonnet-5-5", usage) == pytest.approx(0.02 + 0.05)
    assert cost_usd("openai", "gpt-6.2-sol", usage) == pytest.approx(0.02 + 0.05)


@pytest.mark.parametrize(
    ("vendor", "model"),
    [("anthropic", "claude-sonnet-5-5"), ("openai", "gpt-6.2-sol"), ("gemini", "gemini-3.8-flash")],
)
def test_cached_input_costs_at_most_a_tenth_of_fresh_input(vendor: str, model: str) -> None:
    fresh = cost_usd(vendor, model, Usage(input_tokens=10_000))
    cached = cost_usd(vendor, model, Usage(input_tokens=10_000, cache_read_tokens=10_000))
    half = cost_usd(vendor, model, Usage(input_tokens=10_000, cache_read_tokens=5_000))
    assert fresh is not None and cached is not None and half is not None
    assert 0 < cached <= fresh / 10 + 1e-12
    assert half == pytest.approx((fresh + cached) / 2)


def test_cache_writes_cost_more_than_input_at_anthropic() -> None:
    fresh = cost_usd("anthropic", "claude-sonnet-5-5", Usage(input_tokens=10_000))
    written = cost_usd(
        "anthropic", "claude-sonnet-5-5", Usage(input_tokens=10_000, cache_write_tokens=10_000)
    )
    assert fresh is not None and written == pytest.approx(fresh * 1.25)


def test_reasoning_tokens_are_priced_as_the_output_they_are_part_of() -> None:
    plain = cost_usd("openai", "gpt-6-sol", Usage(output_tokens=1_000))
    reasoning = cost_usd("openai", "gpt-6-sol", Usage(output_tokens=1_000, reasoning_tokens=800))
    assert plain == reasoning == pytest.approx(0.01)


def test_an_unknown_model_has_an_unknown_cost_never_zero() -> None:
    assert cost_usd("openai", "gpt-99-imaginary", Usage(input_tokens=10)) is None
    assert cost_usd("compat", "my-model", Usage(input_tokens=10)) is None


def test_dated_snapshots_and_prefixes_fall_back_to_the_model() -> None:
    usage = Usage(input_tokens=1_000)
    assert price_of("gpt-6.2-sol-2026-10-01") == OVERRIDES["gpt-6.2-sol"]
    assert cost_usd("gemini", "models/gemini-3.8-flash", usage) == cost_usd(
        "gemini", "gemini-3.8-flash", usage
    )


def test_local_models_cost_nothing() -> None:
    assert cost_usd("ollama", "llama3.2", Usage(input_tokens=5, output_tokens=5)) == 0.0


@pytest.mark.parametrize(
    "vendor", [v for v in REMOTE_VENDORS if v.name not in {"ollama", "compat", "openrouter"}]
)
def test_every_default_model_has_a_price(vendor: Vendor) -> None:
    assert cost_usd(vendor.name, vendor.default_model, Usage(input_tokens=1)) is not None
