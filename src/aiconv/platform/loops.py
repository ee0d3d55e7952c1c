"""Loop detection over the recent messages of a conversation; pure, no I/O, no clock.

``detect_loop`` runs on every new message (the recent window, the new one last): repetition,
echo, ping_pong and paraphrase are judged here on wording (a line said again on purpose, such as
a read-back or a refrain, is set aside by ``loop_on_purpose``); a conversation standing still in
new words in ``loop_stalls``, ``loop_answers``, ``loop_meaning``; then ``loop_learned``'s model.

What counts as progress, however similar the words (the text views live in ``wording``):
a new fact (a number or content word the earlier message lacked: a counter-offer, a corrected
postcode, a revised translation), a repeat that someone asked for ("can you repeat step 4?",
"repeat after me"), a read-back of what was just said ("got it: …", "… is that correct?"), and
an answer that brings something new to a question (a quiz answer that restates its question).
Quoted text, greetings and short acknowledgements never count as restatements.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from aiconv.platform.loop_acts import repeated_act, seen
from aiconv.platform.loop_answers import crossed_questions, unanswered
from aiconv.platform.loop_babble import babble
from aiconv.platform.loop_bounced import bounced_word
from aiconv.platform.loop_dwindled import dwindled
from aiconv.platform.loop_framed import framed_echo
from aiconv.platform.loop_held import held_positions
from aiconv.platform.loop_ignored import answers_each, asked_again, recited_figures
from aiconv.platform.loop_learned import learned_loop, model
from aiconv.platform.loop_meaning import exclaimed_collapse, restated_point, terse_collapse
from aiconv.platform.loop_mirrored import mirrored
from aiconv.platform.loop_on_purpose import (
    ANSWER_NEWS,
    nears_model,
    news,
    polls_again,
    reads_back_news,
    reports_on_progress,
    retried,
    sings_refrain,
)
from aiconv.platform.loop_paraphrase import accumulates, overlap, paraphrase
from aiconv.platform.loop_pointed import pointed_again
from aiconv.platform.loop_references import masked, volatile
from aiconv.platform.loop_reframed import reframed
from aiconv.platform.loop_returned import returned_code
from aiconv.platform.loop_said_back import said_back
from aiconv.platform.loop_stalls import (
    collapse,
    frozen_positions,
    parrot,
    pressed_rewording,
    reasked,
    same_answer,
)
from aiconv.platform.loop_stances import held_apart, talking_past
from aiconv.platform.loop_turned import turned_around
from aiconv.platform.loop_types import LOOP_KINDS, Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.loop_unheeded import unheeded
from aiconv.platform.loop_unmoved import unmoved
from aiconv.platform.text_memo import windowed
from aiconv.platform.word_vectors import load_table
from aiconv.platform.wording import (
    Features,
    adds_facts,
    char_similarity,
    content_similarity,
    features,
    jaccard,
    part_similarity,
    reorder_similarity,
)


def _is_substantive(f: Features, config: LoopConfig) -> bool:
    """Whether a message carries content that can be restated (not a greeting or an ack)."""
    return not f.phatic and len(f.text) >= config.min_chars


def _repeat_similarity(a: str, b: str, limit: float, config: LoopConfig, *, echo: bool) -> float:
    """Character similarity of ``b`` to ``a``, or of their words reordered ("B and A" after
    "A and B"), or for an ``echo`` of the stretch of ``a`` that ``b`` copies (at least half of
    ``a``); 0 when ``b`` adds a fact or below ``limit``."""
    if adds_facts(a, b):
        return 0.0
    in_order = char_similarity(a, b, limit)
    if in_order or features(a).structured or features(b).structured:
        return in_order
    reordered = reorder_similarity(a, b, max(limit, config.reorder))
    if reordered or not echo or 2 * len(features(b).text) < len(features(a).text):
        return reordered
    copied = part_similarity(b, a)
    return copied if copied >= max(limit, config.reorder) else 0.0


def _is_invited(history: Sequence[Utterance], index: int, config: LoopConfig) -> bool:
    """Whether the newest message repeats ``history[index]`` because it was asked to: someone
    else asked for it again in between, the earlier message asked to be repeated ("repeat
    after me"), or the newest reads back the message just before it (framed as a read-back,
    or reading back an instruction: "descend to 4,000 feet", "send it to 9 Oak Street")."""
    earlier, new = history[index], history[-1]
    if any(u.sender != new.sender and features(u.content).asks_repeat for u in history[index:-1]):
        return True
    if earlier.sender == new.sender:
        return False
    if _retries_item(history, index, config):
        return True
    asked = history[index - 1] if index > 0 else None
    if asked is not None and asked.sender == new.sender and features(asked.content).asks_repeat:
        return True  # it asked to hear it again, then says it back (a listening drill)
    said = features(earlier.content)
    return said.invites_echo or (
        index == len(history) - 2
        and (
            said.instructs
            or features(new.content).reads_back
            or _takes_up_item(earlier.content, new.content, config)
            or reads_back_news(history, index)
        )
    )


def _retries_item(history: Sequence[Utterance], index: int, config: LoopConfig) -> bool:
    """Whether the newest message says back the item ``history[index]`` presented once more,
    its sender having said it back right after it already (a dictation corrected: "Nous avons
    mangé des pomes." - "« pommes » prend deux m." - "Nous avons mangé des pommes.")."""
    first = history[index + 1] if index + 1 < len(history) - 1 else None
    return (
        first is not None
        and first.sender == history[-1].sender
        and _takes_up_item(history[index].content, first.content, config)
    )


def _takes_up_item(earlier: str, new: str, config: LoopConfig) -> bool:
    """Whether ``new`` says back the item ``earlier`` presented after a colon ("Next: Dov'è la
    stazione?", "Ordering: two burgers"): a drill or a read-back, not an echo."""
    if ":" not in earlier:
        return False
    item = earlier.rsplit(":", 1)[1]
    copied = char_similarity(item, new) >= config.echo
    return copied and char_similarity(earlier, new) < config.echo  # not a copy of it all


def _repeats(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    new = history[-1]
    if not _is_substantive(features(new.content), config):
        return None
    tokens = volatile(history, new.sender)  # "ticket 4471982", then "ticket 4472310"
    for index in range(len(history) - 2, -1, -1):
        earlier = history[index]
        same = earlier.sender == new.sender
        limit = config.repetition if same else config.echo
        said, says = (
            (masked(earlier.content, tokens), masked(new.content, tokens))
            if same
            else (earlier.content, new.content)
        )
        score = _repeat_similarity(said, says, limit, config, echo=not same)
        by_core = False
        if score < limit and same:  # "Of course. Would you like …" after "Great. Would you …"
            core_earlier, core_new = _core(said), _core(says)
            if (core_earlier != said or core_new != says) and len(
                core_new.strip()
            ) >= config.min_chars:  # what is left must be a message in its own right: not
                # "Still no signal." (its length alone: its text views would cost a message's)
                score = _repeat_similarity(core_earlier, core_new, limit, config, echo=False)
                by_core = True
        if score >= limit and not _is_invited(history, index, config):
            if by_core and reports_on_progress(history, index):
                continue  # "Did that. Still no signal ..." after each new step
            if by_core and _names_the_change(said, says):
                continue  # "Removed eggs. Your list: milk, bread." after "…: milk, eggs, bread."
            if same and polls_again(history, index):
                continue  # "Any news?" once more, each answer having brought some
            if same and retried(history, index):
                continue  # sent again after "429 Too Many Requests": it did not get through
            if same and sings_refrain(history, index):
                continue  # the chorus again, after the next verse
            if same and nears_model(history, index):
                continue  # "… deux personne." then "… deux personnes.": a drill, corrected
            kind = "repetition" if same else "echo"
            who = f"{new.sender} repeats " + ("itself" if same else earlier.sender)
            return make_loop(kind, score, (earlier, new), who)
    return None


_ACK_SENTENCE = re.compile(r"^\W*(?:\w+\W+){0,2}\w+\s*[.!]\s+(?=\S)")


_LEAD_IN = re.compile(r"^\W*(?:\w+\W+){0,2}\w+\s*:[ \t]*\n\s*(?=\S)")
"""A heading of three words or fewer on a line of its own, ending in a colon ("Here's the fix:",
"Hier die Lösung:"), that introduces what follows."""


@windowed()
def _core(content: str) -> str:
    """``content`` without an opening acknowledgement of three words or fewer ("Of course.",
    "Excellent choice.", "Thank you!") and without a heading line of as many that introduces
    the rest ("Sure! Here it is:\n…"), when what remains is the message proper."""
    opening = _ACK_SENTENCE.match(content)
    rest = content[opening.end() :] if opening else content
    heading = _LEAD_IN.match(rest)
    return rest[heading.end() :] if heading else rest


@windowed()
def _core_words(content: str) -> str:
    """The words of ``_core(content)``, lower-cased, one space between them: ``_verbatim``
    compares each message of the window with the newest, so each message's are made once, not
    again at every message. One string, not a tuple of words: it is kept for every text of
    every conversation's window (a tuple of a mock message's words weighs ~3 KB, ~8 times
    the string, half again what the text's ``features`` weigh)."""
    return " ".join(_core(content).lower().split())


def _names_the_change(earlier: str, new: str) -> bool:
    """Whether the opening ``_core`` sets aside of ``new`` is no acknowledgement but the news:
    it names a fact that ``earlier``'s body had and ``new``'s body lost ("Removed eggs. Your
    list: milk, bread." after "Added. Your list: milk, eggs, bread.")."""
    body = _core(new)
    opening = features(new[: len(new) - len(body)]).facts
    return bool(opening and opening & (features(_core(earlier)).facts - features(body).facts))


def _similarity(a: Utterance, b: Utterance) -> float:  # content words: characters are noisy
    return content_similarity(a.content, b.content)


def _overlap(a: Utterance, b: Utterance) -> float:  # the same, two records' values read too
    return overlap(a.content, b.content)


def _ping_pong(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    if len(history) < 4:
        return None
    a1, b1, a2, b2 = history[-4:]
    if a1.sender != a2.sender or b1.sender != b2.sender or a2.sender == b2.sender:
        return None
    if not all(_is_substantive(features(u.content), config) for u in (a1, b1, a2, b2)):
        return None
    if _moved(a1, a2) or _moved(b1, b2):
        return None  # a counter-offer: a position that changed its numbers moved
    score = min(_similarity(a1, a2), _similarity(b1, b2))
    if score < config.ping_pong or _fills_new_slots((a1, b1, a2, b2), config):
        return None
    if _answers_with_news(history, -2) or _answers_with_news(history, -1):
        return None  # "Any news?" - "Now in Cologne." - "Any news?": a poll, answered
    if accumulates(history, 3):
        return None  # a list that grows by an item a turn: "…, a banjo and… a kite."
    if min(_similarity(b1, a2), _similarity(a2, b2)) > score - config.ping_pong_gap:
        # Both sides say the same thing: not two positions bouncing, one point reworded.
        detail = f"{a2.sender} and {b2.sender} keep rewording the same point"
        return make_loop("paraphrase", score, (a1, b1, a2, b2), detail)
    detail = f"{a2.sender} and {b2.sender} restate their previous turns"
    return make_loop("ping_pong", score, (a1, b1, a2, b2), detail)


def _answers_with_news(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` answers the question just before it with facts new to the
    window ("Die Sendung wurde im Ziel-Paketzentrum Köln bearbeitet." to "Gibt es einen neuen
    Stand?" after "... Start-Paketzentrum Radefeld ..."): however alike its frame, it moved."""
    asked = features(history[index - 1].content)
    if not asked.asks:
        return False
    return news(history, index) >= ANSWER_NEWS


def _fills_new_slots(cycle: Sequence[Utterance], config: LoopConfig) -> bool:
    """Whether the four messages of an A-B-A-B cycle share a frame ("I'll place X in the …
    square") and a side fills it differently each time (a move in a game, the next item of a
    form): the words all four have in common say nothing about whether a side repeats itself."""
    views = [features(u.content).content for u in cycle]
    frame = views[0] & views[1] & views[2] & views[3]
    if not frame or any(5 * len(frame) < 2 * len(view) for view in views):
        return False  # a few shared topic words ("the 14th", "Kunden") are no frame
    for first, second in ((views[0], views[2]), (views[1], views[3])):
        rest_first, rest_second = first - frame, second - frame
        if rest_first and rest_second and jaccard(rest_first, rest_second) < config.ping_pong:
            return True
    return False


def _moved(earlier: Utterance, later: Utterance) -> bool:
    return bool(features(later.content).numbers - features(earlier.content).numbers)


_LEAD_NEWS = 5
"""Fewest facts new to the window each message of the others in a run brings to lead it."""


def _led(history: Sequence[Utterance], indexes: Sequence[int]) -> bool:
    """Whether the others lead the run at ``indexes``: every message of theirs in between
    brings at least ``_LEAD_NEWS`` facts new to the window, and the newest message of the run
    takes up at least a third of what the one just before it brought (a student pilot reading
    back each new clearance of a tower that moves the drill on). Its messages are alike because
    each says the other's news back in the same frame, not because it rewords its own point to
    someone who brings nothing."""
    newest = indexes[-1]
    if history[newest - 1].sender == history[newest].sender:
        return False
    brought = frozenset[str]()
    for index in range(indexes[0] + 1, newest):
        if history[index].sender == history[newest].sender:
            continue
        brought = features(history[index].content).facts - seen(history[:index])
        if len(brought) < _LEAD_NEWS:
            return False
    said = features(history[newest].content).facts
    return bool(brought) and 3 * len(said & brought) >= len(brought)


def _rewording(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """One participant's last messages all say the same thing in other words, bringing almost
    nothing new, whatever the others say in between (a hint reworded to a stuck student)."""
    sender = history[-1].sender
    indexes = [i for i, u in enumerate(history) if u.sender == sender][-config.rewording_run :]
    own = [history[i] for i in indexes]
    if len(own) < config.rewording_run:
        return None
    if any(len(features(u.content).content) < config.min_content_words for u in own):
        return None
    if any(char_similarity(a.content, b.content) >= config.edit for a, b in pairwise(own)):
        return None  # edited versions: a revision (or a repeat, which _repeats judges)
    pairs = [(a, b) for n, a in enumerate(own) for b in own[n + 1 :]]
    if any(_moved(a, b) or _overlap(a, b) < config.rewording for a, b in pairs):
        return None
    for index in indexes[1:]:
        said = features(history[index].content).facts
        if len(said - seen(history[:index])) > config.novelty * len(said):
            return None
    if answers_each(history, indexes):
        return None  # "Parking isn't included: the double is …", "Dogs are welcome: …"
    if _led(history, indexes):
        return None  # a clearance read back: "Cleared for takeoff runway three four, …"
    score = sum(_overlap(a, b) for a, b in pairs) / len(pairs)
    return make_loop("paraphrase", score, tuple(own), f"{sender} keeps rewording the same point")


_VERBATIM_WORDS = 5
"""Shortest message (in words) whose third verbatim sending counts, however phatic or quoted."""


def _verbatim(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest message, past a short opening acknowledgement, is word for word the same as
    two earlier messages of its sender in the window, and nobody asked for it again."""
    new = history[-1]
    said = _core_words(new.content)
    if said.count(" ") + 1 < _VERBATIM_WORDS:  # its words ("" counts one: too few all the same)
        return None
    same = [
        i
        for i, u in enumerate(history[:-1])
        if u.sender == new.sender and _core_words(u.content) == said
    ]
    if len(same) < 2 or _is_invited(history, same[0], config) or polls_again(history, same[0]):
        return None
    if sings_refrain(history, same[0]):
        return None
    if len({history[i].content for i in same} | {new.content}) > 1 and reports_on_progress(
        history, same[0]
    ):
        return None  # each opening answers a new step: "Done, lights are on. Still …"
    involved = (*(history[i] for i in same), new)
    return make_loop("repetition", 1.0, involved, f"{new.sender} sends the same words a third time")


RULES = (
    _ping_pong,
    _repeats,
    paraphrase,
    _rewording,
    collapse,
    babble,  # a collapse into laughter and emoji, in any script
    bounced_word,
    dwindled,
    reasked,
    frozen_positions,
    parrot,
    framed_echo,
    mirrored,
    said_back,  # the same, by letter trigrams: no list of any language's "you"
    reframed,  # the whole message said back in a frame of one's own, by trigrams
    returned_code,
    turned_around,
    _verbatim,
    same_answer,
    repeated_act,
    pressed_rewording,
    unanswered,
    unheeded,
    pointed_again,
    crossed_questions,
    asked_again,
    recited_figures,
    talking_past,
    held_apart,
    held_positions,  # both sides' own words again, past each other, by trigrams
    restated_point,  # the costliest (word vectors), and only after every cheaper check
    exclaimed_collapse,
    terse_collapse,
    unmoved,  # letter trigrams: a point restated in fresh words, in any language
)  # the hand-written detectors, cheapest first; the trained model (vectors too) after all
_DETECTORS = (*RULES, learned_loop)
_DEFAULT = LoopConfig()


def detect_loop(history: Sequence[Utterance], config: LoopConfig = _DEFAULT) -> Loop | None:
    """The loop the newest message (``history[-1]``) closes, or None.

    Only the last ``config.window`` messages are looked at; pass participant messages only
    (moderator notes are not part of the exchange).
    """
    recent = history[-config.window :] if config.window > 0 else history
    if not recent:
        return None
    for detector in _DETECTORS:
        found = detector(recent, config)
        if found is not None:
            return found
    return None


def warm_up() -> None:
    """Read now what the detectors otherwise read at their first use: the word vectors and the
    learned model (~60 ms). A worker does it before it serves, so the turn that first needs
    them (a conversation's first long enough window) does not wait for them."""
    load_table()
    model()


__all__ = ["LOOP_KINDS", "Loop", "LoopConfig", "Utterance", "detect_loop", "warm_up"]
