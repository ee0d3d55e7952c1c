"""One-line, human-readable descriptions of events, shared by the server-rendered page and the
live updates (the browser shows them as text, so both paths read the same).

Pure: plain strings out, no markup; escaping happens where they are rendered.
"""

from __future__ import annotations

import json

from aiconv.platform.events import (
    AgentFailed,
    ConversationEnded,
    ConversationResumed,
    ConversationStarted,
    CriterionEvaluated,
    EnvironmentSnapshot,
    Event,
    FieldsExtracted,
    LoopDetected,
    MessagePosted,
    ModeratorNoted,
    OutcomeDecided,
    OutcomeProposed,
    StageEntered,
    TaskGraded,
    ToolCalled,
    ToolReturned,
    TurnClaimed,
    UtteranceHeard,
    UtteranceSpoken,
)


def cost_text(cost_usd: float | None) -> str:
    """A cost in dollars, or an em dash when unknown."""
    return "—" if cost_usd is None else f"${cost_usd:.6f}"


def message_meta(event: Event) -> str:
    """Model, tokens, cost, latency and attempts of a posted message ("" for other events)."""
    if not isinstance(event, MessagePosted):
        return ""
    parts = [
        event.model or "unknown model",
        f"{event.input_tokens}→{event.output_tokens} tokens",
        cost_text(event.cost_usd),
        f"{event.latency_s:.2f}s",
    ]
    if event.attempts > 1:
        parts.append(f"{event.attempts} attempts")
    return " · ".join(parts)


def _outcome(verb: str, event: OutcomeProposed | OutcomeDecided) -> str:
    text = f"outcome {event.outcome!r} {verb} by {event.by} (confidence {event.confidence:.2f})"
    return f"{text}: {event.rationale}" if event.rationale else text


def describe(event: Event) -> str:
    """What ``event`` says, in one line."""
    match event:
        case ConversationStarted():
            names = ", ".join(f"{p.name} ({p.agent})" for p in event.participants)
            return f"started: {event.topic} — {names}; {event.first_speaker} speaks first"
        case TurnClaimed():
            return f"{event.speaker} claimed the turn (instance {event.instance_id})"
        case MessagePosted():
            return f"{event.sender} posted a message"
        case ModeratorNoted():
            return f"moderator: {event.content}"
        case AgentFailed():
            retry = "retryable" if event.retryable else "not retryable"
            left = "; the turn is left to another instance" if event.released else ""
            return f"{event.speaker} failed: {event.error_kind}: {event.message} ({retry}{left})"
        case LoopDetected():
            text = f"loop detected: {event.loop_kind}, score {event.score:.2f}"
            return f"{text} — {event.detail}" if event.detail else text
        case OutcomeProposed():
            return _outcome("proposed", event)
        case OutcomeDecided():
            return _outcome("decided", event)
        case ConversationEnded():
            text = f"ended: {event.reason}"
            return f"{text} — {event.detail}" if event.detail else text
        case ConversationResumed():
            return f"resumed by {event.by or 'someone'}"
        case UtteranceSpoken():
            said = f"{event.speaker} spoke #{event.message_sequence}"
            return f"{said} ({event.voice}, {event.duration_s:.1f}s)"
        case UtteranceHeard():
            cut = f", cut in after {event.played_s or 0:.1f}s" if event.interrupted else ""
            return f"{event.listener} heard #{event.message_sequence} as: {event.text}{cut}"
        case ToolCalled() | ToolReturned() | EnvironmentSnapshot() | CriterionEvaluated():
            return _task_event(event)
        case TaskGraded():
            return f"task {event.task_id}: {'passed' if event.passed else 'failed'}"
        case StageEntered() | FieldsExtracted():
            return _flow_event(event)
    return event.KIND


def _flow_event(event: StageEntered | FieldsExtracted) -> str:
    if isinstance(event, StageEntered):
        return f"{event.participant} entered stage {event.stage} ({event.reason})"
    if event.error is not None:
        return f"{event.participant} could not extract: {event.error}"
    read = "; ".join(
        f"{e.name}={json.dumps(e.value)} {e.confidence:.2f} "
        + ("kept" if e.accepted else f"rejected: {e.note}")
        for e in event.extractions
    )
    return f"{event.participant} read ({event.by}): {read or 'nothing'}"


def _task_event(
    event: ToolCalled | ToolReturned | EnvironmentSnapshot | CriterionEvaluated,
) -> str:
    match event:
        case ToolCalled():
            return f"{event.speaker} calls {event.tool}({json.dumps(event.arguments)})"
        case ToolReturned():
            return f"{event.tool} returned ({event.outcome}): {event.content[:500]}"
        case EnvironmentSnapshot():
            return f"environment {event.domain} set up for task {event.task_id or '—'}"
        case CriterionEvaluated():
            verdict = {True: "passed", False: "failed", None: "not judged"}[event.passed]
            score = f" score {event.score:g}" if event.score is not None else ""
            return f"{event.criterion}: {verdict}{score} — {event.evidence}"
    return event.KIND
