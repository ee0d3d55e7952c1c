"""Offline discovery: intents, outcomes and personas proposed from conversations, no model needed.

Intents come from how conversations open (the first four messages: the customer's request,
the agent's first reply, the details), outcomes from how they close (the last three messages),
each clustered with TF-IDF + LSA + k-means (``clustering``). Every cluster is named after the
terms that set it apart and described by its most central example; an outcome counts as a
success when most of its closings thank the agent. Personas and timing come from ``traits``
and ``pacing``. The result is a ``Discovery``, which ``scenario_file`` writes for people to edit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from aiconv.learning.clustering import Clusters, cluster, embed, from_labels
from aiconv.learning.pacing import TimingFit, fit_timing
from aiconv.learning.traits import DiscoveredPersona, discover_personas
from aiconv.learning.transcripts import CUSTOMER, SYSTEM, Transcript, TranscriptMessage

D = TypeVar("D", "DiscoveredIntent", "DiscoveredOutcome")
_THANKS = re.compile(r"(?i)\b(?:thanks?|thank you|perfect|great|brilliant|sorted|cheers)\b")
_WORD = re.compile(r"^[a-z]+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveredIntent:
    """Why customers came: a slug, a description, example openings, its members."""

    slug: str
    description: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...]
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveredOutcome:
    """How conversations ended: a slug, a description, whether it looks like success."""

    slug: str
    description: str
    success: bool
    examples: tuple[str, ...]
    keywords: tuple[str, ...]
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Discovery:
    """Everything proposed from a set of conversations (member indices refer to them)."""

    conversations: tuple[str, ...]
    intents: tuple[DiscoveredIntent, ...]
    outcomes: tuple[DiscoveredOutcome, ...]
    personas: tuple[DiscoveredPersona, ...]
    timing: TimingFit
    method: str = "offline"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def intent_of(self) -> dict[str, str]:
        """Conversation id -> intent slug."""
        return {self.conversations[i]: d.slug for d in self.intents for i in d.members}

    def outcome_of(self) -> dict[str, str]:
        """Conversation id -> outcome slug."""
        return {self.conversations[i]: d.slug for d in self.outcomes for i in d.members}


def opening_text(transcript: Transcript) -> str:
    """The first four messages: what the conversation is about."""
    return " ".join(m.text for m in _spoken(transcript)[:4])


def closing_text(transcript: Transcript) -> str:
    """The last three messages: how it ended."""
    return " ".join(m.text for m in _spoken(transcript)[-3:])


def last_exchange(transcript: Transcript) -> str:
    """The last two messages (an example of how a conversation ended)."""
    return " ".join(m.text for m in _spoken(transcript)[-2:])


def first_request(transcript: Transcript) -> str:
    """The customer's first message (the opening a simulated customer would write)."""
    for message in _spoken(transcript):
        if message.role == CUSTOMER:
            return message.text
    return ""


def _spoken(transcript: Transcript) -> list[TranscriptMessage]:
    return [m for m in transcript.messages if m.role != SYSTEM]


