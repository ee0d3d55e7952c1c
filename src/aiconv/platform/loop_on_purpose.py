"""A line said again on purpose: the exceptions the repetition rules of ``loops`` make.

The same words again are no loop when the conversation moves on the other side: a read-back of
each new instruction ("Behind the landing Dash 8, line up runway 27 behind, Easy 42 Hotel"), a
report on each new step ("Did that. Still no signal."), a status asked for again after each
answer brought news, a refrain between new verses. Each is a check on one repeat ``loops`` has
already found, so none runs on a message that repeats nothing. Pure, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from aiconv.platform.lexicon import word_set
from aiconv.platform.loop_acts import seen
from aiconv.platform.loop_types import Utterance
from aiconv.platform.speech_acts import pushes_back
from aiconv.platform.wording import char_similarity, features

ANSWER_NEWS = 1
"""Facts new to the window that make an answer to a question asked again news (a place:
"… au centre de tri de Rennes" after "… de Lyon"; a number is news already: ``loops._moved``)."""


def reads_back_news(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]``, the message just before the newest, which says it back, is
    a new instruction being read back: it asks nothing, it brings facts new to the window, and
    its sender never pushed back in the window (a pilot reading back each new clearance,
    "Behind the landing Dash 8, line up runway 27 behind"). Saying back a question, or a
    message after "that's not what I asked", stays an echo."""
    earlier = history[index]
    if "?" in earlier.content or features(earlier.content).asks:
        return False
    if news(history, index) < PROGRESS_WORDS:
        return False
    if any(
        u.sender == earlier.sender
        and (pushes_back(u.content) or features(u.content).complains_repeat)
        for u in history
    ):
        return False
    reader = history[-1].sender
    return _calls(earlier.content, history[:index], reader) or any(
        history[n].sender == reader  # its role already: it read back an earlier instruction
        and history[n - 1].sender == earlier.sender
        and "?" not in history[n - 1].content
        and _said_back(history[n - 1].content, history[n].content)
        for n in range(1, index)
    )


_CALL_SIGN = re.compile(r"^\W*((?:[\w-]+ ){0,3}[\w-]+),")
"""The name a message opens with, before a comma ("Easy 42 Hotel, …", "Kran drei, …")."""


def _calls(content: str, before: Sequence[Utterance], reader: str) -> bool:
    """Whether ``content`` opens by calling ``reader`` by the name it gave itself ("Kran drei,
    Last langsam anheben" after "Kran drei ist bereit"): radio discipline, a read-back due."""
    call = _CALL_SIGN.match(content)
    if call is None:
        return False
    name = call[1].lower().split()
    return any(
        u.sender == reader and all(w in u.content.lower().split() for w in name) for u in before
    )


def _said_back(said: str, reply: str) -> bool:
    """Whether ``reply`` is made of ``said``'s facts, all but one at most ("Holding short
    runway 27, Easy 42 Hotel." to "Easy 42 Hotel, hold short runway 27, landing traffic …")."""
    before, after = features(said).facts, features(reply).facts
    return len(after) >= 2 and len(after - before) <= 1


PROGRESS_WORDS = 3
"""Content words new to the window each of the others' messages brings when it moves on."""


def reports_on_progress(history: Sequence[Utterance], index: int) -> bool:
    """Whether the newest message, the same as ``history[index]`` from its sender past a
    different opening, reports back on the others' moves: it asks nothing, and every message
    of the others since brings a step of its own ("Did that. Still no signal." after each new
    troubleshooting step). Not a loop: the conversation moves on the other side."""
    new = history[-1]
    if "?" in new.content:
        return False  # the same question again ("Anything else I can help with?") is a loop
    others = [
        (n, u)
        for n, u in enumerate(history[index + 1 : -1], start=index + 1)
        if u.sender != new.sender
    ]
    return bool(others) and all(
        (features(u.content).asks or features(u.content).instructs)
        and len(features(u.content).facts - seen(history[:n])) >= PROGRESS_WORDS
        for n, u in others
    )


def polls_again(history: Sequence[Utterance], index: int) -> bool:
    """Whether the newest message asks again what ``history[index]``, from its sender, asked,
    and the conversation moved since: every message of the others updates the status it gave
    before with facts new to the window ("Gibt es einen neuen Stand?" after each step of a
    parcel's journey), or the asker closed a round with news of its own before asking again
    (a stand-up bot's summary, then the same three questions the next day). A request with no
    question mark ("Status request: PA-7.", ``{"op": "status", "job_id": "bf-7"}``) polls when
    it is short, names its thing by number, nobody asks anything in between, and each answer
    naming that thing brings a number new to the window: a value that changed."""
    new = history[-1]
    if features(new.content).asks_repeat:
        return False  # "Could you repeat that?": loops
    asked = "?" in new.content
    between = range(index + 1, len(history) - 1)
    others = [n for n in between if history[n].sender != new.sender]
    if not others:
        return False
    polled = not _STATEMENT.search(new.content.strip())  # nothing but the question
    if not asked:  # a request without "?" ("Status request: PA-7.", {"op": "status"}): a poll
        # only while it names its thing by number and each answer on it brings values new to
        # the window; a line said again to someone who asks or says something else loops
        names = frozenset(_DIGITS.findall(new.content))
        answers = [n for n in others if all(name in history[n].content for name in names)]
        return (
            polled
            and bool(names and answers)
            and features(new.content).words <= _REQUEST_WORDS
            and not any(features(history[n].content).asks for n in others)
            and all(_new_values(history, n) for n in answers)
        )
    if not all(news(history, n) >= ANSWER_NEWS for n in others):
        return False
    return (polled and all(_updates(history, n) for n in others)) or any(
        history[n].sender == new.sender and _reports(history, n) for n in between
    )


