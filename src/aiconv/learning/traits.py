"""Persona traits measured from real customers: message length, pace, double-texting, politeness.

Each conversation's customer gets a ``Traits`` measurement; customers are grouped (k-means on
the standardised traits, k at the knee of the silhouette curve) into personas whose traits are
the group's medians, with the group's own timing fit. Politeness counts courtesy markers
(please, thank you, hello, sorry …) against rude ones (ridiculous, useless, "!!", shouting).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from aiconv.learning.clustering import knee
from aiconv.learning.pacing import TimingFit, fit_timing, median
from aiconv.learning.transcripts import Transcript

_POLITE = re.compile(
    r"(?i)\b(?:please|thanks?|thank you|appreciate|hello|hi|good (?:morning|afternoon|evening)"
    r"|sorry|kindly|would you|could you|cheers|many thanks)\b"
)
_RUDE = re.compile(
    r"(?i)\b(?:ridiculous|useless|annoyed|seriously|waste|terrible|worst|pathetic|joke|"
    r"unacceptable|now)\b|!{2,}"
)
_SHOUT = re.compile(r"\b[A-Z]{3,}\b")


@dataclass(frozen=True, slots=True, kw_only=True)
class Traits:
    """One customer's writing: mean characters a message, median reply delay in seconds (None
    without times), double-texting rate (0–1) and politeness (courtesy minus rudeness markers
    a message)."""

    length: float
    delay_s: float | None
    double_text: float
    politeness: float


def politeness(text: str) -> float:
    """Courtesy markers minus rude ones (shouted words count as rude)."""
    return len(_POLITE.findall(text)) - len(_RUDE.findall(text)) - len(_SHOUT.findall(text))


def measure(transcript: Transcript) -> Traits | None:
    """The customer's traits in ``transcript`` (None when the customer never wrote)."""
    mine = transcript.customer_messages
    if not mine:
        return None
    fit = fit_timing([transcript])
    return Traits(
        length=sum(len(m.text) for m in mine) / len(mine),
        delay_s=fit.customer_reply.median,
        double_text=fit.again,
        politeness=sum(politeness(m.text) for m in mine) / len(mine),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveredPersona:
    """A group of similar customers: name, what sets them apart, their median traits, timing."""

    name: str
    traits: tuple[str, ...]
    median: Traits
    timing: TimingFit
    members: tuple[int, ...]


def discover_personas(
    transcripts: Sequence[Transcript], *, k: int | None = None, seed: int = 0
) -> list[DiscoveredPersona]:
    """Personas of the customers in ``transcripts``, largest group first."""
    measured = [(i, t) for i, t in enumerate(transcripts) if measure(t) is not None]
    if not measured:
        return []
    traits = [measure(t) for _, t in measured]
    rows = np.array([_features(t) for t in traits if t is not None], dtype=np.float64)
    labels = _groups(rows, k, seed)
    found = []
    for group in sorted(set(labels), key=lambda g: -labels.count(g)):
        members = [measured[i][0] for i, label in enumerate(labels) if label == group]
        inside = [traits[i] for i, label in enumerate(labels) if label == group]
        found.append(_persona(transcripts, members, [t for t in inside if t is not None]))
    return _unique(found)


def _features(traits: Traits) -> list[float]:
    delay = traits.delay_s if traits.delay_s is not None else 0.0
    return [math.log1p(traits.length), math.log1p(delay), traits.double_text, traits.politeness]


def _groups(rows: np.ndarray, k: int | None, seed: int) -> list[int]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    if len(rows) < 4:
        return [0] * len(rows)
    scaled = StandardScaler().fit_transform(rows)
    distinct = len(np.unique(scaled, axis=0))  # k-means finds no more groups than points
    if distinct < 2:
        return [0] * len(rows)
    top = min(6, len(rows) - 1, distinct)
    candidates = [min(k, distinct)] if k is not None else list(range(2, top + 1))
    tried = []
    for count in candidates:
        labels = KMeans(n_clusters=count, n_init=4, random_state=seed).fit_predict(scaled)
        score = silhouette_score(scaled, labels) if len(set(labels)) > 1 else 0.0
        tried.append(([int(x) for x in labels], float(score)))
    return tried[knee([score for _, score in tried])][0]


def _persona(
    transcripts: Sequence[Transcript], members: list[int], traits: list[Traits]
) -> DiscoveredPersona:
    delays = [t.delay_s for t in traits if t.delay_s is not None]
    typical = Traits(
        length=round(float(np.median([t.length for t in traits])), 1),
        delay_s=round(d, 1) if (d := median(delays)) is not None else None,
        double_text=round(float(np.mean([t.double_text for t in traits])), 3),
        politeness=round(float(np.median([t.politeness for t in traits])), 2),
    )
    words = _words(typical)
    return DiscoveredPersona(
        name="-".join(w.split()[0] for w in words[:2]),
        traits=tuple(words),
        median=typical,
        timing=fit_timing(transcripts[i] for i in members),
        members=tuple(members),
    )


def _words(traits: Traits) -> list[str]:
    """Plain words for a persona, the most telling first."""
    words = []
    if traits.politeness >= 0.5:
        words.append("polite")
    elif traits.politeness <= -0.3:
        words.append("rude and impatient")
    if traits.length >= 90:
        words.append("verbose")
    elif traits.length <= 45:
        words.append("terse")
    if traits.delay_s is not None:
        words.append("slow to reply" if traits.delay_s >= 30 else "quick to reply")
    if traits.double_text >= 0.15:
        words.append("double-texts often")
    return words or ["typical"]


def _unique(personas: list[DiscoveredPersona]) -> list[DiscoveredPersona]:
    seen: dict[str, int] = {}
    out = []
    for persona in personas:
        count = seen.get(persona.name, 0) + 1
        seen[persona.name] = count
        name = persona.name if count == 1 else f"{persona.name}-{count}"
        out.append(replace(persona, name=name))
    return out
