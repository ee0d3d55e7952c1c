"""The views of a text that the detectors compute, kept per conversation while it is judged.

Each message is checked against the recent window of its conversation, so the views of every
text in that window (``wording.features``, its speech acts, …: ~0.1–0.2 ms a text) are asked
for again at every message. A process-wide LRU cache of a few thousand texts holds them while
few conversations run at once; with a thousand at once, their windows hold more texts than the
cache, which then misses on every lookup and recomputes the whole window at every message (a
turn cost 2.8 times the CPU, measured with 1,000 conversations that do not all say the same
words).

So a view made ``windowed`` is looked up first in the memo of the conversation being judged
(between ``judging`` and ``done``), then in the shared LRU cache (a text many conversations
share, or detection outside a conversation: reports, tests), and computed only when both miss.
``done`` drops from the memo the texts that left the conversation's recent messages, so a memo
holds about one window of texts and goes away with its conversation (``SeatStates`` drops it
when the last seat of the conversation leaves).

Views are pure functions of their text, so a lookup can never give a wrong answer, whichever
memo is current. The memo of the judgement in progress is a context variable, not a module
global: judging is synchronous (no other task runs in between), but two event loops in two
threads (the Python API run from a threaded application) judge at once and end in any order,
and a global then stayed set to a finished conversation's memo, which kept every text analysed
afterwards for good (reading the variable costs ~7 ns a lookup, ~80 lookups a judgement).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextvars import ContextVar, Token
from typing import Any, Protocol, TypeVar, cast

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

#: Texts a memo keeps past a judgement: its conversation's latest messages (the loop window is
#: 8 by default; closing looks at the same window).
KEEP = 12
#: How many texts past ``KEEP`` a view's table may hold before ``done`` prunes it.
_SLACK = 8


class _Said(Protocol):
    @property
    def content(self) -> str: ...


class TextView(Protocol[R_co]):
    """A ``windowed`` view: called with a text; its shared cache cleared like ``lru_cache``'s."""

    def __call__(self, text: str, /) -> R_co: ...

    def cache_clear(self) -> None: ...

    def cache_info(self) -> functools._CacheInfo: ...


class WindowMemo:
    """One conversation's views: a table of text -> value for each ``windowed`` view."""

    __slots__ = ("tables",)

    def __init__(self) -> None:
        self.tables: dict[Callable[[str], Any], dict[str, Any]] = {}

    def __len__(self) -> int:
        """How many views are kept, over all tables."""
        return sum(map(len, self.tables.values()))

    def prune(self, recent: Sequence[_Said]) -> None:
        """Keep only the views of the ``KEEP`` latest messages' texts, once a table grew past
        them (texts made on the way, such as a message with its opening cut, go too)."""
        keep: set[str] | None = None
        for table in self.tables.values():
            if len(table) > KEEP + _SLACK:
                if keep is None:
                    keep = {message.content for message in recent[-KEEP:]}
                for text in [text for text in table if text not in keep]:
                    del table[text]


_Tables = dict[Callable[[str], Any], dict[str, Any]]
#: The tables of the conversation being judged (in this thread or task), or None.
_current: ContextVar[_Tables | None] = ContextVar("text_memo", default=None)


def judging(memo: WindowMemo) -> Token[_Tables | None]:
    """Look up ``windowed`` views in ``memo`` until ``done``; what to give ``done``."""
    return _current.set(memo.tables)


def done(memo: WindowMemo, previous: Token[_Tables | None], recent: Sequence[_Said]) -> None:
    """End the judgement ``judging`` began; ``recent``: the conversation's messages (the
    latest last), whose latest texts the memo keeps."""
    _current.reset(previous)
    memo.prune(recent)


def windowed(maxsize: int = 4096) -> Callable[[Callable[[str], R]], TextView[R]]:
    """A view of one text, computed once per text while the text is among the latest messages
    of the conversation being judged, else cached process-wide (``lru_cache(maxsize)``)."""

    def decorate(view: Callable[[str], R]) -> TextView[R]:
        shared = functools.lru_cache(maxsize=maxsize)(view)

        @functools.wraps(view)
        def lookup(text: str) -> R:
            tables = _current.get()
            if tables is None:
                return shared(text)
            try:
                return tables[lookup][text]  # type: ignore[no-any-return]
            except KeyError:
                table = tables.get(lookup)
                if table is None:
                    table = tables[lookup] = {}
                found = table[text] = shared(text)
                return found

        lookup.cache_clear = shared.cache_clear  # type: ignore[attr-defined]
        lookup.cache_info = shared.cache_info  # type: ignore[attr-defined]
        return cast(TextView[R], lookup)

    return decorate


__all__ = ["KEEP", "TextView", "WindowMemo", "done", "judging", "windowed"]