def discover(
    transcripts: Sequence[Transcript],
    *,
    intents: int | None = None,
    outcomes: int | None = None,
    personas: int | None = None,
    seed: int = 0,
) -> Discovery:
    """Propose intents, outcomes and personas for ``transcripts`` (counts given or found)."""
    if len(transcripts) < 2:
        raise ValueError("discovery needs at least two conversations")
    opened = cluster(embed([opening_text(t) for t in transcripts], seed=seed), k=intents, seed=seed)
    closed = cluster(
        embed([closing_text(t) for t in transcripts], seed=seed), k=outcomes, seed=seed
    )
    return Discovery(
        conversations=tuple(t.source_id for t in transcripts),
        intents=tuple(_intents(transcripts, opened)),
        outcomes=tuple(_outcomes(transcripts, closed)),
        personas=tuple(discover_personas(transcripts, k=personas, seed=seed)),
        timing=fit_timing(transcripts),
        notes=(
            f"intents: {len(opened.clusters)} clusters, silhouette {opened.silhouette}",
            f"outcomes: {len(closed.clusters)} clusters, silhouette {closed.silhouette}",
        ),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Named:
    """A label decided elsewhere (e.g. by a model): slug, description, success."""

    slug: str
    description: str
    success: bool = False


def discover_labelled(
    transcripts: Sequence[Transcript],
    labels: Mapping[str, tuple[str, str]],
    *,
    intents: Sequence[Named],
    outcomes: Sequence[Named],
    method: str,
    personas: int | None = None,
    seed: int = 0,
) -> Discovery:
    """A discovery from given labels (source id -> (intent, outcome)); examples, keywords,
    personas and timing are still measured from the conversations."""
    kept = [t for t in transcripts if t.source_id in labels]
    if not kept:
        raise ValueError("no conversation was labelled")
    opened = from_labels(
        embed([opening_text(t) for t in kept], seed=seed),
        [_index(intents, labels[t.source_id][0]) for t in kept],
    )
    closed = from_labels(
        embed([closing_text(t) for t in kept], seed=seed),
        [_index(outcomes, labels[t.source_id][1]) for t in kept],
    )
    found_intents = _named(_intents(kept, opened), opened, intents)
    found_outcomes = _named(_outcomes(kept, closed), closed, outcomes)
    return Discovery(
        conversations=tuple(t.source_id for t in kept),
        intents=tuple(found_intents),
        outcomes=tuple(found_outcomes),
        personas=tuple(discover_personas(kept, k=personas, seed=seed)),
        timing=fit_timing(kept),
        method=method,
        notes=(f"{len(kept)} of {len(transcripts)} conversations labelled by the model",),
    )


def _index(named: Sequence[Named], slug: str) -> int:
    return next(i for i, n in enumerate(named) if n.slug == slug)


def _named(found: list[D], clusters: Clusters, named: Sequence[Named]) -> list[D]:
    """``found`` with the slugs, descriptions and success flags the labeller chose."""
    out: list[D] = []
    for item, group in zip(found, clusters.clusters, strict=True):
        label = named[group.label]
        renamed = replace(item, slug=label.slug, description=label.description)
        if isinstance(renamed, DiscoveredOutcome):
            renamed = replace(renamed, success=label.success)
        out.append(renamed)
    return out


def _intents(transcripts: Sequence[Transcript], found: Clusters) -> list[DiscoveredIntent]:
    made: list[DiscoveredIntent] = []
    for group in found.clusters:
        examples = _examples([first_request(transcripts[i]) for i in group.central])
        plain = sorted(examples, key=lambda e: (len(e.split()) < 4, len(e)))
        made.append(
            DiscoveredIntent(
                slug=_slug(group.terms, "-", {d.slug for d in made}, "intent"),
                description=_sentence(plain[0] if plain else "an unknown request"),
                examples=examples,
                keywords=_keywords(group.terms),
                members=group.members,
            )
        )
    return made


def _outcomes(transcripts: Sequence[Transcript], found: Clusters) -> list[DiscoveredOutcome]:
    made: list[DiscoveredOutcome] = []
    for group in found.clusters:
        closings = [last_exchange(transcripts[i]) for i in group.central]
        last_customer = [_last_customer(transcripts[i]) for i in group.members]
        thanked = sum(1 for text in last_customer if _THANKS.search(text))
        examples = _examples(closings)
        made.append(
            DiscoveredOutcome(
                slug=_slug(group.terms, "_", {d.slug for d in made}, "outcome"),
                description=f"Ends like: {_sentence(examples[0]) if examples else '…'}",
                success=thanked >= 0.5 * len(group.members),
                examples=examples,
                keywords=_keywords(group.terms),
                members=group.members,
            )
        )
    return made


def _last_customer(transcript: Transcript) -> str:
    mine = transcript.customer_messages
    return mine[-1].text if mine else ""


def _examples(texts: Sequence[str], count: int = 5) -> tuple[str, ...]:
    """Distinct examples, most central first."""
    seen: list[str] = []
    for text in texts:
        cleaned = " ".join(text.split())
        if cleaned and cleaned.lower() not in {s.lower() for s in seen}:
            seen.append(cleaned)
        if len(seen) == count:
            break
    return tuple(seen)


def _keywords(terms: Sequence[str], count: int = 4) -> tuple[str, ...]:
    return tuple(t for t in terms if _WORD.match(t))[:count]


def _slug(terms: Sequence[str], joiner: str, taken: set[str], fallback: str) -> str:
    words = list(_keywords(terms, 2)) or [fallback]
    base = joiner.join(words)
    slug, n = base, 2
    while slug in taken or slug == "undecided":
        slug, n = f"{base}{joiner}{n}", n + 1
    return slug


def _sentence(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
