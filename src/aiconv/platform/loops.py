"""Loop detection over the recent messages of a conversation; pure, no I/O, no clock.

``detect_loop`` is called on every new message with the recent window (the new message last) and
says whether the conversation is going round in circles: a participant repeating itself
(repetition), repeating another (echo), two participants restating their previous turns
(ping_pong), messages that only reword earlier content (paraphrase: a run of them, or one
participant rewording itself), or an exchange that has shrunk to pleasantries (collapse).

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
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

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


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopConfig:
    """Thresholds of the detector; similarities are in [0, 1]."""

    window: int = 8
    """How many of the most recent messages are considered (the new one included)."""
    repetition: float = 0.92
    """Character similarity at which a participant repeats one of its own messages."""
    echo: float = 0.92
    """Character similarity at which a participant repeats another's message."""
    reorder: float = 0.97
    """Similarity of the sorted words at which a reordered message counts as a repeat."""
    ping_pong: float = 0.45
    """Content overlap both A-A and B-B pairs of an A-B-A-B cycle must reach."""
    ping_pong_gap: float = 0.12
    """How much less A and B must resemble each other than themselves (else a paraphrase)."""
    paraphrase: float = 0.45
    """Mean content-word or shingle overlap of a run of messages with earlier ones."""
    paraphrase_floor: float = 0.3
    """Overlap every message of that run must reach on its own."""
    paraphrase_run: int = 4
    """Consecutive restating messages that make a paraphrase loop."""
    rewording: float = 0.4
    """Content overlap every pair of one participant's last ``rewording_run`` messages must
    reach for that participant to be rewording itself (a paraphrase)."""
    rewording_run: int = 3
    """How many of one participant's messages make it reword itself."""
    novelty: float = 0.25
    """Most share of new content words a rewording may bring (more is a new point)."""
    edit: float = 0.8
    """Character similarity from which a message is an edit of the previous one (a revision,
    or a repeat), not a rewording."""
    min_chars: int = 24
    """Messages shorter than this (normalised) never count as repeats."""
    min_content_words: int = 3
    """Messages with fewer content words never count as paraphrases."""
    collapse_run: int = 4
    """Consecutive pleasantries (from at least two senders) that make a collapse."""
    collapse_max_words: int = 16
    """Longest message still considered a pleasantry."""

    def __post_init__(self) -> None:
        runs = (self.paraphrase_run, self.collapse_run, self.rewording_run)
        if self.window < 0 or min(runs) < 2:
            raise ValueError("window must be >= 0 (0 = everything) and runs must be >= 2")


LOOP_KINDS = ("repetition", "echo", "ping_pong", "paraphrase", "collapse")