_REFRAIN = re.compile(
    r"\b(?:chorus|refrain|estribillo|coro|kehrreim|refrão|ritornello|refrein|refren|omkväde)\b"
)
"""A refrain named (English, Spanish, German, French, Portuguese, Italian, Dutch, Polish,
Swedish; "Refrain" is German and French too): the conversation set up a line to come back."""
_LABEL = re.compile(r"^\W*((?:\w+[\s,]+){0,4}\w+)\s*:\s*\S")
"""A message presenting its item after a label of a few words ("Verse two: …", "Round 3: …")."""
_ORDINALS = word_set(
    """one two three four five six seven eight nine ten first second third fourth fifth sixth
    seventh eighth ninth tenth next last final"""
)
_VERSES = word_set("verse stanza strophe strophen estrofa strofa zwrotka couplet vers strof")
"""What a song or poem is sung in between its refrains (English, German, Spanish, Italian,
Polish, French, Swedish and Dutch)."""


def _counted_label(content: str) -> str | None:
    """The label ``content`` presents a verse after, when it counts it ("Verse two", "Stanza
    3", "Last verse, slower"): an item of a song, not a note ("Note 3: …") nor a verdict
    ("Validation failed: …"), between which a line said again is no refrain."""
    label = _LABEL.match(content)
    if label is None:
        return None
    words = label[1].lower().replace(",", " ").split()
    if _VERSES.isdisjoint(words):
        return None
    return label[1].lower() if any(w in _ORDINALS or w.isdigit() for w in words) else None


def sings_refrain(history: Sequence[Utterance], index: int) -> bool:
    """Whether the newest message, the same as ``history[index]`` from its sender, is a refrain
    between new material: it asks nothing, every message of the others since brings news and
    neither asks nor pushes back, and either the conversation named a refrain before it came
    ("I'll take the verses, you take the chorus") or the others present each verse after a
    label that counts it ("Verse three: …", "Stanza 4: …"). A canned line to a customer who
    asks or presses, or to each new note, stays a loop."""
    new = history[-1]
    if "?" in new.content:
        return False
    others = [n for n in range(index + 1, len(history) - 1) if history[n].sender != new.sender]
    if not others or any(
        "?" in history[n].content
        or features(history[n].content).asks
        or pushes_back(history[n].content)
        or news(history, n) < PROGRESS_WORDS
        for n in others
    ):
        return False
    if any(_REFRAIN.search(u.content.lower()) for u in history[:index]):
        return True
    if any(_counted_label(history[n].content) is None for n in others):
        return False
    labels = [  # a series: two items or more in the window, each counted anew ("Next:" twice
        _counted_label(u.content)  # is no count)
        for u in history
        if u.sender != new.sender and _LABEL.match(u.content)
    ]
    return None not in labels and len(labels) >= 2 and len(set(labels)) == len(labels)


_PRESENTED = re.compile(r"«([^»]+)»|„([^“”]+)[“”]|\"([^\"]+)\"|“([^”]+)”|「([^」]+)」")
"""A model presented in quotes, in the marks of the languages the detectors read."""
_ATTEMPT = 0.8
"""Character similarity to a model from which a message is an attempt at it."""


def nears_model(history: Sequence[Utterance], index: int) -> bool:
    """Whether the newest message, close to its sender's ``history[index]``, is another
    attempt at a model the other side presented (quoted, or after a colon: "Répétez après
    moi : « … »") that comes closer to it than that attempt did: a drill being corrected
    ("… pour deux personne." then "… pour deux personnes."), not a line said again. The
    same attempt word for word comes no closer."""
    new, earlier = history[-1].content, history[index].content
    if features(new).text == features(earlier).text:
        return False
    return any(
        char_similarity(model, new) >= _ATTEMPT
        and char_similarity(model, new) > char_similarity(model, earlier)
        for u in history[:-1]
        if u.sender != history[-1].sender
        for model in (*presented(u.content), *_after_colons(u.content))
    )


