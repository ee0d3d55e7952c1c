"""The same empty speech act, performed again: a refusal, a put-off, a promise to look, an
agreement or an apology (``speech_acts``) three times from one participant while the others
press, or both sides answering each other in kind ("I'll check and get back to you" – "ok,
let me know"); and what counts as news that moves such a run on (``brings_news``: a number,
a name or a result; a reference nobody takes up, ``loop_references``, is none).
Pure functions over ``Utterance``s, run by ``loops.detect_loop``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from operator import is_not

from aiconv.platform.loop_references import volatile
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, WindowAnswers, make_loop
from aiconv.platform.loop_unmoved import heard_before, pressed_back
from aiconv.platform.speech_acts import acts, makes_progress, pushes_back
from aiconv.platform.text_memo import windowed
from aiconv.platform.wording import features, substance


class _Prefixes:
    """The facts said by each prefix of the window ``seen`` was last asked about: the rules of
    one judgement ask it of prefixes of one window (``history[:index]``), and a prefix longer
    than one known costs a union a message. The window and its unions are kept as one tuple,
    so that two threads asking at once each see a whole pair."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last: tuple[tuple[Utterance, ...], tuple[frozenset[str], ...]] = ((), (frozenset(),))

    def facts(self, history: Sequence[Utterance]) -> frozenset[str]:
        window, unions = self.last
        size = len(history)
        if any(map(is_not, history, window)):  # neither is the other's prefix: another window
            window, unions = tuple(history), (frozenset(),)
        elif size < len(unions):
            return unions[size]
        elif size > len(window):  # the window known is a prefix of ``history``
            window = tuple(history)
        grown = list(unions)
        for message in window[len(grown) - 1 : size]:
            grown.append(grown[-1] | features(message.content).facts)
        self.last = (window, tuple(grown))
        return grown[size]


_SEEN = _Prefixes()


def seen(history: Sequence[Utterance]) -> frozenset[str]:
    """Every fact (content word or number) said in ``history``."""
    return _SEEN.facts(history)


def seen_numbers(history: Sequence[Utterance]) -> frozenset[str]:
    return frozenset().union(*(features(u.content).numbers for u in history))


