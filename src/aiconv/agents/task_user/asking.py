"""What an agent's message asks of the customer, read the way a person reads it.

A message is split into sentences; its *questions* are the sentences ending in ``?`` or
starting with a request ("Could you…", "Please tell me…"). A known fact is asked for when a
question mentions one of its phrases: the documented keys below have their usual wordings
(``date_of_birth``: "date of birth", "birthday", "DOB" …); any other key is asked for when a
question holds all the words of its name (``order_id``: "order" and "id" or "number").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The known_info keys a question is recognised for, and the phrases that ask for them.
KEY_PHRASES: dict[str, tuple[str, ...]] = {
    "full_name": ("full name", "your name", "name on the account"),
    "name": ("your name", "full name"),
    "date_of_birth": ("date of birth", "birth date", "birthday", "dob", "born"),
    "zip_code": ("zip", "postcode", "postal code"),
    "postcode": ("postcode", "zip", "postal code"),
    "phone": ("phone", "mobile", "telephone"),
    "email": ("email", "e-mail"),
    "customer_id": ("customer id", "customer number", "user id"),
    "user_id": ("user id", "customer id"),
    "card_last4": ("last four", "last 4", "which card", "card ending", "card number"),
    "account": ("which account", "what account"),
    "account_number": ("account number", "which account"),
    "delivery_address": (
        "send it",
        "send the",
        "deliver",
        "delivery address",
        "mail it",
        "ship it",
    ),
    "merchant": ("merchant", "which shop", "which store", "which company", "who charged"),
    "amount": ("amount", "how much"),
    "transaction_date": ("what date", "which date", "when was"),
    "order_id": ("order number", "order id"),
}

_QUESTION_START = re.compile(
    r"^(could|can|would|will|may|please|kindly|tell me|let me know|i need|i'll need|what|which|"
    r"where|when|how|who|do|does|did|is|are|shall|should)\b",
    re.IGNORECASE,
)
_YES_NO = re.compile(
    r"^(?:\w+[,:]?\s+)?(shall|should|would|do|does|can|may|is|are|will|did|could)\b",
    re.IGNORECASE,
)
_WH = re.compile(r"\b(what|which|where|when|how|who)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.?!\n]+[.?!]*")


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """One question of a message: its text, and whether it wants a yes or a no."""

    text: str
    yes_no: bool


def sentences(message: str) -> list[str]:
    """The sentences of ``message``."""
    return [s.strip() for s in _SENTENCE.findall(message) if s.strip()]


def questions(message: str) -> list[Question]:
    """The questions ``message`` asks."""
    found = []
    for sentence in sentences(message):
        if sentence.endswith("?") or _QUESTION_START.match(sentence):
            if not sentence.endswith("?") and not re.search(
                r"\b(tell|give|provide|confirm|share|let me know|need)\b", sentence, re.I
            ):
                continue
            yes_no = bool(_YES_NO.match(sentence)) and not _WH.search(sentence.split(",")[0])
            found.append(Question(text=sentence, yes_no=yes_no and sentence.endswith("?")))
    return found


def normal(text: str) -> str:
    """Lower case, words separated by single spaces (punctuation dropped)."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def phrases_of(key: str) -> tuple[str, ...]:
    """The phrases that ask for ``key``."""
    if key in KEY_PHRASES:
        return KEY_PHRASES[key]
    words = [w for w in key.lower().split("_") if w not in ("your", "my", "the")]
    return (" ".join(words),)


def asks_for(question: str, key: str) -> bool:
    """Whether ``question`` asks for the fact ``key``."""
    text = f" {normal(question)} "
    for phrase in phrases_of(key):
        words = normal(phrase).split()
        if key not in KEY_PHRASES:
            # A key named by its own words: all of them, in any order ("id" may be "number").
            if all(_has_word(text, w) for w in words):
                return True
        elif f" {' '.join(words)} " in text:
            return True
    return False


def _has_word(text: str, word: str) -> bool:
    if word == "id":
        return " id " in text or " number " in text
    return f" {word} " in text or f" {word}s " in text


def mentions(text: str, item: str) -> bool:
    """Whether ``text`` asks about an unknown ``item`` ("your customer id"): every significant
    word of the item appears."""
    stop = {
        "your",
        "you",
        "the",
        "a",
        "an",
        "of",
        "do",
        "not",
        "know",
        "don",
        "t",
        "my",
        "what",
        "is",
        "are",
        "which",
        "remember",
    }
    words = [w for w in normal(item).split() if w not in stop]
    haystack = f" {normal(text)} "
    return bool(words) and all(_has_word(haystack, w) for w in words)


def contains_value(text: str, value: str) -> bool:
    """Whether ``text`` states ``value`` (its first part, e.g. the street of an address)."""
    head = normal(value.split(",")[0])
    return bool(head) and f" {head} " in f" {normal(text)} "
