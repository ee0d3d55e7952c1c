"""Tokens -> cost: list prices (USD per million input / output tokens) of current models.

Prices are the vendors' published standard rates as of November 2026 (no batch, cache or
long-context adjustments). An unknown model has an unknown cost (``None``), never zero; local
servers (``ollama``) cost nothing. Dated snapshots (``…-2026-04-23``, ``…-20251001``) fall back to
their undated alias. Keep this table current when vendors change prices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiconv.agents.messages import Usage


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float


PRICES: dict[str, Price] = {
    # Anthropic
    "claude-fable-5-1": Price(10.0, 50.0),
    "claude-opus-5-5": Price(4.0, 20.0),
    "claude-sonnet-5-5": Price(2.0, 10.0),
    "claude-haiku-5-5": Price(0.10, 0.50),
    "claude-opus-5": Price(5.0, 25.0),
    "claude-sonnet-5": Price(2.0, 10.0),
    "claude-opus-4-8": Price(5.0, 25.0),
    "claude-opus-4-7": Price(5.0, 25.0),
    "claude-opus-4-6": Price(5.0, 25.0),
    "claude-sonnet-4-6": Price(3.0, 15.0),
    "claude-opus-4-5": Price(5.0, 25.0),
    "claude-sonnet-4-5": Price(3.0, 15.0),
    "claude-haiku-4-5": Price(1.0, 5.0),
    # OpenAI
    "gpt-6.2-astra": Price(8.0, 40.0),
    "gpt-6.2-sol": Price(2.0, 10.0),
    "gpt-6.1-sol": Price(2.0, 10.0),
    "gpt-6-astra": Price(10.0, 50.0),
    "gpt-6-sol": Price(2.0, 10.0),
    "gpt-6-luna": Price(0.10, 0.50),
    "gpt-5.6-terra": Price(2.0, 12.0),
    "gpt-5.6-luna": Price(0.20, 1.20),
    # Google
    "gemini-3.8-flash": Price(0.75, 3.75),
    # xAI
    "grok-4.5": Price(2.0, 6.0),
    "grok-4.3": Price(1.25, 2.50),
    "grok-4.20-0309-reasoning": Price(1.25, 2.50),
    "grok-4.20-0309-non-reasoning": Price(1.25, 2.50),
    # Perplexity (token prices only; the per-request search fee is not included)
    "sonar": Price(1.0, 1.0),
    "sonar-pro": Price(3.0, 15.0),
    "sonar-reasoning-pro": Price(3.0, 15.0),
}

#: Vendors whose models run locally: no per-token price.
FREE_VENDORS = frozenset({"ollama"})

_SNAPSHOT = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")


def price_of(model: str) -> Price | None:
    """The price of ``model`` (or of its undated alias), else ``None``."""
    name = model.strip().lower().removeprefix("models/")
    return PRICES.get(name) or PRICES.get(_SNAPSHOT.sub("", name))


def cost_usd(vendor: str, model: str, usage: Usage) -> float | None:
    """What ``usage`` of ``model`` cost in USD; ``None`` when the price is unknown."""
    if vendor in FREE_VENDORS:
        return 0.0
    price = price_of(model)
    if price is None:
        return None
    total = usage.input_tokens * price.input + usage.output_tokens * price.output
    return round(total / 1_000_000, 8)
