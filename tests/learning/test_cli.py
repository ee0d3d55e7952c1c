"""The learning commands end to end, as real processes on one SQLite log: import (every format,
idempotent, malformed rows, --strict, redaction), the imported conversations in ls/show/export,
discover writing a scenario simulate runs grounded, realism, fork and replay; bad input is one
line, exit code 2, and writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aiconv.testing.processes import cli_env, run_aic

pytestmark = pytest.mark.slow


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr + result.stdout
    return result


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(home=tmp_path / "home")


@pytest.mark.timeout(300)  # nine aic processes end to end; ~60 s on a quiet box, twice that loaded
def test_import_discover_simulate_realism_fork_replay(
    corpus_dir: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    db = str(tmp_path / "runs.db")
    chats = str(corpus_dir / "chats.jsonl")
    first = json.loads(_ok(run_aic("import", chats, "--db", db, "--json", env=env)).stdout)
    assert (first["conversations"], first["imported"], first["unchanged"]) == (240, 240, 0)
    assert first["redacted"]["EMAIL"] > 0 and first["malformed"] == []
    again = json.loads(_ok(run_aic("import", chats, "--db", db, "--json", env=env)).stdout)
    assert (again["imported"], again["unchanged"]) == (0, 240)
    csv = [str(corpus_dir / "chats.csv"), "--mapping", str(corpus_dir / "chats.mapping.toml")]
    same = json.loads(_ok(run_aic("import", *csv, "--db", db, "--json", env=env)).stdout)
    assert (same["source"], same["imported"], same["unchanged"]) == ("chats", 0, 240)
    # the same chats without times, under another default source: recognised, not doubled
    messages = [str(corpus_dir / "chats.messages.jsonl"), "--db", db, "--json"]
    other = json.loads(_ok(run_aic("import", *messages, env=env)).stdout)
    assert (other["source"], other["imported"], other["duplicates"]) == ("chats.messages", 0, 240)
    listed = _ok(
        run_aic(
            "ls",
            "--db",
            db,
            "--run-id",
            "import:chats",
            "--limit",
            "500",
            "--ls-json",
            env=env,
        )
    ).stdout.splitlines()
    assert len(listed) == 240
    entry = json.loads(listed[0])
    assert entry["end_reason"] == "imported" and "imported" in entry["tags"]
    cid = entry["conversation_id"]
    shown = _ok(run_aic("show", cid, "--db", db, env=env)).stdout
    assert "customer" in shown and "@example" not in shown
    exported = json.loads(_ok(run_aic("export", cid, "--db", db, env=env)).stdout)
    assert exported["metadata"]["imported"]["file"] == "chats.jsonl"
    assert exported["started_at"] == exported["messages"][0]["at"] < 1.8e9

    scenario = tmp_path / "discovered.toml"
    found = json.loads(
        _ok(
            run_aic("discover", "--db", db, "-o", str(scenario), "--json", env=env, timeout=300)
        ).stdout
    )
    assert len(found["intents"]) == 6 and len(found["outcomes"]) == 4
    assert Path(found["style_index"]).exists()
    assert "[grounding]" in scenario.read_text(encoding="utf-8")
    refused = run_aic("discover", "--db", db, "-o", str(scenario), env=env)
    assert refused.returncode == 2 and "exists" in refused.stderr

    _ok(
        run_aic(
            "simulate",
            str(scenario),
            "--db",
            db,
            "--run-id",
            "sim",
            "--quiet",
            env=env,
            timeout=300,
        )
    )
    realism = json.loads(
        _ok(run_aic("realism", "sim", "--db", db, "--json", env=env, timeout=300)).stdout
    )
    assert 0.5 <= realism["accuracy"] <= 1.0 and realism["real"] >= 5
    reported = json.loads(
        _ok(
            run_aic(
                "report", "sim", "--realism", "--db", db, "--json",
                "--out-dir", str(tmp_path / "r"), env=env, timeout=300,
            )
        ).stdout
    )  # fmt: skip
    assert reported["realism"]["accuracy"] == realism["accuracy"]  # the same measure, in the report
    assert (tmp_path / "r" / "report.md").read_text().count("## Realism") == 1
    unknown = ["report", "sim", "--realism", "--realism-source", "nope", "--db", db]
    refused = run_aic(*unknown, "--out-dir", str(tmp_path / "r2"), env=env, timeout=300)
    assert (refused.returncode, refused.stdout, (tmp_path / "r2").exists()) == (2, "", False)
    assert refused.stderr.splitlines() == [
        "error: --realism: no conversations imported from source 'nope' (sources in the log: chats)"
    ]  # not chats.messages: all its chats were chats' (duplicates)

    forking = _ok(
        run_aic(
            "fork",
            cid,
            "--at",
            "2",
            "--agent1",
            "mock",
            "--agent2",
            "mock",
            "--max-turns",
            "4",
            "--db",
            db,
            "--json",
            env=env,
        )
    )
    # info lines of every ended conversation went to stderr beside the transcript (aic-start
    # and aic simulate log at warning unless told otherwise)
    assert "conversation.ended" not in forking.stderr
    child = json.loads(forking.stdout)
    assert child["metadata"]["forked_from"] == {"conversation_id": cid, "at": 2, "imported": True}
    assert child["messages"][0]["content"] == exported["messages"][0]["content"]
    assert child["participants"][1]["agent"] == "mock"

    replaying = _ok(
        run_aic(
            "replay",
            str(scenario),
            "--db",
            db,
            "--limit",
            "5",
            "--run-id",
            "rp",
            "--json",
            env=env,
            timeout=300,
        )
    )
    assert "conversation.ended" not in replaying.stderr
    report = json.loads(replaying.stdout)
    assert report["cases"] == 5 and report["compared"] == 5
    assert set(report) >= {"agreement", "human_success_rate", "agent_success_rate", "regressions"}


def test_malformed_rows_are_skipped_or_refuse_the_import(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_text(
        '{"conversation_id": "a", "role": "user", "text": "hi"}\n{oops\n'
        '{"conversation_id": "a", "role": "alien", "text": "x"}\n',
        encoding="utf-8",
    )
    db = tmp_path / "runs.db"
    strict = run_aic("import", str(path), "--db", str(db), "--strict", env=env)
    assert strict.returncode == 2
    assert (
        "2 malformed rows (line 2: not JSON" in strict.stderr
        and "nothing imported" in strict.stderr
    )
    assert not db.exists()
    lenient = _ok(run_aic("import", str(path), "--db", str(db), env=env))
    assert "skipped 2 malformed rows at lines 2, 3" in lenient.stderr
    assert "imported 1" in lenient.stderr


def test_a_file_of_only_malformed_rows_says_what_is_wrong_with_them(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """A chat between two senders of unknown role (``aic-start``'s ``mock-1`` and ``mock-2``)
    said only 'no conversations found (2 bad rows)': nothing to say why, nor how to map them."""
    path = tmp_path / "chat.jsonl"
    path.write_text(
        '{"conversation_id": "a", "sender": "mock-1", "text": "hi"}\n'
        '{"conversation_id": "a", "sender": "mock-2", "text": "hello"}\n',
        encoding="utf-8",
    )
    db = tmp_path / "runs.db"
    result = run_aic("import", str(path), "--db", str(db), env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {path}: no conversations found (2 bad rows; first: line 1: sender 'mock-1' is "
        "not a known customer, agent or system; map it with --customer 'mock-1' or --agent "
        "'mock-1')"
    ]
    assert not db.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "missing.jsonl"], "no such file"),
        # the working directory: its empty name was blamed on --source
        (["import", "."], ".: is a directory, not a transcript file"),
        (["import", "{file}", "--format", "xml"], "Invalid value for '--format'"),
        (["import", "{file}", "--redact-pattern", "("], "not a regular expression"),
        (["import", "{file}", "--mapping", "nope.toml"], "cannot be read"),
        (["import", "{file}", "--source", ""], "--source"),
        (["import", "{file}", "--time-format", "%H:%M"], "does not name a whole date"),
        (["fork", "nope", "--at", "0"], "Invalid value for '--at'"),
        (["discover", "-o", "/nonexistent/dir/x.toml"], "does not exist"),
        (["replay", "missing.toml"], "Invalid value for 'SCENARIO_FILE'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, env: dict[str, str], args: list[str], message: str
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"conversation_id": "a", "role": "user", "text": "hi"}\n', encoding="utf-8")
    db = tmp_path / "runs.db"
    argv = [a.replace("{file}", str(good)) for a in args]
    result = run_aic(*argv, "--db", str(db), env=env, cwd=tmp_path)
    assert result.returncode in (1, 2), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    if not message.startswith("Invalid value"):  # click's own usage errors carry a usage block
        assert len(result.stderr.strip().splitlines()) == 1
    assert not db.exists()


def test_forking_an_unknown_conversation_says_so(tmp_path: Path, env: dict[str, str]) -> None:
    db = str(tmp_path / "r.db")
    assert run_aic("start", "--max-turns", "1", "--quiet", "--db", db, env=env).returncode == 0
    result = run_aic("fork", "nope", "--at", "1", "--db", db, env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no conversation with id 'nope' (see `aic ls`)"


def test_a_detached_fork_with_json_prints_one_json_document(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """`--json` means one JSON document on stdout, also when --detach only creates the fork."""
    db = str(tmp_path / "r.db")
    started = _ok(run_aic("start", "--max-turns", "2", "--json", "--db", db, env=env))
    parent = json.loads(started.stdout)["conversation_id"]
    forked = _ok(run_aic("fork", parent, "--at", "3", "--detach", "--json", "--db", db, env=env))
    child = json.loads(forked.stdout)["conversation_id"]
    shown = _ok(run_aic("show", child, "--json", "--db", db, env=env))
    assert json.loads(shown.stdout)["metadata"]["forked_from"]["conversation_id"] == parent
    assert json.loads(forked.stdout)["forked_from"] == {"conversation_id": parent, "at": 3}


def test_a_detached_fork_at_the_ending_says_where_it_forked(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """--detach prints the id alone on stdout; that the fork point moved before the parent's
    ending is said on stderr and in the --json document, as a fork that runs says it."""
    db = str(tmp_path / "r.db")
    agents = ("--agent1", "mock:turns=0", "--agent2", "mock:turns=0")
    started = _ok(run_aic("start", *agents, "--max-turns", "2", "--json", "--db", db, env=env))
    parent = json.loads(started.stdout)["conversation_id"]  # 6 events: the 6th is the ending
    plain = _ok(run_aic("fork", parent, "--at", "6", "--detach", "--db", db, env=env))
    assert len(plain.stdout.split()) == 1
    assert f"of {parent} after event 5 (before its ending, event 6)" in plain.stderr
    fork = ("fork", parent, "--at", "6", "--detach", "--json", "--db", db)
    document = json.loads(_ok(run_aic(*fork, env=env)).stdout)
    assert document["forked_from"] == {"conversation_id": parent, "at": 5}


def test_a_fork_at_the_last_event_goes_on_from_before_the_ending(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """`--at` the parent's ConversationEnded: the fork says it starts before that ending, and
    its export holds one ending, its own (it held the parent's half-way, then its own)."""
    db = str(tmp_path / "r.db")
    agents = ("--agent1", "mock:turns=0", "--agent2", "mock:turns=0")  # they never end it
    started = _ok(run_aic("start", *agents, "--max-turns", "2", "--json", "--db", db, env=env))
    parent = json.loads(started.stdout)["conversation_id"]  # 6 events: the 6th is the ending
    fork = ("fork", parent, "--at", "6", "--max-turns", "2", "--quiet", "--json", "--db", db)
    forked = _ok(run_aic(*fork, env=env))
    assert f"of {parent} after event 5 (before its ending, event 6)" in forked.stderr
    child = json.loads(forked.stdout)
    assert child["ended"]["detail"] == "4 of 4 messages" and len(child["messages"]) == 4
    exported = _ok(run_aic("export", child["conversation_id"], "--format", "jsonl", "--db", db))
    kinds = [json.loads(line)["kind"] for line in exported.stdout.splitlines()]
    assert kinds.count("ConversationEnded") == 1 and kinds[-1] == "ConversationEnded"


async def test_discover_with_a_model_that_never_answers_json_is_one_line(
    corpus_dir: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    import asyncio

    from aiconv.testing.fake_llm import FakeLLM
    from aiconv.testing.fake_llm.faults import Fault

    db = str(tmp_path / "runs.db")
    _ok(
        await asyncio.to_thread(
            run_aic, "import", str(corpus_dir / "chats.jsonl"), "--db", db, env=env
        )
    )
    async with FakeLLM() as server:  # answers with chat, never with the JSON asked for
        chatter = "Happy to help! Most of these customers wanted their card replaced."
        server.faults.push(Fault(text=chatter), Fault(text=chatter))
        model_env = {**env, "OPENAI_API_KEY": "fake", "OPENAI_BASE_URL": server.openai_base_url}
        result = await asyncio.to_thread(
            run_aic,
            "discover",
            "--db",
            db,
            "--model",
            "gpt:gpt-4o-mini",
            "-o",
            str(tmp_path / "s.toml"),
            env=model_env,
            timeout=120,
        )
        asked = [r for r in server.requests if r.api == "openai"]
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: --model gpt:gpt-4o-mini: the model did not propose a valid schema of intents "
        "and outcomes"
    )
    assert len(asked) == 2  # the proposal, then once more with the validation error
    formats = [r.body["response_format"] for r in asked]  # asked natively, as a JSON schema
    assert [(f["type"], f["json_schema"]["name"]) for f in formats] == [
        ("json_schema", "Schema")
    ] * 2
    assert not (tmp_path / "s.toml").exists()


def test_aic_import_reads_the_document_aic_export_writes(tmp_path: Path) -> None:
    """``aic export --format json``'s document was refused ('cannot find the field for
    conversation_id': its id is the document's own) and its messages' ``at`` was not a time."""
    env, first, second = cli_env(home=tmp_path), str(tmp_path / "a.db"), str(tmp_path / "b.db")
    seats = ["--agent1", "mock", "--agent2", "mock", "--name1", "customer", "--name2", "support"]
    started = run_aic("start", *seats, "--max-turns", "4", "--json", "--db", first, env=env)
    assert started.returncode == 0, started.stderr
    original = json.loads(started.stdout)
    exported = tmp_path / "chat.json"
    done = run_aic("export", original["conversation_id"], "--db", first, "-o", str(exported),
                   env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    imported = run_aic("import", str(exported), "--db", second, "--json", env=env)
    assert imported.returncode == 0, imported.stderr
    [entry] = json.loads(run_aic("ls", "--db", second, "--json", env=env).stdout)
    copy = json.loads(run_aic("export", entry["conversation_id"], "--db", second, env=env).stdout)
    assert [(m["sender"], m["content"], m["at"]) for m in copy["messages"]] == [
        (m["sender"], m["content"], m["at"]) for m in original["messages"]
    ]


def _chats(path: Path, conversations: int) -> Path:
    """``conversations`` small chats, each with its own customer words."""
    rows = [
        {"conversation_id": f"c{n}", "sender": sender, "text": f"{text} number {n}"}
        for n in range(conversations)
        for sender, text in (("customer", "my parcel has not arrived"), ("agent", "let me look"))
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.mark.parametrize(
    ("replies", "said"),
    [
        (None, "gave no usable answer for any of the 6 pairs it was shown"),
        ('{"answers": [{"pair": 1, "simulated": "A"}]}', "a usable answer for only 1 of the 6"),
    ],
    ids=["no answer", "one answer"],
)
def test_a_judge_that_measured_nothing_says_so_and_fails(
    tmp_path: Path, env: dict[str, str], replies: str | None, said: str
) -> None:
    """A judge that answered no pair, or too few to measure anything, is a failed measure
    (exit code 1, nothing on stdout): it printed '… nothing was measured' (or '100% accuracy'
    for one pair) and exited 0, and ``--json`` gave accuracy 0.5, "indistinguishable"."""
    db = str(tmp_path / "runs.db")
    _ok(run_aic("import", str(_chats(tmp_path / "chats.jsonl", 6)), "--db", db, env=env))
    judge = "mock"
    if replies is not None:
        script = tmp_path / "judge.jsonl"
        script.write_text(json.dumps({"content": replies}) + "\n")
        judge = f"script:{script}"
    for json_flag in ([], ["--json"]):
        result = run_aic(
            "realism", "import:chats", "--judge", judge, "--db", db, *json_flag, env=env
        )
        assert (result.returncode, result.stdout) == (1, ""), result.stdout + result.stderr
        assert result.stderr.startswith("error: realism could not be measured: a judge (")
        assert said in result.stderr and len(result.stderr.splitlines()) == 1


def test_chats_skipped_as_imported_from_another_source_say_where_they_are(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """The same chats under another source are skipped, and the summary names the run that
    holds them: it pointed only at this source's run (``aic ls --run-id
    import:chats.messages``), where none of them is."""
    db = str(tmp_path / "runs.db")
    chats = _chats(tmp_path / "chats.jsonl", 3)
    again = tmp_path / "chats.messages.jsonl"
    again.write_text(chats.read_text())
    _ok(run_aic("import", str(chats), "--db", db, env=env))
    said = _ok(run_aic("import", str(again), "--db", db, env=env)).stderr
    assert "already there from another source 3 (import:chats)" in " ".join(said.split())
    document = json.loads(_ok(run_aic("import", str(again), "--db", db, "--json", env=env)).stdout)
    assert (document["duplicates"], document["duplicates_in"]) == (3, {"import:chats": 3})


@pytest.mark.parametrize("judge", [[], ["--judge", "mock"]], ids=["classifier", "judge"])
def test_realism_of_a_run_that_does_not_exist_says_so(
    tmp_path: Path, env: dict[str, str], judge: list[str]
) -> None:
    """A mistyped run id said 'needs at least 5 real and 5 simulated customer messages (have
    12 and 0)', as if the run were too small."""
    db = str(tmp_path / "runs.db")
    _ok(run_aic("import", str(_chats(tmp_path / "chats.jsonl", 6)), "--db", db, env=env))
    result = run_aic("realism", "nosuch", *judge, "--db", db, env=env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "error: no conversations with run id 'nosuch' (see `aic ls --run-id`)"
    ]


@pytest.mark.parametrize("where", ["a-file", "/proc/aic-corpus"])
def test_the_corpus_generator_refuses_an_output_it_cannot_write_in_one_line(
    tmp_path: Path, env: dict[str, str], where: str
) -> None:
    """``python -m aiconv.learning OUTDIR`` with OUTDIR a file (or under /proc) ended in a
    FileExistsError (FileNotFoundError) traceback."""
    (tmp_path / "a-file").write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "aiconv.learning", where, "--conversations", "3"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines()[-1].startswith(
        f"python -m aiconv.learning: error: cannot write {where}: "
    )
    assert "Traceback" not in result.stderr
    assert {p.name for p in tmp_path.iterdir()} <= {"a-file", "home"}  # home: the env's
    assert (tmp_path / "a-file").read_text() == "mine"


def test_replaying_a_voice_scenario_says_that_the_forks_are_text(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """``voice = true`` is not replayed (the imported conversations are text, so are their
    forks): replay said nothing about it, and a user who asked for voice got text silently."""
    db = str(tmp_path / "runs.db")
    _ok(run_aic("import", str(_chats(tmp_path / "chats.jsonl", 2)), "--db", db, env=env))
    voice = Path(__file__).parents[2] / "examples" / "voice.toml"
    text = tmp_path / "text.toml"
    text.write_text(voice.read_text().replace("voice = true", "voice = false"))
    for scenario, warned in ((voice, True), (text, False)):
        args = ["replay", str(scenario), "--db", db, "--limit", "1", "--run-id", scenario.stem]
        result = _ok(run_aic(*args, "--json", env=env, timeout=300))
        assert json.loads(result.stdout)["cases"] == 1
        warning = "warning: voice = true is not replayed"
        assert (warning in result.stderr) is warned, result.stderr


def _files(directory: Path) -> dict[str, bytes | None]:
    """Every file under ``directory`` (and every directory, as None) with its bytes."""
    return {
        str(p.relative_to(directory)): p.read_bytes() if p.is_file() else None
        for p in directory.rglob("*")
    }


def test_a_dry_run_says_what_a_real_run_would_do_and_writes_nothing(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """``aic import --dry-run`` said 'imported 0' whatever the file held; it says what the
    real run then does (to import, already there, from another source, malformed, redacted),
    without creating the log, and reads an existing one only."""
    logs = tmp_path / "logs"
    logs.mkdir()
    db = str(logs / "runs.db")
    chats = _chats(tmp_path / "chats.jsonl", 3)
    with chats.open("a") as out:
        out.write('{oops\n{"conversation_id": "c0", "sender": "customer", "text": "a@b.example"}\n')
    dry = json.loads(
        _ok(run_aic("import", str(chats), "--db", db, "--dry-run", "--json", env=env)).stdout
    )
    assert list(logs.iterdir()) == []
    assert (dry["dry_run"], dry["imported"], dry["unchanged"], dry["duplicates"]) == (True, 3, 0, 0)
    assert (len(dry["malformed"]), dry["redacted"]) == (1, {"EMAIL": 1})
    said = _ok(run_aic("import", str(chats), "--db", db, "--dry-run", env=env)).stderr
    assert "dry run: would import 3, already there 0" in " ".join(said.split())
    real = json.loads(_ok(run_aic("import", str(chats), "--db", db, "--json", env=env)).stdout)
    assert {k: v for k, v in real.items() if k != "dry_run"} == {
        k: v for k, v in dry.items() if k != "dry_run"
    }
    _chats(tmp_path / "more.jsonl", 5)
    before = _files(logs)
    again = run_aic("import", str(chats), "--db", db, "--dry-run", "--json", env=env)
    other = run_aic(
        "import", str(tmp_path / "more.jsonl"), "--db", db, "--dry-run", "--json", env=env
    )
    assert _files(logs) == before
    assert (json.loads(_ok(again).stdout)["imported"], json.loads(again.stdout)["unchanged"]) == (
        0,
        3,
    )
    counted = json.loads(_ok(other).stdout)  # c0 differs (its extra row): c0, c3, c4 are new
    assert (counted["imported"], counted["duplicates"], counted["duplicates_in"]) == (
        3,
        2,
        {"import:chats": 2},
    )


def test_replaying_an_unknown_source_names_it_and_the_sources_there(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """``aic replay --source nope`` said 'no imported conversations to replay' about a log of
    imported chats: neither the source asked for nor the ones there."""
    db = tmp_path / "runs.db"
    _ok(run_aic("import", str(_chats(tmp_path / "chats.jsonl", 2)), "--db", str(db), env=env))
    voice = Path(__file__).parents[2] / "examples" / "voice.toml"
    scenario = tmp_path / "text.toml"
    scenario.write_text(voice.read_text().replace("voice = true", "voice = false"))
    before = _files(tmp_path)
    result = run_aic("replay", str(scenario), "--source", "nope", "--db", str(db), env=env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "error: no conversations imported from source 'nope' (sources in the log: chats)"
    ]
    assert _files(tmp_path) == before


@pytest.mark.parametrize("command", ["discover", "realism"])
def test_discover_and_realism_of_an_unknown_source_name_it_and_the_sources_there(
    tmp_path: Path, env: dict[str, str], command: str
) -> None:
    """``--source nope`` said 'needs at least 2 imported conversations ... found 0' (discover)
    or 'needs at least 5 real ... (have 0 ...)' (realism), as if the source were too small."""
    db = tmp_path / "runs.db"
    _ok(run_aic("import", str(_chats(tmp_path / "chats.jsonl", 6)), "--db", str(db), env=env))
    before = _files(tmp_path)
    args = (
        ["-o", str(tmp_path / "out.toml")] if command == "discover" else ["import:chats"]
    )  # a run there
    result = run_aic(command, *args, "--source", "nope", "--db", str(db), env=env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "error: no conversations imported from source 'nope' (sources in the log: chats)"
    ]
    assert _files(tmp_path) == before


def _alike_chats(openings: list[str], closing: list[str]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for n, opening in enumerate(openings):
        said = [opening, f"Let me look into that, case {n}.", *closing]
        rows += [
            {
                "conversation_id": f"c{n}",
                "sender": "customer" if i % 2 == 0 else "agent",
                "text": text,
                "timestamp": 1_700_000_000 + n * 100 + i * 10,
            }
            for i, text in enumerate(said)
        ]
    return rows


@pytest.mark.parametrize(
    "rows",
    [
        # every chat ends with the same goodbyes: no word of the closings tells them apart
        _alike_chats(
            [
                "My card was stolen yesterday at the station",
                "I want to cancel my subscription plan",
                "The app crashes whenever I open settings",
                "Where is my parcel, tracking shows nothing",
            ],
            ["Thank you, goodbye", "You're welcome, goodbye"],
        ),
        # every chat opens alike (no word is left once the common ones are pruned), and its
        # customers write alike (no two personas to tell apart)
        _alike_chats(["Hello, my card is lost"] * 5, ["Thanks, bye", "Bye"]),
    ],
    ids=["same-closings", "same-openings"],
)
def test_discover_on_chats_that_share_their_words_writes_a_scenario(
    rows: list[dict[str, object]], tmp_path: Path, env: dict[str, str]
) -> None:
    """Chats whose openings or closings use the same words (a greeting every chat starts
    with, the same goodbyes) ended discover with a scikit-learn or SciPy traceback ('After
    pruning, no terms remain', 'The condensed distance matrix must contain only finite
    values'); they are one group."""
    chats = tmp_path / "chats.jsonl"
    chats.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    db = str(tmp_path / "runs.db")
    _ok(run_aic("import", str(chats), "--db", db, env=env))
    scenario = tmp_path / "found.toml"
    found = run_aic("discover", "--db", db, "-o", str(scenario), env=env, timeout=300)
    assert found.returncode == 0, found.stderr
    assert "Traceback" not in found.stderr
    assert "Warning" not in found.stderr  # nor k-means asked for more groups than points
    assert scenario.exists()


def test_the_mapping_takes_the_issues_words_for_its_fields(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """Issue 19 names the mapping "conversation id, sender or role, text, timestamp": flags
    ``--role-field``, ``--content-field``, ``--timestamp-field``, ``--conversation-id-field`` and
    the keys ``role``, ``content``, ``id``, ``time`` in a mapping file were refused ("No such
    option", "Extra inputs are not permitted"); they name the same fields as ``--sender-field`` …"""
    said = [("customer", "My card is gone", "08:00"), ("agent", "I will block it now", "08:01")]
    rows = [
        {"ticket": "t-1", "who": who, "body": body, "when": f"2025-03-03T{at}:00Z"}
        for who, body, at in said
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    words = ["--conversation-id-field", "ticket", "--role-field", "who", "--content-field", "body"]
    flags = [*words, "--timestamp-field", "when"]
    by_flags = _ok(
        run_aic("import", str(path), "--db", str(tmp_path / "a.db"), *flags, "--json", env=env)
    )
    assert json.loads(by_flags.stdout)["conversations"] == 1
    mapping = tmp_path / "odd.mapping.toml"
    mapping.write_text('id = "ticket"\nrole = "who"\ncontent = "body"\ntime = "when"\n')
    by_file = _ok(
        run_aic("import", str(path), "--db", str(tmp_path / "b.db"), "--mapping", str(mapping),
                "--json", env=env)
    )  # fmt: skip
    assert json.loads(by_file.stdout)["conversations"] == 1
    listed = json.loads(
        _ok(run_aic("ls", "--db", str(tmp_path / "b.db"), "--json", env=env)).stdout
    )
    shown = _ok(
        run_aic("export", listed[0]["conversation_id"], "--db", str(tmp_path / "b.db"), env=env)
    )
    messages = json.loads(shown.stdout)["messages"]
    assert [m["content"] for m in messages] == ["My card is gone", "I will block it now"]
    assert messages[0]["at"] == 1740988800.0  # the original timestamp, kept
