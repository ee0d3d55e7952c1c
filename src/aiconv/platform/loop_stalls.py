"""Loops in which a conversation stands still although its words change: a question asked
again after "I just did", both sides restating the same figures, one side saying back every
question instead of answering, the same answer given twice and the question asked a third time,
a collapse into pleasantries, the same empty speech act three times (``speech_acts``: a refusal,
a put-off, sympathy… while the other presses) and the same point made three times in synonyms
(``synonyms``) while the other pushes back.
Pure functions over ``Utterance``s, run by ``loops.detect_loop`` after the wording detectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations, pairwise

from rapidfuzz import fuzz

from aiconv.platform.lexicon import word_set
from aiconv.platform.loop_acts import (
    ACT_RUN,
    answered,
    moves_through_items,
    seen,
    seen_numbers,
    stands_still,
)
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.speech_acts import pushes_back
from aiconv.platform.word_vectors import SPELLED, is_letter
from aiconv.platform.wording import (
    Features,
    char_similarity,
    concepts,
    content_similarity,
    features,
    jaccard,
    part_similarity,
)


def reasked(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """Someone said they were asked this already ("I just did", "as I said") and the other
    asks or says it again anyway: the newest message restates, with nothing new, what its
    sender said just before that complaint (a verification question reworded, a format asked
    for the third time)."""
    new = history[-1]
    for index in range(len(history) - 2, 0, -1):
        complaint = history[index]
        if complaint.sender == new.sender:
            continue
        if not features(complaint.content).complains_repeat:
            return None
        before = history[index - 1]
        if before.sender != new.sender:
            return None
        said, says = features(before.content), features(new.content)
        shared = said.content & says.content
        if len(shared) < min(2, len(says.content)) or says.numbers - seen_numbers(history[:-1]):
            return None
        if len(says.facts - seen(history[:-1])) > len(says.facts) / 2:
            return None
        detail = f"{new.sender} says again what {complaint.sender} already answered"
        return make_loop(
            "paraphrase",
            content_similarity(before.content, new.content),
            (before, complaint, new),
            detail,
        )
    return None


def frozen_positions(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """A-B-A-B-A where each side keeps stating the same numbers as before and the two sides'
    numbers differ: a negotiation or a schedule in which neither position moves."""
    if len(history) < 5:
        return None
    last = history[-5:]
    a, b = last[-1].sender, last[-2].sender
    if a == b or any(u.sender != (a if n % 2 == 0 else b) for n, u in enumerate(last)):
        return None
    sets = [features(u.content).numbers for u in last]
    if not all(sets):
        return None
    if sets[0] != sets[2] or sets[2] != sets[4] or sets[1] != sets[3]:
        if not _holds_figures(history, sets):
            return None
    elif sets[0] & sets[1]:
        return None
    detail = f"{a} and {b} restate the same figures without moving"
    return make_loop("ping_pong", 1.0, tuple(last), detail)


def _holds_figures(history: Sequence[Utterance], sets: Sequence[frozenset[str]]) -> bool:
    """Whether each side of the last five messages (``sets``: their numbers) states a figure
    of its own in every one of its messages, the two sides' differ, and none of the last four
    brings a number new to the window: "$45 per seat" each time, once with the seats and the
    term the first message already gave ("2,000 seats over three years … forty-five")."""
    own = sets[0] & sets[2] & sets[4]
    other = sets[1] & sets[3]
    if not own or not other or own & other:
        return False
    if all(len(figure) == 1 for figure in own | other):
        return False  # lone digits on both sides are no prices: the clues, floors and steps
        # of a puzzle or a proof run through every message ("Clue 2", "floor 4")
    start = len(history) - len(sets)
    return all(not sets[n] - seen_numbers(history[: start + n]) for n in range(1, len(sets)))


def parrot(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """One participant's last three messages each say back the message just before them and
    add nothing, and at least one of those was a question or a request it should have
    answered ("You said: can I check …?"). Read-backs of instructions, orders or items are
    not parroting: the other side asked for nothing, or each message said back brought a
    figure new to the window (a detail put to be confirmed: a date of birth, an amount);
    unless they are made of the other's words and nothing else, and the other says it is
    being said back ("You're repeating my instructions back. I need the actual paragraph.")."""
    sender = history[-1].sender
    echoes: list[Utterance] = []
    asked = pressed = loose = False
    figures = True  # every message said back brought a figure new to the window
    for index in range(len(history) - 1, 0, -1):
        message = history[index]
        if message.sender != sender:
            continue
        before = history[index - 1]
        if before.sender == sender:
            break
        if not _says_back(before.content, message.content):
            if not _made_of(before.content, message.content):
                break
            loose = True
        echoes.append(message)
        figures = figures and bool(
            features(before.content).numbers - seen_numbers(history[: index - 1])
        )
        asked = asked or "?" in before.content or features(before.content).asks
        pressed = pressed or features(before.content).complains_repeat
        if len(echoes) == 3:
            break
    if len(echoes) < 3 or not (pressed if loose else asked):
        return None
    if figures and not pressed:
        return None  # each detail confirmed: "Your date of birth is 3 March 1984?" - "Yes, …"
    detail = f"{sender} says back every message instead of answering"
    return make_loop("echo", 1.0, tuple(reversed(echoes)), detail)


def _made_of(said: str, reply: str) -> bool:
    """Whether ``reply`` is made of ``said``'s facts, one of its own at most, and none new to
    a number ("Got it: send the revised intro." after "Great, please send the revised intro."):
    a read-back, an echo only when the other says it is said back ("You're repeating my
    instructions back")."""
    before, after = features(said), features(reply)
    return (
        len(after.facts) >= 2
        and len(after.facts - before.facts) <= 1
        and not (after.numbers - before.numbers)
    )


def _says_back(said: str, reply: str) -> bool:
    before, after = features(said), features(reply)
    if len(before.text) < 12 or after.numbers - before.numbers:
        return False
    if len(after.facts - before.facts) > 2:
        return _mirrors(before, after)  # "you'd like to know …" may frame it, nothing more
    if len(before.facts - after.facts) <= 1 and part_similarity(said, reply) >= 0.7:
        return True
    return _mirrors(before, after)


_PERSONS = word_set(
    """i me my mine myself you your yours yourself ik mij me mijn u uw je jij jouw ich mich mir
    mein meine meinen meinem meiner du dich dir dein deine deinen sie ihr ihre ihren ihrem
    j je moi mon ma mes vous votre vos tu te toi ton ta tes yo mi mis usted su sus tú tus
    eu meu minha meus minhas você seu sua seus suas teu tua io mio mia miei lei suo tuo"""
)
"""The first and second persons of the languages of the acts: a message said back from the
other's side swaps them ("mijn fiets" – "uw fiets", "I need" – "you need")."""
_MIRRORED = 0.9
_ENDINGS = 8
"""Characters a reply said back may gain on its way: verb endings ("meld" – "meldt")."""


def _mirrors(before: Features, after: Features) -> bool:
    """Whether ``after`` is ``before`` said back from the other's side: persons swapped, a
    verb's ending changed with them ("Ho già fatto" – "Ha già fatto"), an opening left off
    ("Klopt." – "Ja, dat vraag ik."); most of the longer one copied, nothing added, and not
    a copy of a stretch of it as it was, nor an item a drill asked to be repeated."""
    if len(after.text) > len(before.text) + _ENDINGS or 2 * len(after.text) < len(before.text):
        return False  # it adds something of its own, or says back only a part
    if 2 * len(after.facts - before.facts) > len(after.facts):
        return False  # most of its words are its own (the usual case: cheap sets first)
    if before.invites_echo or after.text in before.text:
        return False  # the words as they were: a drill's item, a read-back (judged above)
    said, reply = _in_no_person(before.text), _in_no_person(after.text)
    if min(len(said), len(reply)) < 12:
        return False
    shorter, longer = sorted((said, reply), key=len)
    return fuzz.partial_ratio(shorter, longer) >= 100 * _MIRRORED


def _in_no_person(text: str) -> str:
    return " ".join("·" if word in _PERSONS else word for word in text.split())


_AFFIRMATIONS = frozenset(
    ("yes", "yeah", "yep", "sure", "ok", "okay", "no", "nope", "correct", "right", "fine")
)


def same_answer(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """Q A Q A Q: the answer came back word for word, and the asker asks the same thing a
    third time (the email address asked for in ever new words)."""
    if len(history) < 5:
        return None
    q1, a1, q2, a2, q3 = history[-5:]
    asker, answerer = q3.sender, a2.sender
    if asker == answerer or {q1.sender, q2.sender} != {asker} or a1.sender != answerer:
        return None
    answer = features(a1.content)
    if a1.content.strip().lower() != a2.content.strip().lower() or not answer.content:
        return None
    if not _AFFIRMATIONS.isdisjoint(answer.text.split()):
        return None  # "Yes, please go ahead." twice confirms two different things
    if not all(features(q.content).asks or features(q.content).instructs for q in (q2, q3)):
        return None
    asked = features(q3.content)
    if len(features(q2.content).content & asked.content) < 2:
        return None
    if asked.numbers != features(q2.content).numbers:
        return None  # its figures moved ("Server 12 von 12", after "9 von 12"): news
    if (
        asked.numbers - seen_numbers(history[:-1])
        or len(asked.facts - seen(history[:-1])) > len(asked.facts) / 2
    ):
        return None  # the third message reports something new ("… a balance of $29,283.26")
    detail = f"{asker} asks again what {answerer} answered twice in the same words"
    return make_loop("paraphrase", content_similarity(q2.content, q3.content), (q2, a2, q3), detail)


def collapse(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """Pleasantries in a row from at least two senders that stop growing ("Thanks!" –
    "Anytime!" – "Thanks again!"): nothing is being said any more."""
    run = history[-config.collapse_run :]
    if len(run) < config.collapse_run or len({u.sender for u in run}) < 2:
        return None
    views = [features(u.content) for u in run]
    if not all(f.pleasantry for f in views):
        return None
    half = len(views) // 2
    first = sum(f.words for f in views[:half]) / half
    second = sum(f.words for f in views[half:]) / (len(views) - half)
    if second > first + 1:
        return None
    score = min(1.0, first / max(second, 1.0) / 2 + 0.5)
    return make_loop("collapse", score, tuple(run), f"{len(run)} pleasantries in a row")


_SAME_POINT = 0.26
"""Mean overlap of merged synonyms (``concepts``) at which three messages make one point."""
_SAME_POINT_FLOOR = 0.14
"""Overlap every pair of them must reach."""


def pressed_rewording(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """One participant makes the same point three times in other words (synonyms merged:
    "reboot the modem", "power-cycle the router"), bringing no number, name or result, and the
    other pushes back in between ("it still drops", "I already did", "that's not an answer")."""
    sender = history[-1].sender
    indexes = [i for i, u in enumerate(history) if u.sender == sender][-ACT_RUN:]
    own = [history[i] for i in indexes]
    if len(own) < ACT_RUN or any(len(concepts(u.content)) < 2 for u in own):
        return None
    if not stands_still(history, own):
        return None
    if any(char_similarity(a.content, b.content) >= config.edit for a, b in pairwise(own)):
        return None  # edited versions: a revision, or a repeat that others judge
    others = [u for u in history[indexes[0] + 1 :] if u.sender != sender]
    if not any(pushes_back(u.content) and not features(u.content).asks_repeat for u in others):
        return None
    views = [_not_letters(u.content) for u in own]
    if any(len(view) < 2 for view in views):
        return None  # a word spelled out: its letters are no concepts
    if _fills_slots(views) or answered(history, indexes):
        return None  # each question answered with news: "Order #A-7: can they also …?"
    if moves_through_items(history, indexes):
        return None  # item by item through a list: "Item 2: … reason?" after "Item 1: …"
    overlaps = [jaccard(a, b) for a, b in combinations(views, 2)]
    mean = sum(overlaps) / len(overlaps)
    if mean < _SAME_POINT or min(overlaps) < _SAME_POINT_FLOOR:
        return None
    detail = f"{sender} makes the same point in other words while {others[-1].sender} presses"
    return make_loop("paraphrase", mean, tuple(own), detail)


def _not_letters(content: str) -> frozenset[str]:
    """The ``concepts`` of ``content``, without the letters of a word it spells out: a spelled
    word ("s-e-p-a-r-a-t-e") is no point made in its letters, which every spelled word shares."""
    view = concepts(content)
    if all(len(concept) > 1 for concept in view) or not SPELLED.search(content):
        return view  # (most)
    return frozenset(concept for concept in view if not is_letter(concept))


def _fills_slots(views: Sequence[frozenset[str]]) -> bool:
    """Whether the messages share a frame and fill it with different things each time ("Tell
    me about a time you …"): what they share beyond the frame is nothing."""
    frame = frozenset.intersection(*views)
    rests = [view - frame for view in views]
    return bool(frame) and all(rests) and all(not a & b for a, b in combinations(rests, 2))
