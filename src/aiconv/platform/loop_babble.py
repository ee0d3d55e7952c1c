"""Both sides down to laughter and emoji: a collapse, in any script.

The last ``BABBLE_RUN`` messages, from at least two senders, are each made of emoji,
punctuation and laughter written as a syllable said again ("ㅋㅋㅋ", "ㅎㅎ", "jajaja", "www",
"555", "haha"), with at most one short word besides ("ㅋㅋㅋ 그쵸", "ㅎㅎ 맞아요 😆"). Laughter
is a syllable repeated in every script, so no language's "lol" is listed; the pleasantries of
the languages the vocabulary knows are ``loop_stalls.collapse``'s. A move of a game ("¡Piedra!",
"e4"), a short answer ("Oslo.") or a number is a word, not babble. Pure; run by
``loops.detect_loop``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.text_memo import windowed

BABBLE_RUN = 6
"""Messages in a row, of both sides, that say nothing but laughter and emoji."""
_WORD_CHARS = 3
"""Longest word a babbling message may hold besides its laughter ("그쵸", "맞아요", "yes")."""
_MAX_CHARS = 40
"""Longest babbling message (a cheap test before its words)."""
_TOKEN = re.compile(r"\w+")
_LAUGH = re.compile(r"(\w{1,3}?)\1+")
"""A syllable of one to three letters said twice or more: "ㅋㅋ", "haha", "jajaja", "555"."""


@windowed()
def _babbles(content: str) -> bool:
    """Whether ``content`` is emoji, punctuation and laughter, with one short word at most,
    and holds laughter or an emoji (a chess move, "e4", or a word game's「ねこ」 alone is a
    move)."""
    if len(content) > _MAX_CHARS:
        return False
    tokens = _TOKEN.findall(content.lower())
    words = [w for w in tokens if not _LAUGH.fullmatch(w)]
    if len(words) > 1 or any(len(w) > _WORD_CHARS for w in words):
        return False
    return len(words) < len(tokens) or any(unicodedata.category(c) == "So" for c in content)


def babble(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The last ``BABBLE_RUN`` messages, of two senders or more, each babble (above)."""
    run = history[-BABBLE_RUN:]
    if len(run) < BABBLE_RUN or not all(_babbles(u.content) for u in reversed(run)):
        return None  # (the newest first: most messages are words)
    if len({u.sender for u in run}) < 2:
        return None
    detail = "the conversation is down to laughter and emoji"
    return make_loop("collapse", 1.0, tuple(run), detail)
