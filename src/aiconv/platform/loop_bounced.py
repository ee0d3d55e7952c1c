"""A word bounced back and forth: four short messages in a row from two sides, alternating,
every one of them saying the same word (its first four letters: "Děkuji." – "Děkujeme vám." –
"Já děkuji!" – "Děkujeme!"), with no figure, no question and nothing presented as an item (no
colon, no quote: a drill repeats its item on purpose). An exchange whose two halves keep
saying the one word is a collapse in any language, whatever that word means. Pure; run by
``loops.detect_loop``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from aiconv.platform.loop_types import Loop, LoopConfig, Utterance, make_loop
from aiconv.platform.text_memo import windowed
from aiconv.platform.wording import features

BOUNCED_RUN = 4
"""How many short messages in a row, all saying the same word, make a collapse."""
_SHORT = 6
"""At most this many words in each of them."""
_ROOT = 4
"""Letters of a word that say which word it is, whatever its ending ("děkuji", "děkujeme")."""
_ITEM = frozenset(":\"'«»„“”「」")


@windowed()
def _roots(content: str) -> frozenset[str]:
    """The roots of the content words of a short plain message (none for any other)."""
    if len(content.split()) > _SHORT or "?" in content or _ITEM.intersection(content):
        return frozenset()
    said = features(content)
    if said.numbers:
        return frozenset()
    return frozenset(word[:_ROOT] for word in said.content if len(word) >= _ROOT)


def bounced_word(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The last ``BOUNCED_RUN`` messages alternate between two sides and share a root."""
    run = history[-BOUNCED_RUN:]
    if any(u.content.count(" ") >= _SHORT for u in run):
        return None  # the cheap test first: most messages are longer
    if len(run) < BOUNCED_RUN or len({u.sender for u in run}) != 2:
        return None
    if any(a.sender == b.sender for a, b in pairwise(run)):
        return None
    shared = _roots(run[-1].content)
    for message in run[:-1]:
        if not shared:
            return None
        shared &= _roots(message.content)
    if not shared:
        return None
    detail = f"{run[-1].sender} and {run[-2].sender} keep saying the same word"
    return make_loop("collapse", 1.0, tuple(run), detail)
