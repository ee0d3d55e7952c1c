"""Each message handed back in its sender's own words, in any language: an echo.

One side's last ``SAID_BACK_RUN`` replies each follow a message of the other's and are made of
it: at least ``_TAKEN`` of the reply's letter trigrams come from that message, at most ``_NEW``
are new to the window, no number is new, and at most ``_NEW_WORDS`` words are new to the window
(a word is known when a word of the window begins as it does: "asking" after "ask",
"питаєш" after "питаєш,"); and at least one of those messages asked something ("so you're
asking if the email arrived", "Тобто настільні ігри по п'ятницях"). No list of any language's
"you": the words of the frame change ("you'd like", "ти питаєш"), and the trigrams say the
rest is the other's.

What it is not: a drill or a read-back of an item (the message presents it after a colon or in
quotes, or tells to say it: "Repeat after me", "Next: «…»", and the reply is the item, its
frame asking nothing of its own; or the item asks and the reply brings a word of its own); a
quiz answer that restates its
question (it brings the answer: a name or a figure new to the window); a read-back of orders
(nobody asked anything). Pure; run by ``loops.detect_loop``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiconv.platform.loop_on_purpose import presented
from aiconv.platform.loop_types import (
    Loop,
    LoopConfig,
    Utterance,
    answering_run,
    make_loop,
)
from aiconv.platform.loop_unmoved import trigrams
from aiconv.platform.wording import features

SAID_BACK_RUN = 3
"""Replies in a row that hand the other's message back."""
_TAKEN = 0.3
"""Least share of a reply's trigrams that come from the message it replies to."""
_NEW = 0.2
"""Most share of a reply's trigrams new to the window."""
_NEW_WORDS = 2
"""Most words (of three letters or more) new to the window in a reply."""
_WRAPPED_WORDS = 5
"""Most words new to the window in a reply that says the other's message whole (``_WHOLE``):
a word or two of praise around it ("Wow, what a twist! … Beautiful!") adds nothing to it."""
_WHOLE = 0.7
"""Least share of the other's trigrams a reply says for it to say the message whole."""
_MIN_WORDS = 3
_WORDS_TAKEN = 0.25
"""Least share of a reply's content words (stems) that the message it replies to has: a
cheap test before the trigrams (an echo takes more; a long new reply takes fewer)."""
_PREFIX = 4
"""Letters a word shares with an earlier one for it to be that word (inflected or not)."""
_PRESENTED = frozenset(':"«»“”„「」')
"""A message that shows its item after a colon or in quotes presents it to be said back."""
_LETTERS = re.compile(r"[^\W\d_]{3,}")


def _new_words(reply: str, window: Sequence[Utterance]) -> list[str]:
    """The words of ``reply`` (three letters or more) no word of ``window`` starts as, nor
    begins it (sets of the window's words and of their first letters: no pairwise loop)."""
    known = {w for u in window for w in _LETTERS.findall(u.content.lower())}
    starts = {w[:n] for w in known for n in (3, _PREFIX)}
    new = []
    for word in _LETTERS.findall(reply.lower()):
        if word in known or word[:_PREFIX] in starts:
            continue  # (a word of three letters: the start of a known word)
        if not any(word[:n] in known for n in range(3, len(word))):
            new.append(word)
    return new


def _hands_back(history: Sequence[Utterance], index: int) -> tuple[bool, bool]:
    """Whether ``history[index]`` is made of the other's message just before it (above), and
    whether it applauds it: says it whole (``_WHOLE``) with a word of its own new to the window
    around it ("Superbe ! <the step, said back>"), whatever the message presents."""
    reply, asked = history[index].content, history[index - 1].content
    said, told = features(reply), features(asked)
    if said.words < _MIN_WORDS or _WORDS_TAKEN * len(said.content) > len(
        said.content & told.content
    ):
        return _NEITHER  # (most replies: a cheap test on the words before their trigrams)
    if told.invites_echo or told.asks_repeat or told.instructs:
        return _NEITHER  # "Say after me", "Repeat", an order: said back as asked
    grams, told_grams = trigrams(reply), trigrams(asked)
    if len(grams & told_grams) < _TAKEN * len(grams):
        return _NEITHER
    new = grams.difference(*(trigrams(u.content) for u in history[:index]))
    if len(new) > _NEW * len(grams):
        return _NEITHER
    if said.numbers - frozenset().union(*(features(u.content).numbers for u in history[:index])):
        return _NEITHER
    own = _new_words(reply, history[:index])
    new_words = len(own)
    whole = len(grams & told_grams) >= _WHOLE * len(told_grams)
    if new_words > _NEW_WORDS and not (new_words <= _WRAPPED_WORDS and whole):
        return _NEITHER
    # its words of its own left behind: the other's next message takes none up (a memory
    # game's new item is said again by the next player)
    applauds = whole and new_words > 0 and not _taken_up(history, index, own)
    # "Next: «…»": the item presented, said back as a drill says it
    return not (_PRESENTED & set(asked) and _says_item(asked, grams, new_words)), applauds


_NEITHER = (False, False)


def _taken_up(history: Sequence[Utterance], index: int, words: list[str]) -> bool:
    """Whether the message after ``history[index]``, when there is one, says one of
    ``words`` again."""
    if index + 1 >= len(history):
        return False
    later = set(_LETTERS.findall(history[index + 1].content.lower()))
    return any(word in later for word in words)


def _says_item(asked: str, grams: frozenset[str], new_words: int) -> bool:
    """Whether a reply of trigrams ``grams`` (``new_words`` new to the window) says back or
    answers the item ``asked`` presents (quoted, or after its colon) as a drill or a quiz does:
    the item asks and the reply brings a word of its own ("Question three: which empire built
    Machu Picchu?" - "Machu Picchu was built by the Inca Empire."); or the frame around the
    item asks nothing of its own and at most ``_NEW`` of the reply is outside the item. A reply
    that takes the frame too ("Pick one: thylakoids or stroma." after "Please pick one:
    thylakoids or stroma?"), or only the hint to a question it leaves unanswered ("But what
    are the two stages? Hint: one needs light"), hands the message back."""
    items = presented(asked)
    if new_words and any("?" in item or "？" in item for item in items):
        return True
    frame = asked
    for item in items:
        frame = frame.replace(item, " ")
    if "?" in frame or "？" in frame:
        return False
    outside = grams - trigrams(" ".join(items))
    return len(outside) <= _NEW * len(grams)


def said_back(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest sender's last ``SAID_BACK_RUN`` replies each hand the other's message back."""
    judged: dict[int, tuple[bool, bool]] = {}

    def hands_back(history: Sequence[Utterance], index: int) -> bool:
        judged[index] = _hands_back(history, index)
        return any(judged[index])

    replies = answering_run(history, SAID_BACK_RUN, hands_back)
    if len(replies) < SAID_BACK_RUN:
        return None
    other = history[replies[0] - 1].sender
    if all(judged[i][1] for i in replies):  # each message applauded and said back whole
        detail = f"{history[-1].sender} applauds each message of {other} and says it back"
        return make_loop("echo", 1.0, tuple(history[i] for i in reversed(replies)), detail)
    if not all(judged[i][0] for i in replies):
        return None
    if not any(_asks(history[i - 1].content) for i in replies):
        return None
    detail = f"{history[-1].sender} hands each message back to {other} in its own words"
    return make_loop("echo", 1.0, tuple(history[i] for i in reversed(replies)), detail)


def _asks(content: str) -> bool:
    return "?" in content or "？" in content or features(content).asks
