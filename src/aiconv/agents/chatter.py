"""Seeded, topic- and persona-aware conversational text for the offline ``mock`` agent.

It should read like a conversation (acknowledge, make a point, ask or propose), vary from turn to
turn, and stay deterministic for a given seed, speaker, turn and topic.
"""

from __future__ import annotations

import random
import re

from aiconv.agents.messages import ChatRequest

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "so",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "me",
        "my",
        "your",
        "our",
        "their",
        "not",
        "no",
        "yes",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "can",
        "could",
        "would",
        "should",
        "will",
        "just",
        "about",
        "into",
        "than",
        "there",
        "here",
        "what",
        "which",
        "who",
        "how",
        "why",
        "when",
        "where",
        "also",
        "very",
        "more",
        "most",
        "some",
        "any",
        "all",
        "let's",
        "lets",
        "i'm",
        "it's",
        "that's",
    ]
)

_OPENERS = (
    "Let's start with the question itself: {topic}",
    "I've been thinking about this one for a while: {topic}",
    "Here's where I'd begin on “{topic}”.",
    "“{topic}” is a better question than it first looks.",
)
_ACKS = (
    "That's a fair point about {kw}.",
    "I hear you on {kw}.",
    "Interesting that you bring up {kw}.",
    "You're right that {kw} matters here.",
    "I'm not fully convinced on {kw}, though.",
    "Good, {kw} is exactly the crux.",
    "Fair enough, {kw} does change things.",
)
_POINTS = (
    "The way I see it, the answer comes down to what we count as the defining feature.",
    "If we look at how people actually use it, the answer shifts quite a bit.",
    "History gives us a useful precedent: definitions tend to follow practice, not the reverse.",
    "One test I like is to ask what would change if we drew the line somewhere else.",
    "The edge cases are where the interesting disagreements live.",
    "A practical framing helps: what decision depends on the answer?",
    "There's a trade-off between a tidy rule and one people will actually follow.",
    "Consistency matters, but so does not surprising the people involved.",
    "I'd separate the technical answer from the everyday one; they can differ.",
    "Evidence from similar cases points one way, intuition points the other.",
)
_ASKS = (
    "What would convince you otherwise?",
    "How would you handle the borderline cases?",
    "Does that match your experience?",
    "Where would you draw the line?",
    "Which part of that do you disagree with most?",
    "Can we agree on a working definition, at least?",
    "What's the strongest counter-example you can think of?",
)
_CLOSERS = (
    "I think we've covered the main ground here. Thanks for the thoughtful exchange.",
    "We may not fully agree, but the trade-offs are clear now. Thanks, this was useful.",
    "Let's leave “{topic}” there for today; I appreciated the back and forth.",
)
_PERSONA_PREFIX = {
    "frustrated": ("Honestly, this is taking too long. ", "Look, ", "I've already said this: "),
    "elderly": ("Oh, thank you for your patience. ", "Well, dear, ", "If I understand rightly, "),
    "hurried": ("Quickly: ", "Short version: ", ""),
}


def keyword(text: str, rng: random.Random) -> str:
    """A salient word of ``text`` (long, not a stop word), or ``that``."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]{3,}", text) if w.lower() not in _STOP]
    if not words:
        return "that"
    words.sort(key=len, reverse=True)
    return str(rng.choice(words[:4])).lower()


def compose(request: ChatRequest, rng: random.Random, *, own_turn: int, closing: bool) -> str:
    """The text of one reply."""
    topic = str(request.context.get("topic") or "this").strip()
    others = [m.content for m in request.messages if m.role == "user"]
    last = others[-1] if others and own_turn + len(others) > 1 else ""
    parts: list[str] = []
    persona = str(request.context.get("persona") or "").lower()
    prefix = rng.choice(_PERSONA_PREFIX[persona]) if persona in _PERSONA_PREFIX else ""
    if closing:
        parts.append(rng.choice(_CLOSERS).format(topic=topic))
    elif not last or last == request.context.get("topic"):
        parts += [rng.choice(_OPENERS).format(topic=topic), rng.choice(_POINTS).format(topic=topic)]
        parts.append(rng.choice(_ASKS))
    else:
        parts.append(rng.choice(_ACKS).format(kw=keyword(last, rng)))
        parts += [
            p.format(topic=topic) for p in rng.sample(_POINTS, 1 if persona == "hurried" else 2)
        ]
        parts.append(rng.choice(_ASKS))
    text = prefix + " ".join(parts)
    if closing:
        text += "\n" + str(request.context.get("end_token") or "<END>")
    return text
