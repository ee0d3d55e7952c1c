"""How the offline extractor reads a user's words for one field: by the field's JSON schema.

* an ``enum`` value whose words all appear is a confident match; a value only partly named
  (``support`` for ``customer_support``), or two values named at once, is a low-confidence guess;
* a yes or no answers the field the flow just asked about (a boolean, or confirming the value the
  question named); ``none``/``no`` empties a list it asked for;
* free text is taken from ``my <field> is …`` (or from the whole answer to the question asked);
  lists split on commas and "and", tables read ``key: value`` pairs;
* hedges ("maybe", "I think", "not sure" …) lower the confidence.

Nothing is invented: a field the words do not mention is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_HEDGE = re.compile(
    r"\b(maybe|perhaps|i think|i guess|i suppose|probably|possibly|not sure|kind of|sort of|"
    r"something like|or something|might)\b",
    re.IGNORECASE,
)
_YES = re.compile(
    r"^\W*(yes|yeah|yep|sure|correct|right|exactly|absolutely|definitely|that's right)\b",
    re.IGNORECASE,
)
_NO = re.compile(r"^\W*(no|nope|none|not really|nothing)\b", re.IGNORECASE)
_NEGATED = re.compile(r"\b(no|not|don't|doesn't|won't|without|never)\b", re.IGNORECASE)
_LEAD_IN = re.compile(r"^\s*(sure|of course|okay|ok|yes|well|so|hi|hello)\s*[.,!]\s*", re.I)
_SENTENCE_END = r"(?:[.!?](?:\s|$)|$)"

#: (value, confidence), or None when the words do not mention the field.
Found = tuple[Any, float] | None


def words(text: str) -> list[str]:
    """Lower-case words, plural ``s`` dropped (``tools`` reads as ``tool``)."""
    found = re.findall(r"[a-z0-9]+", text.lower())
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in found]


def read_field(
    name: str, schema: Mapping[str, Any], text: str, *, asked: bool, question: str
) -> Found:
    """What ``text`` (the user's latest message) says about field ``name``: read in the whole
    message, the hedge judged in the sentence that says it."""
    found = _read(name, schema, text, asked=asked, question=question)
    if found is None:
        return None
    value, confidence = found
    said = [s for s in _sentences(text) if _read(name, schema, s, asked=asked, question=question)]
    if _HEDGE.search(" ".join(said) or text):
        confidence -= 0.35
    return value, round(max(0.1, confidence), 2)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()]


def _read(name: str, schema: Mapping[str, Any], text: str, *, asked: bool, question: str) -> Found:
    own = _plain(name, schema, text, asked=asked)
    if own is not None or not asked or not _YES.search(text):
        return own
    confirmed = _plain(name, schema, question, asked=False)
    if confirmed is not None and confirmed[1] >= 0.8:  # "yes" to a question naming the value
        return confirmed[0], 0.9
    return None


def _plain(name: str, schema: Mapping[str, Any], text: str, *, asked: bool) -> Found:
    kind = schema.get("type")
    if "enum" in schema:
        return enum_match(text, schema["enum"])
    if kind == "boolean":
        return _boolean(name, text, asked=asked)
    if kind == "array":
        return _array(name, schema, text, asked=asked)
    if kind == "object":
        return _table(name, text, asked=asked)
    if kind in ("number", "integer"):
        number = re.search(r"-?\d+(?:\.\d+)?", text)
        return (float(number.group()), 0.8) if number else None
    stated = statement(name, text, asked=asked)
    return (stated, 0.8) if stated else None


def enum_match(text: str, options: list[Any]) -> Found:
    """The option ``text`` names: all its words (0.9), part of them (0.5); ambiguous (0.45)."""
    said = set(words(text))
    scored: list[tuple[float, Any]] = []
    for option in options:
        parts = words(str(option).replace("_", " "))
        hits = sum(p in said for p in parts)
        if parts and hits == len(parts):
            scored.append((0.9, option))
        elif hits:
            scored.append((0.5, option))
    if not scored:
        return None
    scored.sort(key=lambda s: -s[0])
    best, option = scored[0]
    if len(scored) > 1 and scored[1][0] == best:
        return option, 0.45
    return option, best


def _boolean(name: str, text: str, *, asked: bool) -> Found:
    stated = statement(name, text, asked=False)  # "my tools needed is no"
    if stated is not None and (_YES.search(stated) or _NO.search(stated)):
        return bool(_YES.search(stated)), 0.9
    if asked and _YES.search(text):
        return True, 0.9
    if asked and _NO.search(text):
        return False, 0.9
    keys = [w for w in words(name.replace("_", " ")) if w not in ("is", "has", "need", "needed")]
    said = words(text)
    if keys and all(k in said for k in keys):
        first = said.index(keys[0])
        before = " ".join(said[max(0, first - 4) : first])
        return (not _NEGATED.search(before)), 0.65
    return None


def _array(name: str, schema: Mapping[str, Any], text: str, *, asked: bool) -> Found:
    items = schema.get("items", {})
    if asked and _NO.search(text):
        return [], 0.85
    if "enum" in items:
        said = set(words(text))
        full = [o for o in items["enum"] if all(p in said for p in words(str(o).replace("_", " ")))]
        return (full, 0.85) if full else None
    stated = statement(name, text, asked=asked)
    if not stated:
        return None
    parts = [p.strip() for p in re.split(r",|;|\band\b", stated) if p.strip()]
    return (parts, 0.8) if parts else None


def _table(name: str, text: str, *, asked: bool) -> Found:
    stated = statement(name, text, asked=asked) or (text if asked else "")
    pairs = re.findall(r"([A-Za-z][\w -]{0,30}?)\s*:\s*([^;:\n]+?)(?=;|\n|$|\.\s)", stated)
    table = {"_".join(words(k)) or k: v.strip() for k, v in pairs if v.strip()}
    return (table, 0.8) if table else None


def statement(name: str, text: str, *, asked: bool) -> str | None:
    """``…`` in "my/the/its <field words> is/are/should be …" or "its <field words>: …", else
    (when the field was asked for) the whole answer without its lead-in."""
    label = r"\s+".join(re.escape(w) + "s?" for w in name.replace("_", " ").split())
    pattern = (
        rf"\b(?:my|the|its|our|his|her)\s+{label}(?:\s+(?:is|are|should be|would be)\s+|\s*:\s*)"
        rf"(.+?){_SENTENCE_END}"
    )
    match = re.search(pattern, text, re.IGNORECASE)
    if match:
        return match.group(1).strip()
    if not asked or _YES.search(text) or _NO.search(text):  # a yes/no is no free-text answer
        return None
    answer = _LEAD_IN.sub("", text).strip().rstrip(".!")
    return answer or None
