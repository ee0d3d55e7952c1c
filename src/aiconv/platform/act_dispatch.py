"""The speech-act patterns cut down to what can start at one word, for ``speech_acts.acts``.

``acts`` tries its one big alternation (every wording of every act, in order) at each word
that some wording starts with. Most of those tries fail after testing a hundred-odd branches
whose first word is not the word at hand. ``for_word(pattern, word)`` is the same alternation
with only the branches that can start at ``word`` (and those whose start cannot be told from
their text), in the same order, compiled once per set of branches. A match at a word's start
is therefore the same match: the same branch wins (the first that matches, as before), with
the same act and the same end (``tests/platform/test_speech_acts.py`` compares both on every
message of the corpora).

How a branch's start is told: the pattern of each act is split at its top-level ``|``, and a
branch that begins with a plain group (``\\b(?:A|B)rest``) is split into ``\\bArest``,
``\\bBrest`` (the same tries in the same order). The literal text the branch then opens with
gives its first word: exactly that word when the literal goes on past it ("unable to"), any
word starting with it when the literal ends inside the word ("can" of ``can'?t``). Branches
anchored at the start of the text (``^``) are left out: ``acts`` tries those at the start only,
with the whole pattern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_QUANTIFIERS = "?*+{"
_SPECIAL = set("\\()[]{}?*+.|^$")
_WORD_CHARS = re.compile(r"\w*")


def _closing(text: str, opening: int) -> int:
    """The index of the ``)`` that closes the group opened at ``text[opening]``."""
    depth, i, in_class = 0, opening, False
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced group in {text!r}")


def split_top(pattern: str) -> list[str]:
    """``pattern``'s alternatives at its top level."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def branches(pattern: str) -> list[str]:
    """``pattern`` as a list of alternatives, each leading plain group distributed (see the
    module docstring), in the order a match tries them."""
    found: list[str] = []
    for alternative in split_top(pattern):
        found += _distributed(alternative)
    return found


def _distributed(branch: str) -> list[str]:
    lead = "\\b" if branch.startswith("\\b") else ""
    if not branch.startswith("(?:", len(lead)):
        return [branch]
    opening = len(lead)
    close = _closing(branch, opening)
    rest = branch[close + 1 :]
    if rest[:1] in tuple(_QUANTIFIERS) and rest[:1]:
        return [branch]  # a quantified group ("(?:very )?"): kept whole
    inner = branch[opening + 3 : close]
    found: list[str] = []
    for alternative in split_top(inner):
        found += _distributed(lead + alternative + rest)
    return found


@dataclass(frozen=True, slots=True)
class Start:
    """Where a branch can start: at ``word`` exactly, at a word beginning with it
    (``prefix``), anywhere (``word`` empty), or only at the text's start (``anchored``)."""

    word: str
    prefix: bool
    anchored: bool = False

    def admits(self, word: str) -> bool:
        """Whether the branch can match at the start of ``word`` (a run of ``\\w``)."""
        if self.anchored:
            return False
        if not self.word:
            return True
        return word.startswith(self.word) if self.prefix else word == self.word


def start_of(branch: str) -> Start:
    """Where ``branch`` can start (see ``Start``)."""
    body = branch[2:] if branch.startswith("\\b") else branch
    if body.startswith("^"):
        return Start("", prefix=False, anchored=True)
    literal: list[str] = []
    for i, c in enumerate(body):
        if c in _SPECIAL:
            if c in _QUANTIFIERS and literal:
                literal.pop()  # "can'?t": the quantified "'" may be absent
            break
        literal.append(c)
        if i + 1 == len(body):
            break
    text = "".join(literal)
    word = _WORD_CHARS.match(text)
    first = word.group() if word else ""
    return Start(first, prefix=bool(first) and first == text)


class Dispatch:
    """The alternation of ``wordings`` (act -> pattern, in order) per starting word."""

    def __init__(self, wordings: Mapping[str, str]) -> None:
        self._acts = [
            (act, [(b, start_of(b)) for b in branches(pattern)])
            for act, pattern in wordings.items()
        ]
        self._by_word: dict[str, re.Pattern[str] | None] = {}
        self._by_branches: dict[tuple[tuple[str, ...], ...], re.Pattern[str] | None] = {}

    def for_word(self, word: str) -> re.Pattern[str] | None:
        """The alternation of the branches that can start at ``word`` (None: no branch can)."""
        try:
            return self._by_word[word]
        except KeyError:
            pass
        chosen = tuple(
            tuple(b for b, start in found if start.admits(word)) for _, found in self._acts
        )
        if chosen not in self._by_branches:
            parts = [
                f"(?P<{act}>{'|'.join(kept)})"
                for (act, _), kept in zip(self._acts, chosen, strict=True)
                if kept
            ]
            self._by_branches[chosen] = re.compile("|".join(parts)) if parts else None
        compiled = self._by_branches[chosen]
        if len(self._by_word) < 4096:  # words past the known starts ("escalat…") are unbounded
            self._by_word[word] = compiled
        return compiled


__all__ = ["Dispatch", "Start", "branches", "split_top", "start_of"]
