"""The speech-act patterns cut down to what can start at one word, for ``speech_acts.acts``.

``acts`` tried its one big alternation (every wording of every act, in order) at each word
that some wording starts with, and most tries failed after testing a hundred-odd branches
whose first word was not the word at hand. ``Dispatch.match(text, pos, word)`` finds the same
match from smaller alternations: the branches that start with ``word`` (compiled once per set
of branches, when a word first needs it), and, compiled once each, those whose start cannot
be told from their text and those anchored at the text's start. Each branch is a named group
numbered in the original order, so when two match, the earlier branch wins, as it did in the
whole alternation: the same act, ending at the same place (``tests/platform/test_speech_acts.py``
compares both at every word of the corpora). The whole alternation is never compiled (~20 ms
a process, and a costly match at the start of every text).

How a branch's start is told: the pattern of each act is split at its top-level ``|``, and a
branch that begins with a plain group (``\\b(?:A|B)rest``) is split into ``\\bArest``,
``\\bBrest``, and one that begins with an optional group (``(?:A)?rest``) into ``Arest`` and
``rest``: the same tries in the same order (what consumes nothing, ``\\b`` or a lookbehind,
is passed over). Today every wording's start can be told this way. The literal text the
branch then opens with gives its first word: exactly that word when the literal goes on past
it ("unable to"), any word starting with it when the literal ends inside the word ("can" of
``can'?t``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

_QUANTIFIERS = "?*+{"
_SPECIAL = set("\\()[]{}?*+.|^$")
_WORD_CHARS = re.compile(r"\w*")


def _scan(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """The characters of ``text`` from ``start`` that are neither escaped nor inside a class
    (``[...]``), each with its index and the depth of groups open before it."""
    depth, i, in_class = 0, start, False
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        else:
            yield i, c, depth
            depth += {"(": 1, ")": -1}.get(c, 0)
        i += 1


def _closing(text: str, opening: int) -> int:
    """The index of the ``)`` that closes the group opened at ``text[opening]``."""
    for i, c, depth in _scan(text, opening):
        if c == ")" and depth == 1:
            return i
    raise ValueError(f"unbalanced group in {text!r}")


def split_top(pattern: str) -> list[str]:
    """``pattern``'s alternatives at its top level."""
    parts, start = [], 0
    for i, c, depth in _scan(pattern):
        if c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def branches(pattern: str) -> list[str]:
    """``pattern`` as a list of alternatives, each leading plain group distributed (see the
    module docstring), in the order a match tries them."""
    found: list[str] = []
    for alternative in split_top(pattern):
        found += _distributed(alternative)
    return found


def _lead(branch: str) -> int:
    """The length of what ``branch`` opens with that consumes nothing: ``\\b`` and lookbehind
    assertions ("(?<=great )")."""
    at = 0
    while True:
        if branch.startswith("\\b", at):
            at += 2
        elif branch.startswith(("(?<=", "(?<!"), at):
            at = _closing(branch, at) + 1
        else:
            return at


def _distributed(branch: str) -> list[str]:
    opening = _lead(branch)
    if not branch.startswith("(?:", opening):
        return [branch]
    close = _closing(branch, opening)
    lead, inner, rest = branch[:opening], branch[opening + 3 : close], branch[close + 1 :]
    if rest[:1] == "?" and rest[1:2] not in ("?", "+"):
        # an optional group, greedy: with it first, then without ("(?:it )?depends on")
        return _distributed(lead + "(?:" + inner + ")" + rest[1:]) + _distributed(lead + rest[1:])
    if rest[:1] and rest[:1] in _QUANTIFIERS:
        return [branch]  # another quantifier: kept whole
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

    @property
    def unsure(self) -> bool:
        """Whether the branch may start at any word (its start cannot be told)."""
        return not self.word and not self.anchored

    def admits(self, word: str) -> bool:
        """Whether the branch can match at the start of ``word`` (a run of ``\\w``)."""
        if self.anchored:
            return False
        if not self.word:
            return True
        return word.startswith(self.word) if self.prefix else word == self.word


def start_of(branch: str) -> Start:
    """Where ``branch`` can start (see ``Start``)."""
    body = branch[_lead(branch) :]
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


_MOST_OPENINGS = 64
"""How many literal openings a branch may expand to before ``openings`` stops lengthening them."""
_ZERO_WIDTH = frozenset((sre.AT, sre.ASSERT, sre.ASSERT_NOT))


def openings(branch: str) -> tuple[str, ...]:
    """Literal strings one of which every match of ``branch`` begins with (``"\\bthe
    (?:group|team) "`` -> "the group ", "the team "): where the text at a word begins with none,
    the branch cannot match there, and ``Dispatch.match`` need not try it. What consumes
    nothing (``\\b``, a lookaround) is passed over; the openings stop at the first item that is
    not a literal, a group of alternatives or an optional one (a shorter opening is still one
    every match begins with); ("",) when nothing can be told."""
    parsed = _parser.parse(branch)
    if parsed.state.flags & re.IGNORECASE:
        return ("",)
    found, _ = _openings(list(parsed))
    return tuple(sorted(found))


