"""A discovery as a scenario file people edit and ``aic simulate`` runs (TOML, with comments).

The file holds the discovered personas (traits, double-texting rate and pace measured from the
data), intents (description, opening, example openings as comments), outcomes (description,
success guess) and a rule evaluator whose keywords are the words that best tell each outcome's
closings apart; a comment says how often those rules agree with the clusters on the data.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence

from aiconv.learning.discovery import DiscoveredOutcome, Discovery
from aiconv.learning.traits import DiscoveredPersona
from aiconv.learning.transcripts import SYSTEM, Transcript

_TYPING_CPS = 5.0


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's), every character that is
    not printable (DEL, a bidirectional override, an invisible format character) as its
    ``\\u`` escape: the file reads as it is in any editor (Trojan Source), the value the same."""
    return "".join(
        c if c.isprintable() else _escape(c) for c in json.dumps(text, ensure_ascii=False)
    )


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _comment(text: str) -> str:
    """``text`` on one line for a ``#`` comment: TOML allows no control character there (an
    imported message with an escape sequence made the whole file unreadable)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def render(
    discovery: Discovery,
    transcripts: Sequence[Transcript],
    *,
    name: str = "discovered",
    agent: str = "mock",
    customer: str = "mock:turns=0",
    index: str | None = None,
) -> str:
    """The scenario file for ``discovery`` of ``transcripts`` (``index``: the style index the
    customers are grounded on, relative to the file)."""
    lines = [
        f"# Discovered from {len(transcripts)} conversations ({discovery.method}).",
        "# Edit freely: rename slugs, rewrite descriptions, merge or drop intents, fix the",
        "# success flags and evaluator rules, then run `aic simulate` on this file.",
        *(f"# {note}" for note in discovery.notes),
        f"# timing: {discovery.timing.describe()}",
        f"name = {toml_string(name)}",
        "repeat = 1",
        "",
        *_seats(discovery, transcripts, agent, customer),
    ]
    if index is not None:
        lines += [
            "[grounding]  # the customer's prompt shows real customers' messages as style examples",
            f"index = {toml_string(index)}",
            "examples = 3",
            "",
        ]
    lines += _personas(discovery.personas)
    lines += _intents(discovery, len(transcripts))
    lines += _outcomes(discovery, transcripts)
    return "\n".join(lines) + "\n"


def _seats(
    discovery: Discovery, transcripts: Sequence[Transcript], agent: str, customer: str
) -> list[str]:
    """The agent under test, the customer and the limits learned from the transcripts."""
    return [
        "[agent]  # the agent under test: point it at yours",
        'name = "support"',
        f"agent = {toml_string(agent)}",
        'system = "You are a customer support agent."',
        "",
        "[customer]",
        'name = "customer"',
        f"agent = {toml_string(customer)}",
        f"max_streak = {min(max(discovery.timing.max_streak, 1), 10)}"
        "  # the longest run of customer messages seen",
        "",
        "[limits]",
        f"max_turns = {_turn_limit(transcripts)}  # 90th percentile of conversation length",
        "",
    ]


def _turn_limit(transcripts: Sequence[Transcript]) -> int:
    lengths = sorted(sum(1 for m in t.messages if m.role != SYSTEM) for t in transcripts)
    return max(4, lengths[min(len(lengths) - 1, math.ceil(0.9 * len(lengths)) - 1)])


def _personas(personas: Sequence[DiscoveredPersona]) -> list[str]:
    if not personas:
        return ['personas = ["typical"]', ""]
    lines = []
    for persona in personas:
        typical = persona.median
        delay = typical.delay_s if typical.delay_s is not None else 4.0
        thinking = max(0.0, delay - typical.length / _TYPING_CPS)
        patience = 8 if typical.politeness >= 0.5 else 2 if typical.politeness <= -0.3 else 5
        tone = "courteous" if patience == 8 else "curt" if typical.politeness <= 0 else "plain"
        # The rate the scheduler simulates (pooled over messages), so words and coin agree.
        again = round(min(1.0, persona.timing.again), 3)
        style = (
            f"Messages of about {typical.length:.0f} characters; {tone} tone; "
            f"double-texts after {again:.0%} of messages."
        )
        lines += [
            f"# {len(persona.members)} customers; {persona.timing.describe()}",
            "[[personas]]",
            f"name = {toml_string(persona.name)}",
            f"traits = {json.dumps(list(persona.traits), ensure_ascii=False)}",
            f"style = {toml_string(style)}",
            f"patience = {patience}",
            f"interrupts = {again:.3f}  # double-texting rate",
            f"typing_cps = {_TYPING_CPS}",
            f"thinking_s = {thinking:.1f}",
        ]
        reply, follow = persona.timing.customer_reply, persona.timing.customer_follow_up
        if reply.quantiles:
            lines.append(f"reply_delays_s = {_numbers(reply.quantiles)}  # measured quantiles")
        if follow.quantiles:
            lines.append(f"follow_up_delays_s = {_numbers(follow.quantiles)}")
        lines.append("")
    return lines


def _numbers(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


def _intents(discovery: Discovery, total: int) -> list[str]:
    lines = []
    for intent in discovery.intents:
        share = len(intent.members) / total
        lines += [f"# {len(intent.members)} conversations ({share:.0%}); example openings:"]
        lines += [f"#   {_comment(example)}" for example in intent.examples]
        lines += [
            "[[intents]]",
            f"name = {toml_string(intent.slug)}",
            f"description = {toml_string(intent.description)}",
        ]
        lines.append(f"opening = {toml_string(intent.description)}")
        lines.append("")
    return lines


def _outcomes(discovery: Discovery, transcripts: Sequence[Transcript]) -> list[str]:
    lines = []
    for outcome in discovery.outcomes:
        lines += [f"# {len(outcome.members)} conversations; closings such as:"]
        lines += [f"#   {_comment(example)[:200]}" for example in outcome.examples[:3]]
        lines += [
            "[[outcomes]]",
            f"slug = {toml_string(outcome.slug)}",
            f"description = {toml_string(outcome.description)}",
            f"success = {'true' if outcome.success else 'false'}",
            "",
        ]
    return lines + _evaluator(discovery.outcomes, transcripts)


def rule_keywords(
    outcomes: Sequence[DiscoveredOutcome], transcripts: Sequence[Transcript]
) -> dict[str, list[str]]:
    """Per outcome, up to three words found in many of its closings and few of the others'."""
    closings = [_words(t) for t in transcripts]
    chosen: dict[str, list[str]] = {}
    for outcome in outcomes:
        inside = [closings[i] for i in outcome.members]
        outside = [c for i, c in enumerate(closings) if i not in set(outcome.members)]
        scored = []
        for word in outcome.keywords:
            hit = sum(word in c for c in inside) / max(1, len(inside))
            miss = sum(word in c for c in outside) / max(1, len(outside))
            if hit >= 0.2 and miss <= 0.05:
                scored.append((hit, word))
        chosen[outcome.slug] = [w for _, w in sorted(scored, reverse=True)[:3]]
    return chosen