_AFTER_COLON = re.compile(r":\s*([^:]+?)(?=[.!?]\s|:|$)")
"""The stretch after a colon up to the end of its sentence or the next colon ("Missing an h:
o-p-h-t-h-a-l-m-o-l-o-g-y. Try again." presents the spelling, not the request after it)."""


def _after_colons(content: str) -> list[str]:
    """Each item ``content`` sets out after a colon, to the end of its sentence: a correction
    names its model first and goes on to say why, or to ask for another try."""
    if ":" not in content:
        return []
    return _AFTER_COLON.findall(content)


def presented(content: str) -> list[str]:
    """What ``content`` presents to be said: its quoted stretches and what follows its colon."""
    found = [next(g for g in m.groups() if g) for m in _PRESENTED.finditer(content)]
    return [*found, content.rsplit(":", 1)[1]] if ":" in content else found


def news(history: Sequence[Utterance], index: int) -> int:
    """How many facts of ``history[index]`` are new to the window (spelled letters aside:
    "S W 9, 8 J T" after "SW9 8JT" is the same postcode)."""
    said = features(history[index].content).facts - seen(history[:index])
    return sum(len(fact) > 1 for fact in said)


_STATEMENT = re.compile(r"[.!]\s")
"""The end of a sentence inside a message: it states something besides its question ("I'm
sorry, I didn't understand that. Could you rephrase …?" is a fallback, not a poll)."""
_SUBJECT = 2
"""Facts an update shares with the status it updates (a parcel's number, "colis")."""


def _updates(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` updates its sender's previous message: the same subject
    (two facts or more in common), no complaint that it is said again."""
    said = features(history[index].content)
    if said.complains_repeat:
        return False
    before = [u for u in history[:index] if u.sender == history[index].sender]
    return bool(before) and len(said.facts & features(before[-1].content).facts) >= _SUBJECT


_REQUEST_WORDS = 8
"""Words a request for a status says at most: what it asks and the thing's name."""


_DIGITS = re.compile(r"\d+")
"""A number as written, in quoted values too (a JSON status's "2024-06-04", "bf-7731")."""


def _new_values(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` has a number new to the window (a changed value)."""
    earlier = {value for u in history[:index] for value in _DIGITS.findall(u.content)}
    return any(value not in earlier for value in _DIGITS.findall(history[index].content))


_RAW_WORD = re.compile(r"[^\W\d_]{3,}")
_REPLY_WORDS = 4
"""Fewest words of a reply that says why a request did not get through."""


def _raw_words(content: str) -> set[str]:
    """The words of ``content`` as written (quoted values too), three letters or more."""
    return set(_RAW_WORD.findall(content.lower()))


def retried(history: Sequence[Utterance], index: int) -> bool:
    """Whether the newest message sends ``history[index]``, its sender's, again after one
    reply that asks nothing, says nothing of what it asked (no word of it) and is news from
    its sender (mostly new to the window, little of its own earlier words): the request did
    not get through (a rate limit, a timeout), and a sender that acted on the replies before
    (``_adapted``) sends it again as it was. A reply that asks again, presses its own point or
    says the same again keeps it a loop."""
    between = history[index + 1 : -1]
    if len(between) != 1 or between[0].sender == history[-1].sender or "?" in between[0].content:
        return False
    reply = between[0]
    words = _raw_words(reply.content)
    if len(words) < _REPLY_WORDS or words & _raw_words(history[-1].content):
        return False
    heard: set[str] = set()
    own: set[str] = set()
    for u in history[: index + 1]:
        said = _raw_words(u.content)
        heard |= said
        if u.sender == reply.sender:
            own |= said
    return (
        2 * len(words - heard) > len(words)
        and 4 * len(words & own) <= len(words)
        and _adapted(history[: index + 1])
    )


_ADAPTED = 2
"""Fewest earlier messages of a sender that took up what the reply before them brought."""


def _adapted(history: Sequence[Utterance]) -> bool:
    """Whether the sender of ``history[-1]`` changed its message to the replies before
    (``_ADAPTED`` times, a message using a word the reply just before it brought to the
    window): it acts on what it is told, so sending one unchanged means it had no answer."""
    sender = history[-1].sender
    heard: set[str] = set()
    adapted = 0
    for earlier, later in pairwise(history):
        said = _raw_words(earlier.content)
        brought = said - heard
        heard |= said
        if later.sender == sender and earlier.sender != sender:
            adapted += bool(brought & _raw_words(later.content))
    return adapted >= _ADAPTED


def _reports(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` states news of its own: no question, three facts or more new
    to the window ("I've asked Priya for the token. Summary posted to #team-standup.")."""
    return "?" not in history[index].content and news(history, index) >= PROGRESS_WORDS


__all__ = [
    "ANSWER_NEWS",
    "PROGRESS_WORDS",
    "nears_model",
    "news",
    "polls_again",
    "presented",
    "reads_back_news",
    "reports_on_progress",
    "retried",
    "sings_refrain",
]