def _openings(items: Sequence[tuple[Any, Any]]) -> tuple[set[str], bool]:
    """(the openings of a sequence of parsed items, whether they span the whole sequence)."""
    found = {""}
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL:
            found = {opening + chr(av) for opening in found}
            continue
        if op is sre.SUBPATTERN and not (av[1] or av[2]):  # a group that sets no flags
            inner, whole = _openings(list(av[3]))
        elif op is sre.BRANCH:
            inner, whole = set(), True
            for alternative in av[1]:
                more, spans = _openings(list(alternative))
                inner |= more
                whole = whole and spans
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
            inner, whole = _openings(list(av[2]))
            inner.add("")  # or nothing at all
        else:
            return found, False
        if len(found) * len(inner) > _MOST_OPENINGS:
            return found, False
        found = {opening + more for opening in found for more in inner}
        if not whole:
            return found, False
    return found, True


class Dispatch:
    """The alternation of ``wordings`` (act -> pattern, in order), matched at a word."""

    def __init__(self, wordings: Mapping[str, str]) -> None:
        self._acts: list[str] = []
        self._branches: list[tuple[str, Start]] = []
        for act, pattern in wordings.items():
            for branch in branches(pattern):
                self._acts.append(act)
                self._branches.append((branch, start_of(branch)))
        unsure = [n for n, (_, start) in enumerate(self._branches) if start.unsure]
        anchored = [n for n, (_, start) in enumerate(self._branches) if start.anchored]
        self._unsure = self._compile(tuple(unsure))
        self._anchored = self._compile(tuple(anchored))
        self._by_word: dict[str, re.Pattern[str] | None] = {}
        self._by_branches: dict[tuple[int, ...], re.Pattern[str] | None] = {}

    def _compile(self, chosen: tuple[int, ...]) -> re.Pattern[str] | None:
        if not chosen:
            return None
        return re.compile("|".join(f"(?P<b{n}>{self._branches[n][0]})" for n in chosen))

    def _starting(self, word: str) -> re.Pattern[str] | None:
        try:
            return self._by_word[word]
        except KeyError:
            pass
        chosen = tuple(
            n for n, (_, start) in enumerate(self._branches) if start.word and start.admits(word)
        )
        if chosen not in self._by_branches:
            self._by_branches[chosen] = self._compile(chosen)
        compiled = self._by_branches[chosen]
        if len(self._by_word) < 4096:  # words past the known starts ("escalat…") are unbounded
            self._by_word[word] = compiled
        return compiled

    def match(self, text: str, pos: int, word: str) -> tuple[str, int] | None:
        """(act, end) of the first wording that matches ``text`` at ``pos``, where ``word`` (a
        run of ``\\w``, or "" for none) starts; at 0 the wordings anchored there too. The same
        as the whole alternation's ``match(text, pos)`` (see ``whole``)."""
        starting = self._starting(word) if word else None
        found = starting.match(text, pos) if starting is not None else None
        for extra in (self._unsure, self._anchored if pos == 0 else None):
            other = extra.match(text, pos) if extra is not None else None
            if other is not None and (found is None or _branch(other) < _branch(found)):
                found = other
        if found is None:
            return None
        return self._acts[_branch(found)], found.end()

    def openings(self) -> frozenset[str] | None:
        """The literal openings (``openings``) of every branch not anchored at the text's
        start: ``match`` at a word finds something only where one of them begins; None when
        a branch may begin with anything."""
        found: set[str] = set()
        for branch, start in self._branches:
            if not start.anchored:
                found.update(openings(branch))
        return None if "" in found else frozenset(found)


def candidates(*dispatches: Dispatch) -> re.Pattern[str] | None:
    """A pattern whose matches end at each word start past the text's start where an opening
    of ``dispatches`` begins: past the start, the only words where their ``match`` can find
    anything (the text's start is always one). One scan of the text, the openings merged
    into a tree of characters (``re`` tries a branch per next character, not one per
    opening); None when an opening cannot be told.

    A match is the character before the word (``\\W``) and ends where the word starts: a
    pattern that begins with a character class lets ``re`` skip the characters inside words
    in its own loop (~80 % of a text), where one that begins with a look-behind (``(?<!\\w)``,
    as it did) is tried at each of them (~25 % less CPU a text). The same word starts: a
    look-behind at a word start sees the ``\\W`` this consumes, and after a match the scan
    goes on at the word start itself, as after an empty match."""
    found: set[str] = set()
    for dispatch in dispatches:
        more = dispatch.openings()
        if more is None:
            return None
        found |= more
    tree: dict[str, Any] = {}
    for opening in found:
        node = tree
        for character in opening:
            node = node.setdefault(character, {})
        node[""] = {}
    return re.compile(r"\W(?=" + _tree(tree) + ")")


def _tree(node: dict[str, Any]) -> str:
    """The pattern of the start of any opening of ``node``'s tree (one that ends here makes
    the longer ones under it needless)."""
    if "" in node:
        return ""
    branches = [re.escape(character) + _tree(rest) for character, rest in sorted(node.items())]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def whole(wordings: Mapping[str, str]) -> re.Pattern[str]:
    """The one alternation of every wording, in order, a group per act: what ``Dispatch``
    matches as (the reference its tests compare it with)."""
    return re.compile("|".join(f"(?P<{act}>{pattern})" for act, pattern in wordings.items()))


def _branch(match: re.Match[str]) -> int:
    return int(str(match.lastgroup)[1:])


__all__ = [
    "Dispatch",
    "Start",
    "branches",
    "candidates",
    "openings",
    "split_top",
    "start_of",
    "whole",
]
