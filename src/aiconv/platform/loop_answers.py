"""A question that is never answered: the same side asks *when*, *how much* or *where* three
times and each reply, however worded, has no date or time, no amount, no place ("It should be
on its way soon", "Pricing depends on your needs", "Your data is kept safe"). The kind of
answer a question calls for is what tells a reply that moves from one that only sounds helpful,
whatever words either side uses. And questions answered only with questions: six messages in a
row, two sides alternating, every one of them nothing but a question. Pure; run by
``loops.detect_loop`` after the other detectors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiconv.platform.loop_acts import stands_still
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.speech_acts import makes_progress
from aiconv.platform.text_memo import windowed

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


@windowed()
def _wants(content: str) -> str | None:
    """The kind of answer ``content`` asks for, if it is short and asks, in a question or
    alone ("A date, please."), for one of ``_WANTS``; a statement that gives that kind itself
    ("Status: running, step 5/7. ETA ~2 min.") reports, and asks for nothing."""
    if len(content.split()) > _ASKING:
        return None
    questions = _QUESTION.findall(content)
    lowered = (" ".join(questions) or content).lower()
    kind = next((kind for kind, pattern in _WANTS.items() if pattern.search(lowered)), None)
    if kind is not None and not questions and _GIVES[kind].search(content):
        return None  # "ETA ~4 min.": a statement that gives the time asks for none
    return kind


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


_CROSSED = 6
"""Messages in a row, two sides alternating, that only ask: no side ever answers."""
_STATEMENT = re.compile(r"[.!:;](?:\s|$)")
_PROPOSES = re.compile(
    r"\b(?:what if|how about|what about|(?:could|should|can|shall) we|why don'?t we|"
    r"et si|pourquoi pas|(?:pourrait|devrait)-on|on pourrait|wie wäre es|(?:sollen|sollten|"
    r"könnten) wir|y si|¿?(?:podríamos|deberíamos)|e se|(?:potremmo|dovremmo)|podíamos|"
    r"(?:zullen|kunnen|moeten) we)\b"
)
_ANSWERS = re.compile(
    r"\W*(?:yes|yeah|yep|no|nope|sure|of course|ja|nein|doch|oui|non|si|sí|sim|não|nee|"
    r"certo|claro|klar|natürlich|bien sûr)\b"
)
_PROPOSALS = 2
"""Questions that propose something, from which a run of questions is a brainstorm."""


def _only_asks(content: str) -> bool:
    """Whether ``content`` is nothing but a question (no sentence of it states anything)."""
    text = content.strip()
    if _ANSWERS.match(text.lower()):
        return False  # "Yes, would you like M or L?" answers before it asks
    return text.endswith(("?", "？")) and not _STATEMENT.search(text)


def crossed_questions(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """Each side answers the other's question with a question of its own, six messages in a
    row, and none brings a number, a name or a result ("What format do you need?" - "What
    formats can you produce?" - "Which would be most useful for you?" …)."""
    if not history[-1].content.rstrip().endswith(("?", "？")):
        return None  # (most messages: the cheapest condition first)
    run = history[-_CROSSED:]
    if len(run) < _CROSSED or not all(_only_asks(u.content) for u in reversed(run)):
        return None
    first, second = run[0].sender, run[1].sender
    if first == second or any(u.sender != (first, second)[n % 2] for n, u in enumerate(run)):
        return None
    if not (stands_still(history, run[0::2]) and stands_still(history, run[1::2])):
        return None
    if sum(bool(_PROPOSES.search(u.content.lower())) for u in run) >= _PROPOSALS:
        return None  # "What if we cache it?" - "Could we keep it in memory?": a brainstorm
    detail = f"{first} and {second} answer each question with a question"
    return make_loop("ping_pong", 1.0, tuple(run), detail)
