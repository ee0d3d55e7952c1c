"""Two positions that never move: a debate in which each side restates its own stance in new
words and neither takes up anything the other said.

``talking_past``: the last six messages alternate between two participants, none asks a
question, none brings a number, a name or a result (``loop_stalls.stands_still``, references
nobody takes up set aside), no message shares more than a trace of its content words with the
message it answers, and each side's messages stay closer in meaning (``word_vectors``) to that
side's earlier messages than to the replies in between: two monologues, not a debate. A debate
that moves answers the other's points in the other's words ("recorded reviews lack the
follow-up", after "recorded design reviews"), asks, concedes or brings figures.

``held_apart``, the same in any language, on the words themselves: the last five messages
alternate between two sides, none asks or brings a number, a name or a result, and each shares
more of its word roots (first four letters of its content words) with its own side's earlier
messages in the window than with the message it answers, by a tenth at least, two fifths on
average ("uitgeruste mensen werken beter" – "klanten verwachten vijf dagen" – "uitgerust
werkt productiever"): each side says its own words again, never the other's. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from aiconv.platform.lexicon import has_quote_mark
from aiconv.platform.loop_acts import stands_still
from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.text_memo import windowed
from aiconv.platform.word_vectors import known_words, meaning_similarity
from aiconv.platform.wording import content_similarity, features

_RUN = 6
"""Messages (three from each side) that make two positions restated."""
_TAKEN_UP = 0.05
"""Most mean content-word overlap of the messages with the ones they answer (more takes up
the other's point); twice that is the most for any one of them."""
_HOLDS = 0.45
"""Mean cosine of each restatement with its own side's earlier messages."""
_SIDE_HOLDS = _HOLDS / 2
"""Mean cosine each side's restatements must reach on their own: a side far below it says
something new each time (a troubleshooter's next step to "Continua sem imprimir")."""
_APART = 0.1
"""How much closer, on average, each restatement must be to its own side than to the reply
it answers."""
_MIN_WORDS = 3
"""Content words, and known words, a message needs to carry a position."""


@windowed()
def _has_quote_mark(content: str) -> bool:
    """Whether ``content`` has a mark that can open a quotation: asked of the last six
    messages at every message, so each text is searched once, not six times."""
    return has_quote_mark(content)


def talking_past(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """Both sides restate their own position three times and take up nothing of the other's
    (see the module docstring)."""
    run = history[-_RUN:]
    if len(run) < _RUN or not _alternates(run):
        return None
    if any(_has_quote_mark(u.content) for u in run):
        return None  # a refrain or a quotation is said again on purpose
    if any(len({u.content for u in run[side::2]}) == 1 for side in (0, 1)):
        return None  # one side says the very same words: no stance in new words (a sung
        # refrain, a canned reply), which the repetition rules judge
    views = [features(u.content) for u in run]
    if any(v.asks or v.pleasantry or len(v.content) < _MIN_WORDS for v in views):
        return None
    taken = [content_similarity(a.content, b.content) for a, b in pairwise(run)]
    if sum(taken) / len(taken) > _TAKEN_UP or max(taken) > 2 * _TAKEN_UP:
        return None
    if not (stands_still(history, run[0::2]) and stands_still(history, run[1::2])):
        return None
    if any(known_words(u.content) < _MIN_WORDS for u in run):
        return None
    holds, follows = [], []
    for index in range(2, _RUN):
        own = [run[i].content for i in range(index % 2, index, 2)]
        holds.append(max(meaning_similarity(run[index].content, text) for text in own))
        follows.append(meaning_similarity(run[index].content, run[index - 1].content))
    held = sum(holds) / len(holds)
    if held < _HOLDS or held - sum(follows) / len(follows) < _APART:
        return None
    if any(sum(side) / len(side) < _SIDE_HOLDS for side in (holds[0::2], holds[1::2])):
        return None  # one side moves (a new step each time) while the other says it again
    detail = f"{run[-1].sender} and {run[-2].sender} restate their positions, neither moves"
    return make_loop("ping_pong", held, tuple(run), detail)


_HELD_RUN = 5
"""Messages in a row that make two positions held apart, word for word."""
_ROOT = 4
"""Letters of a word that say which word it is, whatever its ending."""
_OWN_ROOTS = 0.4
"""Mean share of a message's roots said before by its own side."""


@windowed()
def _roots(content: str) -> frozenset[str]:
    return frozenset(w[:_ROOT] for w in features(content).content if len(w) >= _ROOT)


def held_apart(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """Two sides say their own words again and never the other's (see the module docstring)."""
    run = history[-_HELD_RUN:]
    if len(run) < _HELD_RUN or not _alternates(run) or any("?" in u.content for u in run):
        return None
    start = len(history) - _HELD_RUN
    shares = []
    for index in range(start, len(history)):
        said = _roots(history[index].content)
        if len(said) < 2:
            return None
        sender = history[index].sender
        own = frozenset().union(*(_roots(u.content) for u in history[:index] if u.sender == sender))
        reply = _roots(history[index - 1].content) if index else frozenset()
        share = len(said & own) / len(said)
        if share < len(said & reply) / len(said) + _APART:
            return None
        shares.append(share)
    if sum(shares) < _OWN_ROOTS * len(shares):
        return None
    if not (stands_still(history, run[0::2]) and stands_still(history, run[1::2])):
        return None
    detail = f"{run[-1].sender} and {run[-2].sender} each say their own words again"
    return make_loop("ping_pong", sum(shares) / len(shares), tuple(run), detail)


def _alternates(run: Sequence[Utterance]) -> bool:
    first, second = run[0].sender, run[1].sender
    return first != second and all(
        u.sender == (first if n % 2 == 0 else second) for n, u in enumerate(run)
    )
