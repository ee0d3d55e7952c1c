"""The voice CLI as real subprocesses: aic-start --voice, export --format recording, prune."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from aiconv.cli.main import aic
from aiconv.testing.processes import cli_env, run_aic

pytestmark = pytest.mark.slow


def _start_voice(db: Path, *extra: str) -> dict[str, object]:
    result = run_aic(
        "start",
        "--voice",
        "--max-turns",
        "2",
        "--db",
        str(db),
        "--json",
        "--seed",
        "3",
        "--persona1",
        "hurried",
        *extra,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _audio_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("??/*.wav"))


def test_voice_run_is_recorded_exported_and_pruned(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    document = _start_voice(db)
    voice = document["voice"]
    assert isinstance(voice, dict) and voice["utterances"] == 2
    assert set(voice["wer"]) == {"mock-2"} and 0 <= voice["wer"]["mock-2"] < 1
    cid = str(document["conversation_id"])
    audio = tmp_path / "runs.audio"
    assert len(_audio_files(audio)) == 2
    shown = run_aic("show", cid, "--db", str(db))
    assert shown.returncode == 0 and "(mock-2 heard: " in shown.stdout
    # the voice metrics were in aic-start's summary only: aic show and the JSON export had none
    assert "voice 2 utterances" in shown.stdout and "WER mock-2 heard" in shown.stdout
    for args in (["show", cid, "--json"], ["export", cid, "--format", "json"]):
        later = CliRunner().invoke(aic, [*args, "--db", str(db)])  # in process: this test is long
        assert later.exit_code == 0, later.stderr
        assert json.loads(later.stdout)["voice"] == voice, args

    exported = run_aic(
        "export",
        cid,
        "--db",
        str(db),
        "--format",
        "recording",
        "-o",
        str(tmp_path / "rec"),
        timeout=120,
    )
    assert exported.returncode == 0, exported.stderr
    assert _names(tmp_path / "rec") == sorted(
        [
            "agent.wav",
            "call_metadata.json",
            "caller.wav",
            "function_calls.json",
            "session_events.json",
            "stereo.wav",
            "transcript.json",
        ]
    )
    with wave.open(str(tmp_path / "rec" / "stereo.wav"), "rb") as stereo:
        assert (stereo.getnchannels(), stereo.getframerate()) == (2, 16_000)
    metadata = json.loads((tmp_path / "rec" / "call_metadata.json").read_text())
    assert metadata["caller"] == "mock-1" and metadata["voice_metrics"]["utterances"] == 2
    _refuses_an_unwritable_recording_directory(db, cid, tmp_path)

    kept = run_aic("prune", "--older-than", "7d", "--db", str(db), "--json")
    assert kept.returncode == 0, kept.stderr
    assert json.loads(kept.stdout)["blobs"] == 0 and len(_audio_files(audio)) == 2

    dry = run_aic("prune", "--older-than", "0.001s", "--dry-run", "--db", str(db))
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would remove 2 audio files") and cid in dry.stdout
    assert len(_audio_files(audio)) == 2

    pruned = run_aic("prune", "--older-than", "0.001s", "--db", str(db))
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("removed 2 audio files") and _audio_files(audio) == []
    gone = run_aic(
        "export", cid, "--db", str(db), "--format", "recording", "-o", str(tmp_path / "rec2")
    )
    assert gone.returncode == 2 and "pruned?" in gone.stderr
    assert not (tmp_path / "rec2").exists()


def _refuses_an_unwritable_recording_directory(db: Path, cid: str, tmp_path: Path) -> None:
    """-o under a file, or where nothing can be created: one line, before any audio is read
    (a traceback, and "audio ... is missing (pruned?)", before)."""
    (tmp_path / "notes.txt").write_text("mine")
    for target, why in (
        (tmp_path / "notes.txt" / "rec", "Not a directory"),
        (Path("/proc/aic-recording"), "No such file or directory"),
    ):
        args = ("export", cid, "--db", str(db), "--format", "recording", "-o", str(target))
        result = run_aic(*args, timeout=120)
        assert result.returncode == 2
        assert result.stderr.splitlines() == [f"error: cannot write -o {target}: {why}"]
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("prune", "--older-than", "soon"), "give a number and a unit"),
        (("prune", "--older-than", "0s"), "must be a positive duration"),
        (("export", "nope", "--format", "recording"), "give it with -o DIR"),
        (("start", "--voice", "--voice-mode", "slow"), "Invalid value for '--voice-mode'"),
    ],
)
def test_bad_voice_input_is_one_line_and_writes_nothing(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = run_aic(*args, "--db", str(tmp_path / "runs.db"))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert _names(tmp_path) == []


def test_voice_without_espeak_names_the_package(tmp_path: Path) -> None:
    env = cli_env({"PATH": str(tmp_path / "empty-bin")})
    result = run_aic("start", "--voice", "--db", str(tmp_path / "runs.db"), env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: espeak-ng is not installed: install it with `apt-get install espeak-ng`"
    ]
    assert _names(tmp_path) == []


async def test_a_websocket_voice_agent_from_the_command_line(tmp_path: Path) -> None:
    """aic-start --voice --agent2 ws://… talks to a local voice agent (run off the loop)."""
    import asyncio

    from aiconv.testing.voice_agent import LocalVoiceAgent

    async with LocalVoiceAgent() as agent:
        result = await asyncio.to_thread(
            run_aic,
            "start",
            "--voice",
            "--agent2",
            agent.url,
            "--name2",
            "bank",
            "--max-turns",
            "2",
            "--db",
            str(tmp_path / "runs.db"),
            "--json",
            timeout=240,
        )
        assert result.returncode == 0, result.stderr
        assert len(agent.log.heard) == 1
    document = json.loads(result.stdout)
    answer = document["messages"][1]
    assert answer["sender"] == "bank" and answer["content"].startswith("I heard you say")
    assert set(document["voice"]["wer"]) == {"bank"}
    assert [s["conversation_id"] for s in agent.log.sessions] == [document["conversation_id"]]