def _evaluator(
    outcomes: Sequence[DiscoveredOutcome], transcripts: Sequence[Transcript]
) -> list[str]:
    if not outcomes:
        return []
    keywords = rule_keywords(outcomes, transcripts)
    default = max(outcomes, key=lambda o: (not keywords[o.slug], len(o.members))).slug
    ruled = sorted(
        (o for o in outcomes if keywords[o.slug] and o.slug != default),
        key=lambda o: len(o.members),
    )
    agree = _agreement(ruled, default, keywords, transcripts, outcomes)
    lines = [
        f"# These rules agree with the discovered outcomes on {agree:.0%} of the conversations.",
        "[evaluator]",
        'kind = "rules"  # or "judge" with agent = "claude" for an LLM judge',
        f"default = {toml_string(default)}",
        "",
    ]
    for outcome in ruled:
        lines += [
            "[[evaluator.rules]]",
            f"outcome = {toml_string(outcome.slug)}",
            f"keywords = {json.dumps(keywords[outcome.slug])}",
            "",
        ]
    return lines


def _words(transcript: Transcript) -> set[str]:
    """The words of the whole conversation (what a rule evaluator searches)."""
    return set(re.findall(r"[a-z]+", " ".join(m.text for m in transcript.messages).lower()))


def _agreement(
    ruled: Sequence[DiscoveredOutcome],
    default: str,
    keywords: dict[str, list[str]],
    transcripts: Sequence[Transcript],
    outcomes: Sequence[DiscoveredOutcome],
) -> float:
    truth = {i: o.slug for o in outcomes for i in o.members}
    right = 0
    for index, transcript in enumerate(transcripts):
        words = _words(transcript)
        decided = next((o.slug for o in ruled if words & set(keywords[o.slug])), default)
        right += decided == truth.get(index)
    return right / max(1, len(transcripts))
