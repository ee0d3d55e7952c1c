"""How the bank agent says amounts and dates, and how a careless one misreads an amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from aiconv.environments.banking.state import dollars, money

__all__ = ["dollars", "long_date", "misread"]


def long_date(iso: str | date) -> str:
    """``Wednesday, March 25, 2026``."""
    day = date.fromisoformat(iso) if isinstance(iso, str) else iso
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def misread(amount: Decimal | float | str) -> Decimal:
    """``amount`` with the last two digits of the dollars swapped (or a dollar more when they
    are the same): the slip of an agent copying a figure by hand."""
    value = money(amount)
    whole, cents = f"{value:.2f}".split(".")
    if len(whole) >= 2 and whole[-1] != whole[-2]:
        return money(f"{whole[:-2]}{whole[-1]}{whole[-2]}.{cents}")
    return money(value + 1)
