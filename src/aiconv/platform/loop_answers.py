"""A question that is never answered: the same side asks *when*, *how much* or *where* three
times and each reply, however worded, has no date or time, no amount, no place ("It should be
on its way soon", "Pricing depends on your needs", "Your data is kept safe"). The kind of
answer a question calls for is what tells a reply that moves from one that only sounds helpful,
whatever words either side uses. Pure; run by ``loops.detect_loop`` after the other detectors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.speech_acts import makes_progress

_WANTS = {
    "time": re.compile(r"\b(?:when|what time|how long|how soon|by when|date|eta|deadline)\b"),
    "amount": re.compile(r"\b(?:how (?:much|many)|price|cost|ballpark|figure|rate)\b"),
    "place": re.compile(r"\b(?:where|which (?:country|city|address|location|region))\b"),
}
_NUMBER = (
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|hundred)\b"
)
_GIVES = {
    "time": re.compile(
        _NUMBER + r"|\b(?:today|tomorrow|tonight|yesterday|monday|tuesday|wednesday|thursday|"
        r"friday|saturday|sunday|january|february|march|april|may|june|july|august|september|"
        r"october|november|december|next (?:week|month)|this (?:week|afternoon|evening)|"
        r"end of (?:the )?(?:day|week|month)|minutes?|hours?|days?|weeks?)\b",
        re.IGNORECASE,
    ),
    "amount": re.compile(_NUMBER + r"|\b(?:free|nothing|no charge)\b", re.IGNORECASE),
    "place": re.compile(_NUMBER + r"|(?<=\w )[A-Z][\w-]+"),
}
_RUN = 3


_ASKING = 24
"""Longest message (in words) read as asking for one thing: a longer one discusses."""
_QUESTION = re.compile(r"[^.!?]*\?")


@lru_cache(maxsize=4096)
def _wants(content: str) -> str | None:
    """The kind of answer ``content`` asks for, if it is short and asks, in a question or
    alone ("A date, please."), for one of ``_WANTS``."""
    if len(content.split()) > _ASKING:
        return None
    asked = " ".join(_QUESTION.findall(content)) or content
    lowered = asked.lower()
    return next((kind for kind, pattern in _WANTS.items() if pattern.search(lowered)), None)


def _misses(question: Utterance, reply: Utterance) -> bool:
    wanted = _wants(question.content)
    if wanted is None or makes_progress(reply.content):
        return False
    return not _GIVES[wanted].search(reply.content)


def unanswered(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The last three replies of the newest sender each miss what the message before them
    asked for (a time, an amount, a place), and that message came from the same other side."""
    replier = history[-1].sender
    pairs = [
        (history[i - 1], history[i])
        for i in range(1, len(history))
        if history[i].sender == replier and history[i - 1].sender != replier
    ][-_RUN:]
    if len(pairs) < _RUN or len({q.sender for q, _ in pairs}) != 1:
        return None
    if pairs[-1][1] is not history[-1] or not all(_misses(q, r) for q, r in pairs):
        return None
    detail = f"{replier} never gives what {pairs[0][0].sender} asks for"
    return make_loop("paraphrase", 1.0, tuple(r for _, r in pairs), detail)