def answered(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    """Whether each of one sender's messages at ``indexes`` but the newest asked something and
    the reply brought facts new to the window (an interview or a form filled in: it moves,
    however alike its questions)."""
    for index in indexes[:-1]:
        reply = index + 1
        if (
            not features(history[index].content).asks
            or history[reply].sender == history[index].sender
        ):
            return False
        if not features(history[reply].content).facts - seen(history[:reply]):
            return False
    return True


ACT_RUN = 3
"""How many of one participant's messages performing the same empty act make a loop."""
_PRESSES = re.compile(
    r"\?|\b(?:still|already|not an answer|keep|same|again|actual(?:ly)?|i said|told you|i need|"
    r"just)\b|"
    # "the same thing" and "again" in the acts' other languages ("sempre la stessa cosa")
    r"\b(?:stessa cosa|di nuovo|dasselbe|das gleiche|schon wieder|même chose|lo mismo|"
    r"la misma|otra vez|de nuevo|mesma coisa|o mesmo|de novo|hetzelfde|opnieuw|samma sak)\b|"
    r"^\W*(?:no|nope|nothing)\W*$|"  # a bare "No." declines what was offered
    r"^\W*(?:yes|yeah|yep|correct|exactly)\b"  # "Yes." again: it was answered already
)
# A name or a code: capitalised inside a sentence ("Postgres", "ECB", "SW9"), not "ID" or "I".
# The capital comes first and what precedes it is looked behind at: ``re`` skips to capitals.
_NAME = re.compile(
    r"[A-Z](?:(?<=\W[A-Z])(?<![.!?:]\s[A-Z])[\w-]*[A-Z0-9][\w-]+\b|(?<=\w\s[A-Z])[a-z]+\b)"
)


def in_kind(history: Sequence[Utterance], others: Sequence[Utterance]) -> bool:
    """Whether the others' last two messages perform one act between them ("ok, let me know" –
    "fine, I'll wait") and none of the others' messages brings anything: the two sides answer
    each other in kind, a ping-pong rather than one side restating itself."""
    return len(others) >= 2 and bool(
        frozenset.intersection(*(acts(u.content) for u in others[-2:]))
        and stands_still(history, others)
    )


def repeated_act(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """One participant's last three messages perform the same empty act (a refusal, a
    put-off, sympathy, a referral, a request for clarification…) in whatever words, none of
    them brings a number, a name or a result of its own, and the others press in between
    (they ask again, or push back) or answer with an act of their own that repeats too (two
    agents each asking the other to clarify, or each waiting for the other)."""
    sender = history[-1].sender
    indexes = [i for i, u in enumerate(history) if u.sender == sender][-ACT_RUN:]
    own = [history[i] for i in indexes]
    others = [u for u in history[indexes[0] + 1 :] if u.sender != sender]
    if len(own) < ACT_RUN or len(others) < ACT_RUN - 1:
        return None  # the cheap conditions first: most messages perform no act at all
    if not stands_still(history, own):
        return None
    shared = _shared_acts(own)
    if not shared:
        return None
    act = sorted(shared)[0]
    if shared <= _RESPONSES and (
        not stands_still(history, others) or any(builds(u.content) for u in own)
    ):  # "Agreed." to each new clause, "sorry" for each new mistake, "yes, and also …": it moves
        return None
    if shared == {"agrees"} and each_proposes(history, indexes[0]):
        return None  # agreed to a new proposal each time ("And remember it per device?")
    if answers_with_news(history, indexes):
        return None  # "Entiendo que quiere saber cuándo llega: el jueves por la tarde."
    if in_kind(history, others):  # both sides in kind, and neither brings anything
        detail = f"{sender} and {others[-1].sender} keep answering each other in kind ({act})"
        return make_loop("ping_pong", 1.0, tuple(own), detail)
    if (
        2 * sum(presses(u.content) for u in others) < len(others)
        and not _add_nothing(history, indexes[0])
        and not (shared - _RESPONSES and pressed_back(history, indexes, heard_before(history)))
    ):
        return None  # the others neither press nor stand still: they move it on
    return make_loop("paraphrase", 1.0, tuple(own), f"{sender} {act.replace('_', ' ')} again")


def _add_nothing(history: Sequence[Utterance], start: int) -> bool:
    """Whether every message of the others after ``start`` brings at most one content word
    new to the window ("The savings one." - "Savings." to a question asked again)."""
    sender = history[start].sender
    return all(
        len(features(u.content).facts - seen(history[:i])) <= 1
        for i, u in enumerate(history[start + 1 :], start=start + 1)
        if u.sender != sender
    )


_ANSWER_WORDS = 3
"""Words new to the window that make a reply to a question an answer, whatever its frame."""
_FRAME_END = re.compile(r":\s")
"""Where a frame ("Entiendo que usted quiere saber si cierra a mediodía") hands over to the
answer it introduces ("no, el horario es continuo")."""


def answers_with_news(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    """Whether each of one sender's messages at ``indexes`` after the first replies to a
    question of the others just before it, takes up a word that question brought to the window
    and brings ``_ANSWER_WORDS`` words of its own new to the window, or puts an answer of its
    own after that frame (``_framed_answer``): the same act as a frame ("I understand you'd
    like to know …", "Entiendo que …") around a new answer each time."""
    for index in indexes[1:]:
        asked = history[index - 1]
        if asked.sender == history[index].sender:
            return False
        if (
            "?" not in asked.content
            and "？" not in asked.content
            and not features(asked.content).asks
        ):
            return False
        said = features(history[index].content).facts
        brought = features(asked.content).facts - seen(history[: index - 1])
        if not said & brought:
            return False
        if len(said - seen(history[:index])) < _ANSWER_WORDS and not _framed_answer(
            history, index, brought
        ):
            return False
    return True


def _framed_answer(history: Sequence[Utterance], index: int, brought: frozenset[str]) -> bool:
    """Whether ``history[index]`` is a frame naming what was just asked, then past a colon an
    answer of its own: a word or number neither the question nor its sender's earlier messages
    said, and no act ("…si cierra a mediodía: no, el horario es continuo", not "…: lo comprendo
    perfectamente" nor "…: lamento no poder darle más detalles"). A sympathy said again answers
    nothing; a frame said again around an answer each time is a manner of speaking."""
    reply = history[index]
    end = _FRAME_END.search(reply.content)
    if end is None:
        return False
    frame, answer = reply.content[: end.start()], reply.content[end.end() :]
    if not features(frame).facts & brought:
        return False  # the frame does not name the question: what follows may answer another
    view = features(answer)
    own = seen([u for u in history[:index] if u.sender == reply.sender])
    if not (view.facts | view.numbers) - features(history[index - 1].content).facts - own:
        return False
    return not acts(answer)


_PROPOSAL_WORDS = 2
"""Content words new to the window that make a message a new proposal."""


def each_proposes(history: Sequence[Utterance], start: int) -> bool:
    """Whether every message of the others after ``start`` brings a proposal of its own
    (``_PROPOSAL_WORDS`` words of substance the window had not said, praise and courtesy
    aside) without pushing back."""
    sender = history[start].sender
    return all(
        len(substance(features(u.content)) - seen(history[:i])) >= _PROPOSAL_WORDS
        and not pushes_back(u.content)
        for i, u in enumerate(history[start + 1 :], start=start + 1)
        if u.sender != sender
    )


_BUILDS = re.compile(
    r"\b(?:also|plus|another|in addition|additionally|as well|what about|how about|we could|"
    r"let'?s (?:add|also|try)|and (?:a|an|maybe|perhaps|then|we could))\b"
)
"""An agreement that adds something of its own ("absolutely, and a tooltip on the first
screen"): a brainstorm building on itself, not an echo of approval."""


def builds(content: str) -> bool:
    """Whether ``content`` adds something of its own to what it answers (``_BUILDS``)."""
    return bool(_BUILDS.search(content.lower()))


_RESPONSES = frozenset(("agrees", "apologises", "waits"))
"""Acts that answer whatever the others said: empty only when what they answer is."""


def _shared_acts(own: Sequence[Utterance]) -> frozenset[str]:
    """The acts all of ``own`` perform, newest first: most messages perform none, and then
    the others' acts are never needed."""
    shared = acts(own[-1].content)
    for earlier in reversed(own[:-1]):
        if not shared:
            break
        shared &= acts(earlier.content)
    return shared


def presses(content: str) -> bool:
    """Whether ``content`` asks again or insists ("?", "still", "I need", a bare "No.")."""
    return bool(_PRESSES.search(content.lower()))


def brings_news(
    earlier: Sequence[Utterance], message: Utterance, volatile: frozenset[str] = frozenset()
) -> bool:
    """Whether ``message`` has a number or a name its sender's ``earlier`` messages lacked,
    or reports a result: then it moves, however alike its act. A ``volatile`` reference
    (``loop_references``: one nobody else takes up) is no news, nor is a ticket or an
    escalation reported again ("I've escalated it" a second time is no result)."""
    if makes_progress(message.content) and not _escalates_again(earlier, message):
        return True
    numbers = features(message.content).numbers  # most messages have none: no union then
    if numbers and numbers - seen_numbers(earlier) - volatile:
        return True
    names = _names(message.content)  # nor a name, and then the earlier ones are not needed
    new = names.difference(*(_names(u.content) for u in earlier)) if names else names
    return any(not any(token in name for token in volatile) for name in new)


def _escalates_again(earlier: Sequence[Utterance], message: Utterance) -> bool:
    return "escalates" in acts(message.content) and any(
        "escalates" in acts(u.content) for u in earlier
    )


#: The answers of ``stands_still`` for the window last judged, by the messages asked about: the
#: rules of one judgement ask it the same question up to four times (``repeated_act``,
#: ``pressed_rewording``, ``gate``, ``restated_point``).
_STILL: WindowAnswers[tuple[int, ...], tuple[tuple[Utterance, ...], bool]] = WindowAnswers()


def stands_still(history: Sequence[Utterance], own: Sequence[Utterance]) -> bool:
    """Whether none of ``own`` (one sender's messages in ``history``, oldest first) brings
    news over what the window said before it (either side: a figure or a name said back is no
    news of its own), references nobody else takes up set aside."""
    answers = _STILL.of(history)
    known = answers.get(key := tuple(map(id, own)))
    if known is not None and not any(map(is_not, known[0], own)):
        return known[1]
    still = _stands_still(history, own)
    answers[key] = (tuple(own), still)
    return still


def _stands_still(history: Sequence[Utterance], own: Sequence[Utterance]) -> bool:
    tokens = volatile(history, own[-1].sender)
    before = history[: history.index(own[0])]
    return not any(brings_news([*before, *own[:n]], own[n], tokens) for n in range(1, len(own)))


def moves_through_items(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    """Whether each of one sender's messages at ``indexes`` after the first names a figure or
    a name that none of the run's earlier messages named. Asked of runs that bring no news to
    the window, it tells a run that goes through items set out before it, one at a time (the
    items of an order returned one by one, "Item 2: … reason?" after "Item 1: …"; bags added
    passenger by passenger, "Added for Jorge. Alicia Medina: 1 bag, $70. Confirm?"). A point
    restated names the same things each time, or one said back once; a run that moves on names
    something new each time, whatever its frame and its figures share."""
    named: set[str] = set()
    for n, index in enumerate(indexes):
        content = history[index].content
        items = features(content).numbers | _names(content)
        if n and not items - named:
            return False
        named |= items
    return True


# German capitalises every noun, so a capital there names nothing: two of its commonest
# function words in a message are enough to tell (no English sentence uses them).
_GERMAN = re.compile(
    r"\b(?:ihre?|wir|und|ist|wird|nicht|sie|der|die|das|dem|den|ein|eine|für|auf|mit|bitte|"
    r"noch|es|uns|unsere?|leider|kann|können|haben|bei|diese[mnrs]?|ich|mein|meine|auch|aber|"
    r"einen?|einem|einer|sehr|vom|zum|zur|im|von|zu|oder|dass|wenn|schon|nur|wie|was)\b"
)


@windowed()
def _names(content: str) -> frozenset[str]:
    found = frozenset(_NAME.findall(content))
    if found and len(set(_GERMAN.findall(features(content).text))) >= 2:  # quotes aside
        return frozenset()
    return found
