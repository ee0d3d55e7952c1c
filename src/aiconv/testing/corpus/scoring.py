"""Load labelled transcripts and score the loop and closing detectors on them.

Each line of a corpus (JSON Lines) is ``{"id", "label", "round", "note", "messages":
[{"sender", "content"}]}`` with ``label`` one of ``loop:<kind>``, ``closing`` or ``healthy``;
a loop may also say ``"fire_by"``: the message by which a detector should have fired at the
latest (rounds from 9 on carry it; a loop found later is counted as found, and as late).
Every transcript is replayed message by message as the conductor does: after each message,
``closing_agreed`` on the history, then ``detect_loop`` on the recent window; the first that
fires ends the replay. ``round`` says when a transcript was written (see the package docstring).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiconv.platform.closing import DEFAULT_CLOSING_PHRASES, closing_agreed
from aiconv.platform.loops import LoopConfig, Utterance, detect_loop


@dataclass(frozen=True, slots=True, kw_only=True)
class Transcript:
    """One labelled conversation of the corpus."""

    id: str
    label: str
    note: str
    messages: tuple[Utterance, ...]
    round: int = 1
    """When it was written: later rounds were written blind, before the detector saw them."""
    fire_by: int | None = None
    """For a loop: the message by which it should have been detected at the latest."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """Where and why a replay stopped: ``stop`` is ``"loop:<kind>"``, ``"closing"`` or None."""

    transcript: Transcript
    stop: str | None
    at: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CorpusScores:
    """Precision and recall of loop and closing detection, and the healthy transcripts cut."""

    transcripts: int
    loop_precision: float
    loop_recall: float
    loop_kind_agreement: float
    closing_precision: float
    closing_recall: float
    healthy: int
    healthy_ended_early: int
    loops_late: int = 0
    """Loops found only after the message their label says they should be found by."""
    mistakes: tuple[Verdict, ...] = field(default=())

    def report(self) -> str:
        """A short human-readable table of the figures and the mistakes."""
        lines = [
            f"transcripts            {self.transcripts}",
            f"loops    precision     {self.loop_precision:.3f}",
            f"loops    recall        {self.loop_recall:.3f}",
            f"loops    kind agreed   {self.loop_kind_agreement:.3f}",
            f"closing  precision     {self.closing_precision:.3f}",
            f"closing  recall        {self.closing_recall:.3f}",
            f"healthy  ended early   {self.healthy_ended_early} of {self.healthy}",
            f"loops    found late    {self.loops_late}",
        ]
        for verdict in self.mistakes:
            lines.append(
                f"  {verdict.transcript.id} ({verdict.transcript.label}) -> {verdict.stop} "
                f"at message {verdict.at} {verdict.detail}"
            )
        return "\n".join(lines)


def load_corpus(path: str | Path) -> tuple[Transcript, ...]:
    """The transcripts stored in the JSON Lines file at ``path``."""
    transcripts = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        messages = tuple(
            Utterance(sequence=i, sender=m["sender"], content=m["content"])
            for i, m in enumerate(raw["messages"], start=1)
        )
        transcripts.append(
            Transcript(
                id=raw["id"],
                label=raw["label"],
                note=raw.get("note", ""),
                messages=messages,
                round=raw.get("round", 1),
                fire_by=raw.get("fire_by"),
            )
        )
    return tuple(transcripts)


def dump_transcript(transcript: Transcript) -> str:
    """One JSON Lines record for ``transcript`` (what ``load_corpus`` reads back)."""
    record = {
        "id": transcript.id,
        "label": transcript.label,
        "round": transcript.round,
        "note": transcript.note,
        **({} if transcript.fire_by is None else {"fire_by": transcript.fire_by}),
        "messages": [{"sender": m.sender, "content": m.content} for m in transcript.messages],
    }
    return json.dumps(record, ensure_ascii=False)


def replay(
    transcript: Transcript,
    config: LoopConfig | None = None,
    phrases: Sequence[str] = DEFAULT_CLOSING_PHRASES,
) -> Verdict:
    """Run the detectors after every message, as the conductor would, until one fires."""
    config = config or LoopConfig()
    for end in range(1, len(transcript.messages) + 1):
        history = transcript.messages[:end]
        if closing_agreed(history, phrases) is not None:
            return Verdict(transcript=transcript, stop="closing", at=end)
        loop = detect_loop(history[-config.window :], config)
        if loop is not None:
            detail = f"score={loop.score} {loop.detail}"
            return Verdict(transcript=transcript, stop=f"loop:{loop.kind}", at=end, detail=detail)
    return Verdict(transcript=transcript, stop=None)


def _expected(label: str) -> str | None:
    return None if label == "healthy" else label


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def score(verdicts: Sequence[Verdict]) -> CorpusScores:
    """Precision and recall over replayed transcripts."""

    def is_loop(text: str | None) -> bool:
        return text is not None and text.startswith("loop:")

    loops_found = [v for v in verdicts if is_loop(v.stop)]
    loops_true = [v for v in verdicts if is_loop(v.transcript.label)]
    loops_hit = [v for v in loops_true if is_loop(v.stop)]
    closing_found = [v for v in verdicts if v.stop == "closing"]
    closing_true = [v for v in verdicts if v.transcript.label == "closing"]
    healthy = [v for v in verdicts if v.transcript.label == "healthy"]
    return CorpusScores(
        transcripts=len(verdicts),
        loop_precision=_ratio(
            sum(is_loop(v.transcript.label) for v in loops_found), len(loops_found)
        ),
        loop_recall=_ratio(len(loops_hit), len(loops_true)),
        loop_kind_agreement=_ratio(
            sum(v.stop == v.transcript.label for v in loops_hit), len(loops_hit)
        ),
        closing_precision=_ratio(
            sum(v.transcript.label == "closing" for v in closing_found), len(closing_found)
        ),
        closing_recall=_ratio(sum(v.stop == "closing" for v in closing_true), len(closing_true)),
        healthy=len(healthy),
        healthy_ended_early=sum(v.stop is not None for v in healthy),
        loops_late=sum(
            v.at is not None and v.transcript.fire_by is not None and v.at > v.transcript.fire_by
            for v in loops_hit
        ),
        mistakes=tuple(v for v in verdicts if v.stop != _expected(v.transcript.label)),
    )


def evaluate_corpus(
    path: str | Path, config: LoopConfig | None = None, *, written_in: int | None = None
) -> CorpusScores:
    """Replay the transcripts of the corpus at ``path`` (of one round, or all) and score."""
    transcripts = load_corpus(path)
    chosen = [t for t in transcripts if written_in is None or t.round == written_in]
    return score([replay(t, config) for t in chosen])
