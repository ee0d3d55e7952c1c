"""``aic resume`` streams the live transcript of ``aic-start`` and keeps it as readable: it
logs at ``warning`` unless told otherwise (info lines such as ``tool.returned`` and
``conversation.ended`` used to interleave with the transcript)."""

from __future__ import annotations

from pathlib import Path

from aiconv.testing.processes import run_aic


def detached(db: Path) -> str:
    """A one-turn conversation created and left for someone to run."""
    done = run_aic("start", "--detach", "--max-turns", "1", "--db", str(db))
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-1]


def test_a_resumed_transcript_is_not_interleaved_with_info_logs(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    done = run_aic("resume", detached(db), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "mock-1 ›" in done.stdout and "ended: max_turns" in done.stdout
    assert "conversation.ended" not in done.stderr, done.stderr
    told = run_aic("resume", detached(db), "--db", str(db), "--log-level", "info")
    assert "conversation.ended" in told.stderr  # asked for, the info lines are there
