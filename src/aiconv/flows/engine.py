"""The stage machine of a flow: pure functions from what was collected to what happens next.

* ``judge`` keeps a guessed value only when it validates against its field's schema and its
  confidence reaches the stage's threshold; the rest are recorded as rejected, with why.
* ``moves`` follows transitions while their requirements hold, so one message that answers
  several stages' questions (flexible input) moves through all of them; a stage's strict
  requirements keep the flow where it is until they are met.
* ``focus`` is what the flow asks next: a clarifying question about a value it was unsure of,
  else the first missing field of its stage. ``draft`` words the whole reply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aiconv.flows.model import Flow, Stage, render, shown
from aiconv.flows.schema import validation_problem
from aiconv.platform.flow_events import Extraction, FieldsExtracted, FlowEvent, StageEntered
from aiconv.platform.flow_fold import FlowProgress, advance


@dataclass(frozen=True, slots=True, kw_only=True)
class Guess:
    """A value an extractor read for a field, with its confidence (0–1)."""

    name: str
    value: Any
    confidence: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Focus:
    """What the flow asks next: a field, and the unsure value to confirm (``clarify``)."""

    name: str
    clarify: bool = False
    value: Any = None


def judge(stage: Stage, flow: Flow, guesses: Iterable[Guess]) -> tuple[Extraction, ...]:
    """Each guess of a known field, accepted or rejected by its schema and the threshold."""
    judged = []
    for guess in guesses:
        definition = flow.fields.get(guess.name)
        if definition is None or guess.value is None:
            continue
        problem = validation_problem(guess.value, definition.schema, guess.name)
        confidence = round(max(0.0, min(1.0, guess.confidence)), 3)
        if problem is not None:
            note = f"invalid: {problem}"
        elif confidence < stage.threshold:
            note = f"confidence {confidence:.2f} below {stage.threshold:.2f}"
        else:
            note = ""
        judged.append(
            Extraction(
                name=guess.name,
                value=guess.value,
                confidence=confidence,
                accepted=not note,
                note=note,
            )
        )
    return tuple(judged)


def extracted(
    participant: str, stage: Stage, judged: Sequence[Extraction], by: str, error: str | None
) -> FieldsExtracted:
    """The event recording one extraction."""
    return FieldsExtracted(
        participant=participant,
        stage=stage.name,
        extractions=tuple(judged),
        threshold=stage.threshold,
        by=by,
        error=error,
    )


def entered(flow: Flow, progress: FlowProgress, stage: Stage, reason: str) -> StageEntered:
    """The event of ``progress``'s participant entering ``stage`` (with the output, if final)."""
    output = {k: render(t, progress.values) for k, t in flow.output.items()} if stage.final else {}
    return StageEntered(
        participant=progress.participant,
        stage=stage.name,
        flow=flow.name,
        previous=progress.stage,
        reason=reason,
        final=stage.final,
        output=output,
    )


def moves(flow: Flow, progress: FlowProgress) -> list[StageEntered]:
    """The stages entered, in order, while the current stage's transitions are open."""
    found: list[StageEntered] = []
    for _ in flow.stages:  # at most one visit per stage: a cycle cannot spin
        if progress.stage is None:
            return found
        stage = flow.stage(progress.stage)
        move = next((t for t in stage.transitions if t.is_open(progress.values)), None)
        if stage.final or move is None:
            return found
        needed = (*move.requires, *(f"{k}={shown(v)}" for k, v in move.when.items()))
        reason = f"has {', '.join(needed)}" if needed else "always"
        event = replace(entered(flow, progress, flow.stage(move.to), reason), cleared=move.clear)
        found.append(event)
        progress = advance(progress, event)
    return found


def focus(flow: Flow, progress: FlowProgress) -> Focus | None:
    """What the flow asks about next (a value to confirm first, then a missing field of its
    stage, then one its transitions require), or None when its stage has nothing left to ask."""
    if progress.stage is None:
        return None
    stage = flow.stage(progress.stage)
    for item in progress.latest:
        unsure = not item.accepted and not item.note.startswith("invalid")
        if unsure and item.name not in progress.values and item.name in flow.fields:
            return Focus(name=item.name, clarify=True, value=item.value)
    # its own fields first, then what its transitions need to open (nothing else lets it move on)
    needed = (*stage.collect, *(n for t in stage.transitions for n in (*t.requires, *t.when)))
    missing = [name for name in needed if name not in progress.values]
    return Focus(name=missing[0]) if missing else None


def draft(flow: Flow, progress: FlowProgress, entered_now: Sequence[StageEntered]) -> str:
    """The flow's reply: the prompts of the stages just entered, then its question."""
    parts = [render(flow.stage(e.stage).prompt, progress.values) for e in entered_now]
    asking = focus(flow, progress)
    if asking is not None and asking.clarify:
        title = flow.fields[asking.name].title
        parts.append(f"Just to be sure, is this right: the {title} is {shown(asking.value)}?")
    elif asking is not None:
        parts.append(flow.fields[asking.name].question)
    elif not entered_now and progress.stage is not None:
        parts.append(render(flow.stage(progress.stage).prompt, progress.values))
    return " ".join(p.strip() for p in parts if p.strip())


def replay(progress: FlowProgress, events: Iterable[FlowEvent]) -> FlowProgress:
    """``progress`` after ``events``."""
    for event in events:
        progress = advance(progress, event)
    return progress
