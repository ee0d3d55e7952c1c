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
    "I hadn't weighed {kw} that heavily before.",
    "Your point on {kw} deserves a closer look.",
    "Let me push back a little on {kw}.",
    "{Kw} is where we actually disagree, I suspect.",
    "Granted, {kw} complicates my position.",
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
    "Cultural context matters more than the dictionary here.",
    "Regulators and courts have had to settle questions like this, with mixed results.",
    "Ask a chef and a lawyer and you will get two confident, incompatible answers.",
    "Most categories are fuzzy at the boundary and crisp in the middle.",
    "Incentives shape definitions: whoever benefits from the label tends to defend it.",
    "Language drifts, so yesterday's answer may not be tomorrow's.",
    "A good definition should predict how ordinary people sort new examples.",
    "We should be wary of arguments that prove too much.",
    "Sometimes the honest answer is that both framings are useful for different jobs.",
    "Precedent cuts both ways; older rules were written for different circumstances.",
    "The burden of proof should sit with whoever wants to change the status quo.",
    "Numbers help: a quick survey would settle more than another round of theory.",
    "Analogies are persuasive but they smuggle in assumptions.",
    "If the label changed tomorrow, what practical harm would follow?",
    "There is a structural argument and a functional one, and they disagree.",
    "I keep coming back to the purpose of the category rather than its shape.",
    "Intent matters: what was the thing designed to be?",
    "Small differences in wording produce large differences in outcome.",
    "Experts are split, which tells us the question is genuinely hard.",
    "Common sense is a reasonable tie-breaker when the theory runs out.",
)
_ASKS = (
    "What would convince you otherwise?",
    "How would you handle the borderline cases?",
    "Does that match your experience?",
    "Where would you draw the line?",
    "Which part of that do you disagree with most?",
    "Can we agree on a working definition, at least?",
    "What's the strongest counter-example you can think of?",
    "Would your answer change in a different country?",
    "Is there a case that breaks your rule?",
    "What do you think most people would say?",
    "How much weight do you give to tradition here?",
    "Should the answer depend on who is asking?",
    "What evidence would settle it for you?",
    "Are we arguing about facts or about words?",
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


def _fresh(pool: tuple[str, ...], seen: str, rng: random.Random, count: int) -> list[str]:
    """``count`` items of ``pool`` not already said in ``seen`` (reuse only once exhausted)."""
    unused = [item for item in pool if item.split("{")[0] not in seen]
    choices = unused if len(unused) >= count else list(pool)
    return rng.sample(choices, count)


def compose(request: ChatRequest, rng: random.Random, *, own_turn: int, closing: bool) -> str:
    """The text of one reply: acknowledge, make fresh points, ask; or close."""
    topic = str(request.context.get("topic") or "this").strip()
    seen = "\n".join(m.content for m in request.messages)
    others = [m.content for m in request.messages if m.role == "user"]
    last = others[-1] if others and own_turn + len(others) > 1 else ""
    persona = str(request.context.get("persona") or "").lower()
    prefix = rng.choice(_PERSONA_PREFIX[persona]) if persona in _PERSONA_PREFIX else ""
    if closing:
        text = prefix + rng.choice(_CLOSERS).format(topic=topic)
        return text + "\n" + str(request.context.get("end_token") or "<END>")
    if not last or last == request.context.get("topic"):
        parts = [rng.choice(_OPENERS).format(topic=topic), *_fresh(_POINTS, seen, rng, 1)]
    else:
        kw = keyword(last, rng)
        parts = [rng.choice(_ACKS).format(kw=kw, Kw=kw.capitalize())]
        parts += _fresh(_POINTS, seen, rng, 1 if persona == "hurried" else 2)
    parts += _fresh(_ASKS, seen, rng, 1)
    return prefix + " ".join(parts)
