"""Seeded, topic- and persona-aware conversational text for the offline ``mock`` agent.

A reply acknowledges what it answers, makes one or two points and asks something; the first
message opens the topic and the last one closes it. Every phrase comes from the prime-sized
pools of ``chatter_phrases``, each walked with its own offset and step (drawn from the
conversation's seed and topic) by the conversation's turn number. So the same seed, topic,
speaker and turn give the same text; messages fewer than 23 turns apart share no phrase; and
thousands of messages stay distinct, with no loop or near-duplicate for the detectors to find,
however long an offline run (benchmarks, soak tests) goes.
"""

from __future__ import annotations

import functools
import random
import re
import zlib
from collections.abc import Sequence

from aiconv.agents import chatter_phrases as phrases
from aiconv.agents.messages import ChatRequest


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _word_set(
    """a an the and or but if then so to of in on at for with by from as is are was were be been
    it its this that these those i you we they he she me my your our their not no yes do does did
    have has had can could would should will just about into than there here what which who how
    why when where also very more most some any all let's lets i'm it's that's"""
)
_POOLS: dict[str, Sequence[str]] = {
    "ack": phrases.ACKS,
    "lead": phrases.LEADS,
    "claim": phrases.CLAIMS,
    "support": phrases.SUPPORTS,
    "ask": phrases.ASKS,
}


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")


def keyword(text: str, rng: random.Random) -> str:
    """A salient word of ``text`` (long, not a stop word), or ``that``."""
    words = [w for w in _WORD.findall(text) if w.lower() not in _STOP]
    if not words:
        return "that"
    words.sort(key=len, reverse=True)
    return str(rng.choice(words[:4])).lower()


class _Walk:
    """Where each pool starts and how far it steps per turn, for one conversation."""

    def __init__(self, key: str) -> None:
        rng = random.Random(key)
        self._moves = {
            name: (rng.randrange(len(pool)), rng.randrange(1, len(pool)))
            for name, pool in _POOLS.items()
        }

    def phrase(self, pool: str, index: int) -> str:
        """The phrase of ``pool`` at step ``index`` (pool sizes are prime: no step repeats
        within a pool's length)."""
        start, step = self._moves[pool]
        entries = _POOLS[pool]
        return entries[(start + index * step) % len(entries)]


@functools.lru_cache(maxsize=4096)
def _walk(key: str) -> _Walk:
    """The walk of one conversation (the same for every turn: made once, not per reply)."""
    return _Walk(key)


@functools.lru_cache(maxsize=4096)
def _subject(topic: str) -> str:
    """The topic's keyword a conversation argues about (the same for every turn)."""
    return keyword(topic, random.Random(topic))


@functools.lru_cache(maxsize=1024)
def style(persona: str) -> str | None:
    """The built-in style a persona's name or description asks for, if any (the same persona
    at every reply: looked up once)."""
    lowered = persona.lower()
    for name, words in phrases.STYLE_WORDS.items():
        if any(word in lowered for word in words):
            return name
    return None


def _turn(request: ChatRequest, own_turn: int) -> int:
    turn = request.context.get("turn")
    if isinstance(turn, int) and turn > 0:
        return turn
    # A bare request (no conversation turn): keep speakers apart by who is asked.
    who = str(request.context.get("speaker") or request.system)
    return own_turn * 7 + zlib.crc32(who.encode()) % 7


def _point(walk: _Walk, index: int, subject: str, *, brief: bool) -> str:
    claim = walk.phrase("claim", index).format(subject=subject)
    support = "" if brief else walk.phrase("support", index)
    return f"{walk.phrase('lead', index)} {claim}{support}."


def compose(request: ChatRequest, rng: random.Random, *, own_turn: int, closing: bool) -> str:
    """The text of one reply: acknowledge, make fresh points, ask; or open, or close."""
    topic = str(request.context.get("topic") or "this").strip()
    manner = style(str(request.context.get("persona") or ""))
    prefixes = phrases.PREFIXES.get(manner or "", ("",))
    turn = _turn(request, own_turn)
    prefix = prefixes[turn % len(prefixes)]
    if closing:
        text = prefix + rng.choice(phrases.CLOSERS).format(topic=topic)
        return text + "\n" + str(request.context.get("end_token") or "<END>")
    walk = _walk(f"{request.context.get('seed')}|{topic}")
    subject = _subject(topic)
    brief = manner == "hurried"
    others = [m.content for m in request.messages if m.role == "user"]
    last = others[-1] if others and own_turn + len(others) > 1 else ""
    if not last or last == request.context.get("topic"):
        parts = [rng.choice(phrases.OPENERS).format(topic=topic)]
    else:
        kw = keyword(last, rng)
        parts = [walk.phrase("ack", turn).format(kw=kw, Kw=kw.capitalize())]
        if not brief:
            parts.append(_point(walk, 2 * turn + 1, subject, brief=False))
    parts += [_point(walk, 2 * turn, subject, brief=brief), walk.phrase("ask", turn)]
    return prefix + " ".join(parts)
