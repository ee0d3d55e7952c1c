"""A reader that goes away (``aic start | head -1``): the command stops at once, quietly, with
exit code 1, and what it wrote is left whole (the log closed, the conversation recorded)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from aiconv.testing.processes import aic_command, cli_env, run_aic


def test_a_live_stream_whose_reader_went_away_stops_and_closes_its_log(tmp_path: Path) -> None:
    """rich answered the closed pipe with SystemExit inside the streaming task: the event loop
    was left at once, the log's thread never closed, and the process hung at exit forever."""
    db = tmp_path / "log.db"
    env = cli_env(home=tmp_path)
    args = aic_command(
        "start", "--db", str(db), "--max-turns", "40", "--agent1", "mock:latency=0.01"
    )
    started = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert started.stdout is not None and started.stderr is not None
        assert started.stdout.readline().startswith("conversation ")
        started.stdout.close()  # the reader goes away, as `| head -1` does
        code = started.wait(timeout=60)
        stderr = started.stderr.read()
    finally:
        started.kill()  # a no-op once it has exited; never leave a hung one behind
        started.wait()
        for stream in (started.stdout, started.stderr):
            if stream is not None:
                stream.close()
    assert (code, stderr) == (1, ""), stderr
    listed = run_aic("ls", "--db", str(db), "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)[0]["end_reason"] == "interrupted"


def test_a_table_whose_reader_went_away_exits_quietly(tmp_path: Path) -> None:
    env = cli_env(home=tmp_path)
    with subprocess.Popen(
        aic_command("providers"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as listed:
        assert listed.stdout is not None and listed.stderr is not None
        listed.stdout.close()
        code = listed.wait(timeout=60)
        assert (code, listed.stderr.read()) == (1, "")


def test_a_document_whose_reader_went_away_halfway_exits_1(tmp_path: Path) -> None:
    """``aic export ID | head -1`` of a long conversation: the reader takes a few bytes of the
    one large write and leaves; the rest was dropped without an error and the command ended 0."""
    env, db = cli_env(home=tmp_path), str(tmp_path / "log.db")
    mocks = ("--agent1", "mock:turns=0", "--agent2", "mock:turns=0")
    started = run_aic("start", "--db", db, *mocks, "--max-turns", "300", "--json", env=env)
    cid = json.loads(started.stdout)["conversation_id"]
    with subprocess.Popen(
        aic_command("export", cid, "--db", db, "--format", "md"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as exported:
        assert exported.stdout is not None and exported.stderr is not None
        assert exported.stdout.read(10)  # the pipe holds 64 KiB; the document is ~100 KiB
        exported.stdout.close()
        code = exported.wait(timeout=60)
        assert (code, exported.stderr.read()) == (1, b"")


def test_output_to_a_full_disk_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """``aic providers > /dev/full`` (a full disk): one line on stderr, exit 1."""
    with open("/dev/full", "w") as full:
        listed = subprocess.run(
            aic_command("providers"),
            env=cli_env(home=tmp_path),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert (listed.returncode, listed.stderr) == (
        1,
        "error: cannot write the output: No space left on device\n",
    )
