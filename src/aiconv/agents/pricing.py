"""Tokens -> cost, from a maintained price table with our own overrides.

The table is ``genai-prices`` (list prices of every vendor's models, kept current by its
maintainers, with cache-read and cache-write rates, long-context tiers and per-request fees).
``OVERRIDES`` hold what it lacks or gets wrong for us, in USD per million tokens, and win over
it. Cached input is billed at the cache rates (a cache read costs a tenth of an input token at
most vendors), never at the full input rate; reasoning tokens are output tokens. An unknown
model has an unknown cost (``None``), never zero; local servers (``ollama``) cost nothing.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any

from aiconv.agents.messages import Usage


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens; cache rates default to the input rate times the vendor's usual
    ratio (``CACHE_RATIOS``)."""

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None


#: Models the maintained table does not know yet (checked November 2026), or prices we know
#: better. Keep current when vendors change prices.
OVERRIDES: dict[str, Price] = {
    "gpt-6.2-astra": Price(8.0, 40.0, cache_read=0.8),
    "gpt-6.2-sol": Price(2.0, 10.0, cache_read=0.2),
}

#: (cache read, cache write) as multiples of the input price, per vendor, for overrides.
CACHE_RATIOS: dict[str, tuple[float, float]] = {
    "anthropic": (0.1, 1.25),
    "openai": (0.1, 1.0),
    "gemini": (0.1, 1.0),
    "xai": (0.25, 1.0),
}

#: Our vendor names -> genai-prices provider ids (a vendor not listed: no table lookup).
TABLE_PROVIDERS = {
    "anthropic": "anthropic",
    "openai": "openai",
    "gemini": "google",
    "xai": "x-ai",
    "perplexity": "perplexity",
    "openrouter": "openrouter",
}

#: Vendors whose models run locally: no per-token price.
FREE_VENDORS = frozenset({"ollama"})

_SNAPSHOT = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")


def price_of(model: str) -> Price | None:
    """Our override for ``model`` (or its undated alias), else ``None``."""
    name = _bare(model)
    return OVERRIDES.get(name) or OVERRIDES.get(_SNAPSHOT.sub("", name))


def cost_usd(vendor: str, model: str, usage: Usage) -> float | None:
    """What ``usage`` of ``model`` cost in USD; ``None`` when the price is unknown."""
    if vendor in FREE_VENDORS:
        return 0.0
    price = price_of(model)
    if price is not None:
        return _priced(vendor, price, usage)
    provider = TABLE_PROVIDERS.get(vendor)
    if provider is None:
        return None
    for name in dict.fromkeys((model.strip(), _bare(model), _SNAPSHOT.sub("", _bare(model)))):
        found = _table_cost(provider, name, usage)
        if found is not None:
            return found
    return None


def preload() -> None:
    """Load the price table now (a one-off of about a tenth of a second), so that the first
    priced reply does not do it inside the event loop. Adapters call it when built."""
    _table()


def _priced(vendor: str, price: Price, usage: Usage) -> float:
    read_ratio, write_ratio = CACHE_RATIOS.get(vendor, (1.0, 1.0))
    read = price.cache_read if price.cache_read is not None else price.input * read_ratio
    write = price.cache_write if price.cache_write is not None else price.input * write_ratio
    fresh = max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens)
    total = (
        fresh * price.input
        + usage.cache_read_tokens * read
        + usage.cache_write_tokens * write
        + usage.output_tokens * price.output
    )
    return round(total / 1_000_000, 8)


def _table_cost(provider: str, model: str, usage: Usage) -> float | None:
    table = _table()
    if table is None:
        return None
    calc_price, table_usage = table
    counted = table_usage(
        input_tokens=usage.input_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        output_tokens=usage.output_tokens,
    )
    try:
        priced = calc_price(counted, model, provider_id=provider)
    except LookupError:
        return None
    return round(float(priced.total_price), 8)


@cache
def _table() -> tuple[Any, Any] | None:
    """genai-prices' ``calc_price`` and ``Usage``; ``None`` when it is not installed."""
    try:
        from genai_prices import Usage as TableUsage
        from genai_prices import calc_price
    except ImportError:  # pragma: no cover - it is a dependency; overrides still price
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # loading the bundled data must not fail a run
        calc_price(TableUsage(input_tokens=1, output_tokens=1), "gpt-6-sol", provider_id="openai")
    return calc_price, TableUsage


def _bare(model: str) -> str:
    return model.strip().lower().removeprefix("models/")
