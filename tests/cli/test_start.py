"""The CLI as real subprocesses: exit codes, output, the --json shape, bad input, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiconv.testing.processes import cli_env, run_aic


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "runs.db"


def conversation_id(stdout: str) -> str:
    first = stdout.splitlines()[0]
    assert first.startswith("conversation ")
    return first.split()[1]


def test_mock_pair_streams_and_summarises(db: Path) -> None:
    result = run_aic(
        "start",
        "--agent1",
        "mock",
        "--agent2",
        "mock",
        "--topic",
        "Is a hot dog a sandwich?",
        "--max-turns",
        "10",
        "--db",
        str(db),
        "--seed",
        "7",
    )
    assert result.returncode == 0, result.stderr
    assert "mock-1 ›" in result.stdout
    assert "mock-2 ›" in result.stdout
    assert "ended" in result.stdout
    assert "turn latency" in result.stdout
    assert db.exists()


def test_json_document_has_the_documented_shape(db: Path) -> None:
    result = run_aic(
        "start", "--max-turns", "4", "--db", str(db), "--json", "--agent1", "mock:turns=0"
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) >= {
        "conversation_id", "topic", "participants", "messages", "tool_calls", "ended", "summary",
    }  # fmt: skip
    assert doc["participants"][0] == {
        "name": "mock-1",
        "agent": "mock:turns=0",
        "model": "mock-chat",
        "persona": None,
        "tools": [],
    }
    assert doc["tool_calls"] == []
    message = doc["messages"][0]
    assert set(message) >= {
        "sequence",
        "sender",
        "content",
        "model",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "latency_s",
        "at",
    }
    assert [m["sender"] for m in doc["messages"]] == ["mock-1", "mock-2", "mock-1", "mock-2"]
    assert doc["ended"]["reason"] == "max_turns"
    assert doc["summary"]["turns"] == 4


def test_every_run_gets_a_new_conversation(db: Path) -> None:
    ids = {
        conversation_id(run_aic("start", "--max-turns", "2", "--db", str(db), "--quiet").stdout)
        for _ in range(2)
    }
    assert len(ids) == 2
    listing = run_aic("ls", "--db", str(db), "--ls-json")
    assert {json.loads(line)["conversation_id"] for line in listing.stdout.splitlines()} == ids


def test_a_listing_with_nothing_to_list_says_so_instead_of_an_empty_table(db: Path) -> None:
    assert run_aic("start", "--max-turns", "2", "--db", str(db), "--quiet").returncode == 0
    active = run_aic("ls", "--db", str(db), "--status", "active")
    assert (active.returncode, active.stdout) == (0, "no conversations with status active\n")
    other = run_aic("ls", "--db", str(db), "--run-id", "r9", "--status", "ended")
    assert other.stdout == "no conversations with status ended and run id 'r9'\n"
    assert json.loads(run_aic("ls", "--db", str(db), "--run-id", "r9", "--json").stdout) == []


def test_unknown_agent_lists_valid_agents_and_suggests(db: Path) -> None:
    result = run_aic("start", "--agent1", "mok", "--db", str(db))
    assert result.returncode == 2
    assert "did you mean 'mock'?" in result.stderr
    assert "valid agents:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-turns", "0"], "Invalid value for '--max-turns': must be at least 1"),
        (["--max-turns", "-3"], "Invalid value for '--max-turns': must be at least 1"),
        (["--log-url", "nosuch://x"], "unsupported log URL"),
        (["--agent2", "script:/no/such/file.jsonl"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(db: Path, args: list[str], message: str) -> None:
    result = (
        run_aic("start", "--db", str(db), *args)
        if "--log-url" not in args
        else run_aic("start", *args)
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not db.exists()


def test_directory_as_db_is_refused(tmp_path: Path) -> None:
    result = run_aic("start", "--db", str(tmp_path))
    assert result.returncode == 2
    assert "is a directory" in result.stderr


def test_malformed_script_names_the_line(db: Path, tmp_path: Path) -> None:
    script = tmp_path / "replies.jsonl"
    script.write_text('{"content": "hi"}\nnot json\n')
    result = run_aic("start", "--agent1", f"script:{script}", "--db", str(db))
    assert result.returncode == 2
    assert "replies.jsonl:2" in result.stderr
    assert not db.exists()


def test_unknown_conversation_id_fails_cleanly(db: Path) -> None:
    run_aic("start", "--max-turns", "1", "--db", str(db), "--quiet")
    for command in (
        ["show", "nope"],
        ["export", "nope"],
        ["resume", "nope"],
        ["join", "nope", "--as", "x"],
    ):
        result = run_aic(*command, "--db", str(db))
        assert result.returncode != 0
        assert "no conversation with id 'nope'" in result.stderr
        assert "Traceback" not in result.stderr


def test_resuming_an_ended_conversation_is_refused(db: Path) -> None:
    cid = conversation_id(run_aic("start", "--max-turns", "2", "--db", str(db), "--quiet").stdout)
    result = run_aic("resume", cid, "--db", str(db))
    assert result.returncode == 1
    assert "max_turns" in result.stderr
    assert "can be resumed" in result.stderr
    # every resumable end reason is named, an unexpected failure's ("error") included
    assert "error, interrupted, provider_error, provider_unavailable" in result.stderr


def test_script_agent_replays_and_ends_the_conversation(db: Path, tmp_path: Path) -> None:
    script = tmp_path / "customer.txt"
    script.write_text("Hello, my card is lost.\n\nYes, please block it.\n")
    result = run_aic(
        "start", "--agent1", f"script:{script}", "--agent2", "echo", "--db", str(db), "--json"
    )
    doc = json.loads(result.stdout)
    assert [m["content"] for m in doc["messages"]] == [
        "Hello, my card is lost.",
        "Hello, my card is lost.",
        "Yes, please block it.",
        "Yes, please block it.",
    ]
    assert doc["ended"]["reason"] == "script_end"


def test_exports_in_three_formats(db: Path, tmp_path: Path) -> None:
    cid = conversation_id(run_aic("start", "--max-turns", "3", "--db", str(db), "--quiet").stdout)
    as_json = json.loads(run_aic("export", cid, "--db", str(db)).stdout)
    assert as_json["conversation_id"] == cid
    lines = run_aic("export", cid, "--format", "jsonl", "--db", str(db)).stdout.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["kind"] == "ConversationStarted"
    out = tmp_path / "t.md"
    assert run_aic("export", cid, "--format", "md", "-o", str(out), "--db", str(db)).returncode == 0
    assert out.read_text().startswith("# Is a hot dog a sandwich?")


def test_env_file_and_aic_variables_configure_options(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("AIC_MAX_TURNS=2\n")
    env = cli_env({"AIC_DB": str(tmp_path / "env.db"), "AIC_MAX_TURNS": "2"})
    result = run_aic("start", "--json", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["turns"] == 2
    assert (tmp_path / "env.db").exists()


def test_help_lists_every_option_with_its_variable() -> None:
    result = run_aic("start", "--help")
    for flag in (
        "--agent1",
        "--agent2",
        "--name1",
        "--model1",
        "--system1",
        "--topic",
        "--max-turns",
        "--first",
        "--db",
        "--log-url",
        "--seed",
        "--json",
        "--quiet",
        "--detach",
    ):
        assert flag in result.stdout
    assert "AIC_START_MAX_TURNS" in result.stdout


def test_default_log_lives_in_the_user_data_directory(tmp_path: Path) -> None:
    env = cli_env(home=tmp_path)
    result = run_aic("start", "--max-turns", "1", "--quiet", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "data").rglob("conversations.db"))


def test_mock_failures_are_retried_by_the_guard(db: Path) -> None:
    result = run_aic(
        "start",
        "--agent1",
        "mock:fail=0.4,turns=0",
        "--agent2",
        "mock:turns=0",
        "--max-turns",
        "6",
        "--seed",
        "3",
        "--db",
        str(db),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["ended"]["reason"] == "max_turns"
    assert max(m["attempts"] for m in doc["messages"]) > 1


def test_three_participants_take_turns_round_robin(db: Path) -> None:
    result = run_aic(
        "start",
        "--agent1",
        "mock:turns=0",
        "--agent2",
        "mock:turns=0",
        "--agent",
        "echo",
        "--name",
        "echoer",
        "--max-turns",
        "6",
        "--db",
        str(db),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [p["name"] for p in doc["participants"]] == ["mock-1", "mock-2", "echoer"]
    assert [m["sender"] for m in doc["messages"]] == ["mock-1", "mock-2", "echoer"] * 2


def test_providers_lists_agents_models_and_whether_keys_are_set() -> None:
    env = cli_env({"ANTHROPIC_API_KEY": "sk-ant-test-not-real"})
    result = run_aic("providers", env=env)
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[2].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert "set" in rows["anthropic"]
    assert "missing" in rows["openai"]
    assert "not needed" in rows["ollama"]
    assert "offline" in rows["mock"]
    assert "sk-ant-test-not-real" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["start", "--base-url1", "http://user:hunter2pw@host/v1"], "carries credentials", 2),
        (["start", "--base-url1", "not a url"], "must look like http://host:port/v1", 2),
        (["ls", "--log-url", "redis://127.0.0.1:1/0?deadline=abc"], "must be positive seconds", 2),
        (["ls", "--log-url", "redis://:hunter2pw@127.0.0.1:notaport/0"], "bad Redis URL", 2),
        (["ls", "--limit", "-1"], "'--limit': must be between 1 and 10000", 2),
        (["export", "x", "-o", "/proc/version"], "no aiconv log at", 2),
    ],
)
def test_more_bad_input_is_one_line_and_never_shows_a_password(
    tmp_path: Path, args: list[str], message: str, code: int
) -> None:
    extra = [] if "--log-url" in args else ["--db", str(tmp_path / "runs.db")]
    result = run_aic(*args, *extra)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2pw" not in result.stderr + result.stdout


def test_a_file_that_is_not_sqlite_is_refused_cleanly(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("not a database at all, just notes\n" * 10)
    result = run_aic("ls", "--db", str(bogus))
    assert result.returncode == 2
    assert "is not an aiconv SQLite log" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_to_an_unwritable_path_is_one_line(db: Path, tmp_path: Path) -> None:
    cid = conversation_id(run_aic("start", "--max-turns", "1", "--db", str(db), "--quiet").stdout)
    result = run_aic(
        "export", cid, "-o", str(tmp_path / "no" / "such" / "dir.json"), "--db", str(db)
    )
    assert result.returncode == 2
    assert "cannot write --output" in result.stderr
    assert "Traceback" not in result.stderr


async def test_a_compatible_server_is_reached_through_its_base_url(tmp_path: Path) -> None:
    """The README's ``aic-start --agent1 compat:my-model --base-url1 http://localhost:8000/v1``:
    ``compat`` has no default server, so the base URL is how it reaches one (it was refused as
    "calls no server", like the offline mock's)."""
    import asyncio

    from aiconv.testing.fake_llm import FakeLLM

    async with FakeLLM() as server:
        done = await asyncio.to_thread(
            run_aic,
            "start", "--agent1", "compat:my-model", "--base-url1", server.openai_base_url,
            "--agent2", "mock", "--max-turns", "2", "--json", "--db", str(tmp_path / "runs.db"),
            env=cli_env(home=tmp_path),
        )  # fmt: skip
        received = [r.body.get("model") for r in server.requests]
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["participants"][0]["model"] == "my-model"
    assert document["summary"]["turns"] == 2
    assert received == ["my-model"]


@pytest.mark.timeout(120)
def test_piped_ls_and_providers_keep_every_column_the_issues_name(db: Path) -> None:
    """Issue 2: ``aic ls`` gives id, started, participants, turns, status, end reason; issue 3:
    ``aic providers`` gives alias, vendor, default model, key variable, key. Piped at 80
    columns (a test, a script) none of them may be left out."""
    started = run_aic("start", "--max-turns", "2", "--db", str(db), "--json")
    conversation_id = json.loads(started.stdout)["conversation_id"]
    narrow = cli_env({"COLUMNS": "80"})
    listing = run_aic("ls", "--db", str(db), env=narrow)
    assert listing.returncode == 0, listing.stderr
    for shown in ("started", "participants", "turns", "status", "end reason", "max_turns"):
        assert shown in listing.stdout
    assert conversation_id in listing.stdout and "mock-1, mock-2" in listing.stdout
    listed = run_aic("providers", env=narrow)
    for shown in ("aliases", "vendor", "default model", "key variable", "ANTHROPIC_API_KEY"):
        assert shown in listed.stdout


@pytest.mark.timeout(120)
def test_closing_phrases_are_configurable_and_recorded(db: Path, tmp_path: Path) -> None:
    """Issue 6: closing phrases ("goodbye", …, configurable). ``--closing-phrase`` replaces
    the built-in list and is recorded with the conversation, so every process ends alike."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text('{"content": "All done here."}\n{"content": "Cheerio then!"}\n' * 2)
    second.write_text('{"content": "Hello."}\n{"content": "Thanks, cheerio!"}\n' * 2)
    seats = ["--agent1", f"script:{first}", "--agent2", f"script:{second}", "--db", str(db)]
    ran = run_aic("start", *seats, "--closing-phrase", "cheerio", "--json")
    assert ran.returncode == 0, ran.stderr
    ended = json.loads(ran.stdout)["ended"]
    assert ended["reason"] == "closing"
    events = run_aic(
        "export", json.loads(ran.stdout)["conversation_id"], "--db", str(db), "--format", "jsonl"
    ).stdout.splitlines()
    assert json.loads(events[0])["data"]["stop"]["closing_phrases"] == ["cheerio"]
    plain = run_aic("start", *seats, "--json")  # "cheerio" is not a built-in closing
    assert json.loads(plain.stdout)["ended"]["reason"] != "closing"


@pytest.mark.timeout(120)
def test_closing_phrases_from_the_variable_are_one_a_line(db: Path, tmp_path: Path) -> None:
    """A phrase has spaces: the variable split on them made "see you later" three phrases, and
    "you" alone a closing that ended conversations at the first "thank you"."""
    env = cli_env({"AIC_START_CLOSING_PHRASE": "see you later\ncheerio mate"}, home=tmp_path)
    ran = run_aic("start", "--max-turns", "2", "--db", str(db), "--json", env=env)
    assert ran.returncode == 0, ran.stderr
    cid = json.loads(ran.stdout)["conversation_id"]
    events = run_aic("export", cid, "--db", str(db), "--format", "jsonl", env=env)
    stop = json.loads(events.stdout.splitlines()[0])["data"]["stop"]
    assert stop["closing_phrases"] == ["see you later", "cheerio mate"]