@dataclass(frozen=True, slots=True, kw_only=True)
class Utterance:
    """One participant message as the detectors see it."""

    sequence: int
    sender: str
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Loop:
    """A detected loop: its ``kind`` (one of ``LOOP_KINDS``), a ``score`` in [0, 1], the
    ``sequences`` of the messages involved and a human ``detail``."""

    kind: str
    score: float
    sequences: tuple[int, ...]
    detail: str


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
    said = features(earlier.content)
    return said.invites_echo or (
        index == len(history) - 2
        and (
            said.instructs
            or features(new.content).reads_back
            or _takes_up_item(earlier.content, new.content, config)
        )
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
    for index in range(len(history) - 2, -1, -1):
        earlier = history[index]
        same = earlier.sender == new.sender
        limit = config.repetition if same else config.echo
        score = _repeat_similarity(earlier.content, new.content, limit, config, echo=not same)
        if score < limit and same:  # "Of course. Would you like …" after "Great. Would you …"
            core_earlier, core_new = _core(earlier.content), _core(new.content)
            if core_earlier != earlier.content or core_new != new.content:
                score = _repeat_similarity(core_earlier, core_new, limit, config, echo=False)
        if score >= limit and not _is_invited(history, index, config):
            kind = "repetition" if same else "echo"
            who = f"{new.sender} repeats " + ("itself" if same else earlier.sender)
            return _loop(kind, score, (earlier, new), who)
    return None


_ACK_SENTENCE = re.compile(r"^\W*(?:\w+\W+){0,2}\w+\s*[.!]\s+(?=\S)")


@lru_cache(maxsize=4096)
def _core(content: str) -> str:
    """``content`` without an opening acknowledgement of three words or fewer ("Of course.",
    "Excellent choice.", "Thank you!"), when what remains is the message proper."""
    opening = _ACK_SENTENCE.match(content)
    return content[opening.end() :] if opening else content


def _similarity(a: Utterance, b: Utterance) -> float:
    # Content words only: character ratios of unrelated English sit around 0.4, too noisy here.
    return content_similarity(a.content, b.content)


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
    if min(_similarity(b1, a2), _similarity(a2, b2)) > score - config.ping_pong_gap:
        # Both sides say the same thing: not two positions bouncing, one point reworded.
        detail = f"{a2.sender} and {b2.sender} keep rewording the same point"
        return _loop("paraphrase", score, (a1, b1, a2, b2), detail)
    detail = f"{a2.sender} and {b2.sender} restate their previous turns"
    return _loop("ping_pong", score, (a1, b1, a2, b2), detail)


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


def _seen(history: Sequence[Utterance]) -> frozenset[str]:
    return frozenset().union(*(features(u.content).facts for u in history))


def _answers_with_news(index: int, history: Sequence[Utterance]) -> bool:
    """Whether message ``index`` answers another's question or request with something the
    window had not said yet (the answer of a quiz, the result of a step)."""
    if index == 0 or history[index - 1].sender == history[index].sender:
        return False
    if not features(history[index - 1].content).asks:
        return False
    return bool(features(history[index].content).facts - _seen(history[:index]))


def _restates(index: int, history: Sequence[Utterance], config: LoopConfig) -> float:
    """The best overlap of message ``index`` with any earlier message it adds no number to
    (0 if it is not restatable, or answers a question with news)."""
    current = features(history[index].content)
    if len(current.content) < config.min_content_words or _answers_with_news(index, history):
        return 0.0
    best = 0.0
    for earlier in history[:index]:
        if current.numbers <= features(earlier.content).numbers:
            best = max(best, content_similarity(earlier.content, history[index].content))
    return best


_NEW_POINTS = 0.4
"""Share of new content words from which the message closing a paraphrase run moves on."""


def _paraphrase(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    run = config.paraphrase_run
    if len(history) < run + 1:
        return None
    newest = features(history[-1].content).facts
    if len(newest - _seen(history[:-1])) > _NEW_POINTS * len(newest):
        return None  # the newest message moves on ("the board is full: it's a draw")
    scores = [_restates(i, history, config) for i in range(len(history) - run, len(history))]
    mean = sum(scores) / run
    if min(scores) < config.paraphrase_floor or mean < config.paraphrase:
        return None
    involved = history[-run - 1 :]
    detail = f"the last {run} messages reword earlier ones"
    return _loop("paraphrase", mean, tuple(involved), detail)


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
    if any(_moved(a, b) or _similarity(a, b) < config.rewording for a, b in pairs):
        return None
    for index in indexes[1:]:
        said = features(history[index].content).facts
        if len(said - _seen(history[:index])) > config.novelty * len(said):
            return None
    score = sum(_similarity(a, b) for a, b in pairs) / len(pairs)
    return _loop("paraphrase", score, tuple(own), f"{sender} keeps rewording the same point")


def _reasked(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
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
        if len(shared) < min(2, len(says.content)) or says.numbers - _seen_numbers(history[:-1]):
            return None
        if len(says.facts - _seen(history[:-1])) > len(says.facts) / 2:
            return None
        detail = f"{new.sender} says again what {complaint.sender} already answered"
        return _loop(
            "paraphrase",
            content_similarity(before.content, new.content),
            (before, complaint, new),
            detail,
        )
    return None


def _seen_numbers(history: Sequence[Utterance]) -> frozenset[str]:
    return frozenset().union(*(features(u.content).numbers for u in history))


def _frozen_positions(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """A-B-A-B-A where each side keeps stating the same numbers as before and the two sides'
    numbers differ: a negotiation or a schedule in which neither position moves."""
    if len(history) < 5:
        return None
    last = history[-5:]
    a, b = last[-1].sender, last[-2].sender
    if a == b or any(u.sender != (a if n % 2 == 0 else b) for n, u in enumerate(last)):
        return None
    sets = [features(u.content).numbers for u in last]
    if not all(sets) or sets[0] != sets[2] or sets[2] != sets[4] or sets[1] != sets[3]:
        return None
    if sets[0] & sets[1]:
        return None
    detail = f"{a} and {b} restate the same figures without moving"
    return _loop("ping_pong", 1.0, tuple(last), detail)


def _parrot(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """One participant's last three messages each say back the message just before them and
    add nothing, and at least one of those was a question or a request it should have
    answered ("You said: can I check …?"). Read-backs of instructions, orders or items are
    not parroting: the other side asked for nothing."""
    sender = history[-1].sender
    echoes: list[Utterance] = []
    asked = False
    for index in range(len(history) - 1, 0, -1):
        message = history[index]
        if message.sender != sender:
            continue
        before = history[index - 1]
        if before.sender == sender or not _says_back(before.content, message.content):
            break
        echoes.append(message)
        asked = asked or "?" in before.content or features(before.content).asks
        if len(echoes) == 3:
            break
    if len(echoes) < 3 or not asked:
        return None
    detail = f"{sender} says back every message instead of answering"
    return _loop("echo", 1.0, tuple(reversed(echoes)), detail)


def _says_back(said: str, reply: str) -> bool:
    before, after = features(said), features(reply)
    if len(before.text) < 12 or after.numbers - before.numbers:
        return False
    if len(after.facts - before.facts) > 2:
        return False  # "you'd like to know …" may frame it, nothing more
    return len(before.facts - after.facts) <= 1 and part_similarity(said, reply) >= 0.7


_VERBATIM_WORDS = 5
"""Shortest message (in words) whose third verbatim sending counts, however phatic ("Is there
anything else I can help you with today?") or quoted ("Searching the web for '…'...")."""


def _verbatim(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest message, past a short opening acknowledgement, is word for word the same as
    two earlier messages of its sender in the window, and nobody asked for it again."""
    new = history[-1]
    said = _core(new.content).lower().split()
    if len(said) < _VERBATIM_WORDS:
        return None
    same = [
        i
        for i, u in enumerate(history[:-1])
        if u.sender == new.sender and _core(u.content).lower().split() == said
    ]
    if len(same) < 2 or _is_invited(history, same[0], config):
        return None
    involved = (*(history[i] for i in same), new)
    return _loop("repetition", 1.0, involved, f"{new.sender} sends the same words a third time")


_AFFIRMATIONS = frozenset(
    ("yes", "yeah", "yep", "sure", "ok", "okay", "no", "nope", "correct", "right", "fine")
)


def _same_answer(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
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
    if (
        asked.numbers - _seen_numbers(history[:-1])
        or len(asked.facts - _seen(history[:-1])) > len(asked.facts) / 2
    ):
        return None  # the third message reports something new ("… a balance of $29,283.26")
    detail = f"{asker} asks again what {answerer} answered twice in the same words"
    return _loop("paraphrase", content_similarity(q2.content, q3.content), (q2, a2, q3), detail)


def _collapse(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
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
    return _loop("collapse", score, tuple(run), f"{len(run)} pleasantries in a row")


def _loop(kind: str, score: float, involved: Sequence[Utterance], detail: str) -> Loop:
    sequences = tuple(u.sequence for u in involved)
    return Loop(kind=kind, score=round(score, 3), sequences=sequences, detail=detail)


_DETECTORS = (
    _ping_pong,
    _repeats,
    _paraphrase,
    _rewording,
    _collapse,
    _reasked,
    _frozen_positions,
    _parrot,
    _verbatim,
    _same_answer,
)


def detect_loop(history: Sequence[Utterance], config: LoopConfig = LoopConfig()) -> Loop | None:
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


__all__ = [
    "LOOP_KINDS",
    "Loop",
    "LoopConfig",
    "Utterance",
    "char_similarity",
    "content_similarity",
    "detect_loop",
]
