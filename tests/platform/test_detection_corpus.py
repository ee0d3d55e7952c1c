"""The detectors measured on the labelled corpus in tests/data: precision, recall, no early ends."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from aiconv.testing.corpus import CorpusScores, evaluate_corpus, load_corpus, main

CORPUS = Path(__file__).parent.parent / "data" / "detection_corpus.jsonl"
LABELS = {
    "loop:repetition",
    "loop:echo",
    "loop:ping_pong",
    "loop:paraphrase",
    "loop:collapse",
    "closing",
    "healthy",
}


@pytest.fixture(scope="module")
def scores() -> CorpusScores:
    return evaluate_corpus(CORPUS)


def test_corpus_is_large_varied_and_well_formed() -> None:
    transcripts = load_corpus(CORPUS)
    counts = collections.Counter(t.label for t in transcripts)
    assert len(transcripts) >= 80
    assert set(counts) == LABELS
    assert all(counts[label] >= 10 for label in LABELS if label.startswith("loop:"))
    assert counts["closing"] >= 12
    assert counts["healthy"] >= 30
    assert len({t.id for t in transcripts}) == len(transcripts)
    for transcript in transcripts:
        assert 4 <= len(transcript.messages) <= 12, transcript.id
        assert len({m.sender for m in transcript.messages}) in (2, 3), transcript.id

    def lines(index: int) -> set[str]:  # short pleasantries ("Thanks!") recur by nature
        return {m.content for m in transcripts[index].messages if len(m.content) >= 30}

    for i in range(len(transcripts)):  # no transcript is a copy of another
        for j in range(i):
            assert len(lines(i) & lines(j)) <= 1, (transcripts[i].id, transcripts[j].id)


def test_loops_are_found_with_high_precision_and_recall(scores: CorpusScores) -> None:
    print(scores.report())
    assert scores.loop_precision >= 0.95
    assert scores.loop_recall >= 0.90


def test_closings_are_found_with_high_precision_and_recall(scores: CorpusScores) -> None:
    assert scores.closing_precision >= 0.95
    assert scores.closing_recall >= 0.90


def test_no_healthy_transcript_is_ended_early(scores: CorpusScores) -> None:
    early = [v.transcript.id for v in scores.mistakes if v.transcript.label == "healthy"]
    assert scores.healthy_ended_early == 0, early


def test_loop_kinds_mostly_agree_with_the_labels(scores: CorpusScores) -> None:
    assert scores.loop_kind_agreement >= 0.9


def test_figures_can_be_regenerated_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "loops    precision" in out
    assert main([]) == 2
