"""A side that has stopped saying anything while the other keeps asking: a collapse.

Its last replies are each a word or two with no content ("Ok.", "[DONE]", "Vale."), the same
filler again, or a word taken back from the question ("Test." to "how do I test it?"), while
every message of the other side asks, tells or presses and one of them objects. Moves from a
fixed set, "Agreed." to each new clause, yes/no answers and a drill's word said again are no
such collapse. Pure, run by ``loops.detect_loop``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.speech_acts import pushes_back
from aiconv.platform.wording import Features, features

_DWINDLED_RUN = 3
"""Empty replies in a row of one side (each after the other side asked) that make a collapse."""
_DWINDLED_WORDS = 2
"""The most words an empty reply has ("Ok.", "Vale.", "[DONE]", "Settings, keys.")."""
_STUCK_TOKEN = 5
"""Times one word fills a whole message for it to be a stuck output ("trail trail trail …")."""


def dwindled(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """One side has stopped saying anything while the other keeps asking: its last three
    messages are each at most two words with no content ("Ok.", "…", "[DONE]") or the same
    filler again ("Vale." – "Vale." – "vale"), every message of the other side in between asks,
    tells or presses, and one of them objects (``_objects``); or its last two messages are each
    one word over and over ("trail trail trail …"). Short answers that answer ("Lisbon." –
    "Oslo."), moves ("Rock." – "Paper.") and "Agreed." to each new clause are no loop."""
    new = history[-1]
    if features(new.content).words > _DWINDLED_WORDS and not _is_stuck(new.content):
        return None  # the usual case, decided on the newest message alone
    sender = new.sender
    indexes = [i for i, u in enumerate(history) if u.sender == sender]
    stuck = indexes[-2:]
    if len(stuck) == 2 and all(_is_stuck(history[i].content) for i in stuck):
        run = stuck
    else:
        run = indexes[-_DWINDLED_RUN:]
        if len(run) < _DWINDLED_RUN:
            return None
        bare = [_bare(history[i].content) for i in run]
        for i, text in zip(run, bare, strict=True):
            view = features(history[i].content)
            # no word at all, or the same filler again and again ("Vale." – "Vale."); words
            # drawn from what was said ("Rock." – "Paper.") may be moves or answers
            said = view.content if bare.count(text) >= 2 else _echoed(history, i)
            if not _is_empty(view, said) or _says_as_told(history, i):
                return None
    others = [u for u in history[run[0] + 1 :] if u.sender != sender]
    if len(others) < len(run) - 1 or not all(_presses(u.content) for u in others):
        return None
    fillers = {_bare(history[i].content) for i in run} - {""}
    if len(run) > 2 and not any(_objects(history, u, fillers) for u in others):
        return None  # "Yes." to each new question of a game or a form is an answer
    pressing = others[-1].sender
    detail = f"{sender} has stopped saying anything while {pressing} keeps asking"
    return make_loop("collapse", 0.9, tuple(history[i] for i in run), detail)


_QUOTES = frozenset("'\"‘’“”«»„")
_JAPANESE_QUOTES = frozenset("「」")
_NEW_WORDS = 3
"""New content words with which a message moves the conversation on rather than objecting."""
_SENTENCES = re.compile(r"[^.!?。！？]+[.!?。！？]*")
"""A quoted word is a word said (features leave quotations out): "'Abmelden'." answers."""


_CHOICE = re.compile(r"\b(?:or|oder|ou|o|of|oppure)\b")
"""A question that offers a choice, which a word of its own answers ("Lisbon or Oslo?")."""


def _echoed(history: Sequence[Utterance], index: int) -> frozenset[str]:
    """The content words of the message ``history[index]`` answers, when it offers no choice
    and asks for no words to be said: a reply that only takes one of them back ("Test." to
    "How do I test it?") says nothing."""
    asked = history[index - 1] if index > 0 else None
    if asked is None or asked.sender == history[index].sender:
        return frozenset()
    view = features(asked.content)
    if view.instructs or view.invites_echo or view.asks_repeat:
        return frozenset()  # "Say gracias." - "Gracias.": what a drill asks for
    if _CHOICE.search(asked.content.lower()):
        return frozenset()
    return view.content


def _says_as_told(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` says the words the message it answers told it to say, or
    presented after a colon ("Say it after me: perro." - "Perro.", "No, roll the r: perro." -
    "Perro."): a drill, not a filler."""
    asked = history[index - 1] if index > 0 else None
    if asked is None or asked.sender == history[index].sender:
        return False
    told = features(asked.content)
    said = features(history[index].content).content
    if not said or not said <= told.content:
        return False
    if told.instructs or told.invites_echo or told.asks_repeat:
        return True
    return ":" in asked.content and said <= features(asked.content.rsplit(":", 1)[1]).content


def _is_empty(view: Features, said: frozenset[str]) -> bool:
    """At most two words, none of them content beyond ``said``: a filler or a marker."""
    return (
        view.words <= _DWINDLED_WORDS
        and not view.numbers  # "42." to "6 times 7?", then to "21 times 2?" answers
        and view.content <= said
        and not _QUOTES & set(view.raw)
    )


def _is_stuck(content: str) -> bool:
    """One word over and over, filling the whole message."""
    lowered = content.lower()
    first, last = lowered.split(None, 1)[:1], lowered.rsplit(None, 1)[-1:]
    if first != last:
        return False  # (most messages: their first and last words differ, no split of it all)
    words = lowered.split()
    return len(words) >= _STUCK_TOKEN and len(set(words)) == 1


def _objects(history: Sequence[Utterance], message: Utterance, fillers: set[str]) -> bool:
    """Whether ``message`` shows the replies do not serve: it pushes back ("not a status
    marker"), says a filler back ("¿Vale qué?", "「はい」以外の答えを"), or asks again with
    nothing new ("Hello?", "Are you still there?", "Report the counts.")."""
    view = features(message.content)
    if pushes_back(message.content) and not view.instructs:
        return True
    if _QUOTES & set(message.content) - _JAPANESE_QUOTES:
        return False
    lowered = message.content.lower()
    if any(len(filler) >= 2 and f"「{filler}」" in lowered for filler in fillers):
        return True  # the filler named as such ("「はい」以外の答えをお願いします"), however long
    said: frozenset[str] = frozenset()
    for u in history[: history.index(message)]:
        said |= features(u.content).content
    if view.content <= said:
        return True
    if len(view.content - said) >= _NEW_WORDS:
        return False  # it moves on: a new clause, a new question ("Article 3: … Agreed?")
    for sentence in _SENTENCES.findall(message.content):
        short = features(sentence)
        if short.words > 3:
            continue
        if any(len(filler) >= 2 and filler in sentence.lower() for filler in fillers):
            return True
        if "?" in sentence and short.content <= said:
            return True
    return False


def _bare(content: str) -> str:
    """``content`` lower-cased without punctuation or spaces at its ends ("Vale." -> "vale")."""
    return content.lower().strip(" .,;:!?¡¿…。、！？[]()-*_~")


def _presses(content: str) -> bool:
    """Asks, tells or presses for something (not itself a filler)."""
    view = features(content)
    asks = view.asks or "?" in content or "？" in content
    return view.words > _DWINDLED_WORDS or asks or view.instructs