def test_a_voice_agent_needs_voice(tmp_path: Path) -> None:
    result = run_aic("start", "--agent2", "ws://127.0.0.1:9/x", "--db", str(tmp_path / "r.db"))
    assert result.returncode == 2
    assert "takes part only in a voice conversation: add --voice" in result.stderr
    assert _names(tmp_path) == []


def test_prune_can_remove_old_conversations_too(tmp_path: Path) -> None:
    """--conversations removes old conversations (all but the one holding the newest event)."""
    db = str(tmp_path / "runs.db")
    for seed in ("1", "2", "3"):
        started = run_aic("start", "--max-turns", "1", "--db", db, "--seed", seed, "--quiet")
        assert started.returncode == 0, started.stderr

    def listed() -> list[str]:
        result = run_aic("ls", "--db", db, "--ls-json")
        return [json.loads(line)["conversation_id"] for line in result.stdout.splitlines()]

    every = listed()
    dry = run_aic(
        "prune", "--older-than", "0.001s", "--conversations", "--dry-run", "--db", db, "--json"
    )
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["dry_run"] and plan["old"] == 3 and len(plan["conversations"]) == 2
    assert every[0] not in plan["conversations"]  # the newest stays
    assert listed() == every
    done = run_aic("prune", "--older-than", "0.001s", "--conversations", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "removed 2 conversations older than 0.001s" in done.stdout
    assert f"kept {every[0]}: it holds the log's newest event" in done.stdout
    assert plan["kept"] == [every[0]]
    assert listed() == every[:1]
    gone = run_aic("show", plan["conversations"][0], "--db", db)
    assert gone.returncode == 1 and "no conversation" in gone.stderr
    text_only = run_aic(
        "export", every[0], "--db", db, "--format", "recording", "-o", str(tmp_path / "rec")
    )
    assert text_only.returncode == 2 and "not a voice conversation" in text_only.stderr
    assert not (tmp_path / "rec").exists()
