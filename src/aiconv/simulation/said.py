"""Whether a fact was said: the ``communicate`` criterion's comparison of a fact with a message.

Each number of the fact appears as a number (currency signs and thousands separators ignored,
so ``$1,288.65`` matches ``1288.65``), and each other word of it as a word (case ignored;
currency names and function words such as "in", "the", "your" are not required). A reference —
letters and digits joined by a hyphen or underscore, ``DSP-1001``, ``card-0001`` — appears
whole (case ignored): its letters in one place and its number in another, ``DSP-1002 … 1001``,
are not it. Pure.
"""

from __future__ import annotations

import re

#: A number as written in text: digits, thousands separators, decimals.
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_WORD = re.compile(r"[^\W\d_]+")
#: A reference: letters and digits joined by a hyphen or an underscore (``DSP-1001``).
_REFERENCE = re.compile(r"(?<![\w-])[^\W\d_]+[-_]\d+(?![\w-])")
_CURRENCY = frozenset(
    {"usd", "gbp", "eur", "dollars", "dollar", "pounds", "pound", "euros", "euro"}
)
#: Words a fact may phrase differently without changing it ("in 5 days" = "within 5 days").
_FUNCTION_WORDS = frozenset(
    {
        "a", "an", "the", "in", "on", "of", "to", "is", "are", "was", "be", "been", "it", "its",
        "this", "that", "your", "my", "our", "for", "at", "by", "with", "and", "or", "as", "from",
        "will", "has", "have",
    }
)  # fmt: skip


def fact_said(fact: str, text: str) -> bool:
    """Whether every number and word of ``fact`` is in ``text``."""
    numbers, words = _tokens(text)
    fact_numbers, fact_words = _tokens(fact)
    references = {r.casefold() for r in _REFERENCE.findall(fact)}
    if references and not references <= {r.casefold() for r in _REFERENCE.findall(text)}:
        return False
    return fact_numbers <= numbers and fact_words <= words


def _tokens(text: str) -> tuple[set[float], set[str]]:
    numbers = {float(n.replace(",", "")) for n in NUMBER.findall(text)}
    words = {w.casefold() for w in _WORD.findall(text)} - _CURRENCY - _FUNCTION_WORDS
    return numbers, words
