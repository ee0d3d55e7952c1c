"""Pricing: known models cost their list price, unknown ones cost None, never zero."""

from __future__ import annotations

import pytest

from aiconv.agents.messages import Usage
from aiconv.agents.pricing import cost_usd, price_of
from aiconv.agents.registry import Vendor
from aiconv.agents.vendors import REMOTE_VENDORS


def test_cost_is_tokens_times_price_per_million() -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=500_000)
    assert cost_usd("anthropic", "claude-sonnet-5-5", usage) == pytest.approx(2.0 + 5.0)
    assert cost_usd("openai", "gpt-6.2-sol", usage) == pytest.approx(2.0 + 5.0)


def test_an_unknown_model_has_an_unknown_cost_never_zero() -> None:
    assert cost_usd("openai", "gpt-99-imaginary", Usage(input_tokens=10)) is None


def test_dated_snapshots_fall_back_to_their_alias() -> None:
    assert price_of("claude-haiku-4-5-20251001") == price_of("claude-haiku-4-5")
    assert price_of("models/gemini-3.8-flash") is not None


def test_local_models_cost_nothing() -> None:
    assert cost_usd("ollama", "llama3.2", Usage(input_tokens=5, output_tokens=5)) == 0.0


@pytest.mark.parametrize(
    "vendor", [v for v in REMOTE_VENDORS if v.name not in {"ollama", "compat", "openrouter"}]
)
def test_every_default_model_has_a_price(vendor: Vendor) -> None:
    assert price_of(vendor.default_model) is not None
