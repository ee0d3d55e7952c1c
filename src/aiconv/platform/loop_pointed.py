"""The same place pointed to again: one side's last three messages each name one quoted thing
(a page, a menu, a form: "„Zarządzaj rezerwacją”", “My account”, «Mon compte», or the path
to it: "我的订单 → 申请售后 → 退货退款"), bring
no number and at most three words new to the window, and the other side never takes that
thing up. Whatever the words around it, the side keeps sending the other where the other says
it cannot go; a guide that leads on step by step brings new words, a drill's model is said
back by the learner, and a record sent again as the other corrects it quotes many things (its
fields and values: ``_POINTERS``), one of which stays the same. Pure; run by ``loops.detect_loop``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiconv.platform.loop_acts import seen, seen_numbers
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.text_memo import windowed
from aiconv.platform.wording import features

POINTED_RUN = 3
"""How many of one side's messages pointing to the same thing make a loop."""
_NEW_WORDS = 3
"""At most this many facts new to the window in each message after the first."""
_QUOTE = re.compile(r"«([^»]{3,})»|„([^“”]{3,})[“”]|\"([^\"]{3,})\"|“([^”]{3,})”|「([^」]{2,})」")
_ANY_MARK = re.compile(r"[«„\"“「→>]")
"""A quote mark or an arrow: what a quoted name or a menu path needs (most messages have none)."""
_PATH = re.compile(r"[^\W\d_]+(?:\s*(?:→|->|>)\s*[^\W\d_]+)+")
"""A menu path ("我的订单 → 申请售后 → 退货退款", "Settings > Privacy"): the word on each side of
each arrow, as a place is named by the way to it."""
_ARROW = re.compile(r"\s*(?:→|->|>)\s*")
_POINTERS = 3
"""Most things a message of the run quotes: a side pointing somewhere names a place or two
(and the way to it); a record sent again, revised, quotes every field and value."""


@windowed()
def _quoted(content: str) -> frozenset[str]:
    """The quoted names and menu paths of ``content``, lower-cased, their spacing normalised."""
    if not _ANY_MARK.search(content):
        return frozenset()
    quoted = (" ".join(next(g for g in m.groups() if g).split()) for m in _QUOTE.finditer(content))
    paths = (_ARROW.sub("→", m.group()) for m in _PATH.finditer(content))
    return frozenset(name.lower() for name in (*quoted, *paths))


def pointed_again(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest sender's last ``POINTED_RUN`` messages point to one quoted thing (above)."""
    newest = history[-1].content
    if not _ANY_MARK.search(newest) or not _quoted(newest):
        return None  # (most messages quote nothing)
    sender = history[-1].sender
    indexes = [i for i, u in enumerate(history) if u.sender == sender][-POINTED_RUN:]
    if len(indexes) < POINTED_RUN:
        return None
    quoted = [_quoted(history[i].content) for i in indexes]
    named = frozenset.intersection(*quoted)
    if not named or max(map(len, quoted)) > _POINTERS:
        return None  # many things quoted: a record's fields ("签订日期": "2024-03-18"), a list
    for index in indexes[1:]:
        said = features(history[index].content)
        if said.numbers - seen_numbers(history[:index]):
            return None
        if len(said.facts - seen(history[:index])) > _NEW_WORDS:
            return None
    others = " ".join(u.content.lower() for u in history if u.sender != sender)
    others = _ARROW.sub("→", " ".join(others.split()))  # a path said back, however spaced
    if any(name in others for name in named):
        return None  # taken up: a drill's model said back, a place the other went to
    name = sorted(named)[0]
    detail = f"{sender} keeps pointing to “{name}”"
    return make_loop("paraphrase", 1.0, tuple(history[i] for i in indexes), detail)
