"""One settings loader for every command, through real processes: defaults < config file
(``aiconv.toml``, ``--config``, ``AIC_CONFIG``) < ``.env`` < environment < flags, per-command
variable names, shared ones, and the deprecated spellings that still work with a warning.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from aiconv.testing.processes import cli_env, reap, run_aic, spawn_aic

MOCKS = ("--agent1", "mock:turns=0", "--agent2", "mock:turns=0")


def turns(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stderr
    return int(json.loads(result.stdout)["summary"]["turns"])


def detached(tmp_path: Path, *args: str) -> str:
    """A new conversation in ``tmp_path/runs.db`` that nobody runs yet."""
    created = run_aic("start", "--detach", "--db", str(tmp_path / "runs.db"), *MOCKS, *args)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    """config file 5 < .env 4 < environment 3 < flag 2, and the default (20) below them all."""
    (tmp_path / "aiconv.toml").write_text('db = "runs.db"\n[start]\nmax_turns = 5\n')
    (tmp_path / ".env").write_text("AIC_START_MAX_TURNS=4\n")
    env = cli_env({"AIC_START_MAX_TURNS": "3"})
    assert turns(run_aic("start", "--json", *MOCKS, "--max-turns", "2", env=env, cwd=tmp_path)) == 2
    assert turns(run_aic("start", "--json", *MOCKS, env=env, cwd=tmp_path)) == 3
    assert turns(run_aic("start", "--json", *MOCKS, cwd=tmp_path)) == 4
    (tmp_path / ".env").unlink()
    assert turns(run_aic("start", "--json", *MOCKS, cwd=tmp_path)) == 5
    (tmp_path / "aiconv.toml").write_text('db = "runs.db"\n')
    # the default of 20 turns: mock-2 (mock ends at its own 4th message) ends it at turn 8
    assert turns(run_aic("start", "--json", "--agent1", "mock:turns=0", cwd=tmp_path)) == 8
    assert (tmp_path / "runs.db").is_file()


def test_a_deprecated_flat_name_in_env_file_works_and_warns(tmp_path: Path) -> None:
    """The issue's case: ``AIC_MAX_TURNS=3`` in ``.env`` now runs 3 turns (it ran 7)."""
    (tmp_path / ".env").write_text(f"AIC_MAX_TURNS=3\nAIC_DB={tmp_path / 'runs.db'}\n")
    result = run_aic("start", "--json", "--agent1", "mock:turns=0", cwd=tmp_path)
    assert turns(result) == 3
    assert "warning: AIC_MAX_TURNS is deprecated; use AIC_START_MAX_TURNS" in result.stderr


def test_a_mistyped_variable_in_env_file_is_named_with_the_nearest_known_one(
    tmp_path: Path,
) -> None:
    """``AIC_START_MAX_TURN=3`` in ``.env`` was silently ignored (the run took the default):
    each ``AIC_*`` name there that no command reads is one warning, with the nearest name the
    running command reads; a name of another command's is no mistake, and the run goes on."""
    (tmp_path / ".env").write_text(
        f"AIC_DB={tmp_path / 'runs.db'}\nAIC_START_MAX_TURN=3\nAIC_WORKER_CONCURRENCY=2\n"
        "AIC_NOTHING_LIKE_IT=1\n"
    )
    result = run_aic("start", "--json", *MOCKS, "--max-turns", "2", cwd=tmp_path)
    assert turns(result) == 2
    assert result.stderr.splitlines() == [
        "warning: AIC_START_MAX_TURN in .env is not an aiconv setting; did you mean "
        "AIC_START_MAX_TURNS?",
        "warning: AIC_NOTHING_LIKE_IT in .env is not an aiconv setting",
    ]


def test_config_file_from_flag_or_variable_with_paths_relative_to_it(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "team.toml").write_text('db = "team.db"\n[start]\nmax_turns = 2\n')
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    flag = run_aic("start", "--json", *MOCKS, "--config", str(conf / "team.toml"), cwd=elsewhere)
    assert turns(flag) == 2
    assert (conf / "team.db").is_file()
    env = cli_env({"AIC_CONFIG": str(conf / "team.toml")})
    listed = run_aic("ls", "--json", env=env, cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 1


@pytest.mark.parametrize(
    ("line", "log"),
    [
        ('log_url = "sqlite:///team.db"', "team.db"),
        ('log_url = "team.db"', "team.db"),
        ('[start]\nlog_url = "sqlite:///logs/start.db"', "logs/start.db"),
    ],
)
def test_a_relative_log_url_in_the_config_file_is_relative_to_the_file(
    tmp_path: Path, line: str, log: str
) -> None:
    """``sqlite:///team.db`` in a config file is a relative path like ``db = "team.db"``: the
    log goes next to the file, not into whatever directory the command runs in."""
    conf = tmp_path / "conf"
    (conf / "logs").mkdir(parents=True)
    (conf / "team.toml").write_text(line + "\n")
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    flag = run_aic(
        "start",
        "--json",
        *MOCKS,
        "--max-turns",
        "1",
        "--config",
        str(conf / "team.toml"),
        cwd=elsewhere,
    )
    assert turns(flag) == 1
    assert (conf / log).is_file()
    assert list(elsewhere.iterdir()) == []


def test_a_tools_file_in_the_config_file_is_relative_to_the_file(tmp_path: Path) -> None:
    """``tools2 = ["banking.py"]`` in a config file names the file next to it, as ``tools`` in
    a scenario file names one next to the scenario; a module name stays a module name."""
    conf = tmp_path / "conf"
    conf.mkdir()
    banking = Path(__file__).parents[2] / "examples" / "tools" / "banking.py"
    (conf / "banking.py").write_text(banking.read_text())
    (conf / "team.toml").write_text(
        'db = "team.db"\n[start]\nagent1 = "mock:tools=auto"\nagent2 = "mock:tools=auto"\n'
        'tools2 = ["banking.py"]\n'
        'tools = ["mock-1=banking.py"]\nmax_turns = 2\n[tools.list]\ntools = ["banking.py"]\n'
    )
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    config = ("--config", str(conf / "team.toml"))
    started = run_aic("start", "--json", *config, cwd=elsewhere)
    document = json.loads(started.stdout)
    assert [p["tools"] != [] for p in document["participants"]] == [True, True]
    listed = run_aic("tools", "list", "--json", *config, cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    assert "block_card" in listed.stdout


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[start]\nmax_turn = 3\n", "unknown key 'max_turn' in [start]; did you mean 'max_turns'?"),
        ("max_turns = 3\n", "unknown top-level key 'max_turns'"),
        ("[start]\nmax_turns = 'many'\n", "aiconv.toml [start] max_turns (--max-turns): must be"),
        ("[start\n", "is not valid TOML"),
        # a table is never ignored: one named after no command, or one inside a command's
        ("[strat]\nmax_turns = 3\n", "[strat] names no command; did you mean 'start'?"),
        ("[start.limits]\nmax_turns = 3\n", "[start] limits must be a value, not a table"),
        ("[start]\nagent1 = {agent = 'mock'}\n", "[start] agent1 must be a value, not a table"),
        ("[cache.imprt]\nparticipant = 'x'\n", "[cache.imprt] names no command"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_the_key(
    tmp_path: Path, config: str, message: str
) -> None:
    (tmp_path / "aiconv.toml").write_text(config)
    result = run_aic("start", "--db", str(tmp_path / "runs.db"), cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs.db").exists()


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    ("config", "message"),
    [
        # TOML has numbers: the text of one is a mistake in the file (it was taken as 10)
        ('[start]\nmax_turns = "10"\n', "max_turns (--max-turns): must be a number, not text"),
        ('[start]\nlease = "30"\n', "lease (--lease): must be a number, not text"),
        ("[start]\nmax_turns = true\n", "max_turns (--max-turns): must be a number, not a bool"),
        ("[start]\nlease = nan\n", "lease (--lease): must be a finite number (got nan)"),
        ("[start]\nlease = -inf\n", "lease (--lease): must be a finite number (got -inf)"),
        ('metrics_port = "9100"\n', "metrics_port (--metrics-port): must be a number, not text"),
        # the rate limits have no flag: read from the file by the commands that call providers
        ('rpm = "60"\n', "aiconv.toml rpm must be a number, not text (got '60'"),
        ("tpm = true\n", "aiconv.toml tpm must be a number, not a boolean (got true)"),
        ("rpm = inf\n", "aiconv.toml rpm must be a finite number (got inf)"),
    ],
)
def test_a_number_in_the_config_file_must_be_a_toml_number(
    tmp_path: Path, config: str, message: str
) -> None:
    (tmp_path / "aiconv.toml").write_text(config)
    result = run_aic("start", "--db", str(tmp_path / "runs.db"), *MOCKS, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aiconv.toml"]


def test_a_bad_value_names_the_variable_and_the_file_it_came_from(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("AIC_START_LEASE=nan\n")
    result = run_aic("start", "--db", str(tmp_path / "runs.db"), cwd=tmp_path)
    assert result.returncode == 2
    message = (
        "Invalid value for AIC_START_LEASE in .env (--lease): must be a finite number (got 'nan')"
    )
    assert message in result.stderr
    assert not (tmp_path / "runs.db").exists()


def test_a_missing_config_file_is_refused(tmp_path: Path) -> None:
    result = run_aic("ls", "--config", str(tmp_path / "none.toml"), cwd=tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_ls_reads_its_limit_and_the_shared_log_from_settings(tmp_path: Path) -> None:
    for _ in range(3):
        detached(tmp_path)
    (tmp_path / ".env").write_text(f"AIC_DB={tmp_path / 'runs.db'}\nAIC_LS_LIMIT=2\n")
    result = run_aic("ls", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2


def test_show_and_export_read_their_options_from_settings(tmp_path: Path) -> None:
    cid = detached(tmp_path)
    env = cli_env({"AIC_DB": str(tmp_path / "runs.db"), "AIC_SHOW_EVENTS": "1"})
    shown = run_aic("show", cid, "--json", env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["events"][0]["kind"] == "ConversationStarted"
    (tmp_path / "aiconv.toml").write_text('[export]\nformat = "jsonl"\n')
    exported = run_aic("export", cid, env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout.splitlines()[0])["kind"] == "ConversationStarted"


def test_join_reads_its_seat_and_agent_from_settings(tmp_path: Path) -> None:
    cid = detached(tmp_path, "--max-turns", "4")
    (tmp_path / "aiconv.toml").write_text(f'db = "{tmp_path / "runs.db"}"\n[join]\nas = "mock-1"\n')
    script = tmp_path / "replies.txt"
    script.write_text("First from the script.\n\nSecond from the script.\n")
    other = spawn_aic("join", cid, "--as", "mock-2", cwd=tmp_path)
    try:
        joined = run_aic(
            "join", cid, "--json", cwd=tmp_path, env=cli_env({"AIC_JOIN_AGENT": f"script:{script}"})
        )
        other.communicate(timeout=60)
    finally:
        reap(other)
    assert joined.returncode == 0, joined.stderr
    doc = json.loads(joined.stdout)
    assert doc["ended"]["reason"] == "max_turns"
    models = {m["sender"]: m["model"] for m in doc["messages"]}
    assert models == {"mock-1": "script", "mock-2": "mock-chat"}


def test_resume_reads_the_shared_log_from_the_config_file(tmp_path: Path) -> None:
    cid = detached(tmp_path, "--max-turns", "2")
    (tmp_path / "aiconv.toml").write_text('db = "runs.db"\n[resume]\nquiet = true\n')
    resumed = run_aic("resume", cid, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "mock-1 ›" not in resumed.stdout and "max_turns" in resumed.stdout


def test_providers_sees_keys_from_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY=sk-ant-from-dotenv-not-real\n")
    result = run_aic("providers", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {row["vendor"]: row for row in json.loads(result.stdout)}
    assert rows["anthropic"]["key"] == "set"
    assert rows["openai"]["key"] == "missing"
    assert "sk-ant-from-dotenv" not in result.stdout


def test_simulate_and_report_read_their_options_from_settings(tmp_path: Path) -> None:
    from tests.simulation.test_cli import write

    scenario = write(tmp_path, agent="mock:turns=4")  # every conversation is abandoned
    (tmp_path / "aiconv.toml").write_text(
        'db = "runs.db"\n[simulate]\nrun_id = "r-conf"\nrepeat = 1\n'
        '[report]\nout_dir = "out"\nworst = 1\n'
    )
    ran = run_aic("simulate", str(scenario), "--json", cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stderr
    tally = json.loads(ran.stdout)
    assert (
        tally["run_id"] == "r-conf" and tally["done"] == 4 and tally["outcomes"] == {"abandoned": 4}
    )
    reported = run_aic("report", "r-conf", cwd=tmp_path, env=cli_env({"AIC_REPORT_JSON": "1"}))
    assert reported.returncode == 0, reported.stderr
    assert "warning: AIC_REPORT_JSON is deprecated" in reported.stderr
    assert len(json.loads(reported.stdout)["worst"]) == 1
    assert (tmp_path / "out" / "report.json").is_file()


def test_worker_and_serve_read_their_options_from_settings(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"AIC_DB={tmp_path / 'runs.db'}\nAIC_WORKER_INSTANCE_ID=w-from-env\nAIC_SERVE_PORT=0\n"
    )
    started = [spawn_aic("worker", cwd=tmp_path)]
    worker = started[0]
    try:
        assert worker.stderr is not None
        assert "worker w-from-env serving" in worker.stderr.readline()
        # the read-only view needs the log the worker has created by now (it never creates one)
        started.append(spawn_aic("serve", "--json", cwd=tmp_path))
        assert started[1].stdout is not None
        url = json.loads(started[1].stdout.readline())["url"]
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":8080/")
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        try:
            for process in started:
                process.communicate(timeout=30)
        finally:
            for process in started:
                reap(process)  # one that did not stop in time is killed, its pipes closed
    assert worker.returncode == 0


def test_bench_reads_its_options_from_settings(tmp_path: Path) -> None:
    """A bad ``AIC_BENCH_ONLY`` is refused before anything runs, naming the variable."""
    result = run_aic("bench", cwd=tmp_path, env=cli_env({"AIC_BENCH_ONLY": "nope"}))
    assert result.returncode == 2
    assert "AIC_BENCH_ONLY in the environment (--only)" in result.stderr


def test_ls_json_is_one_document_and_the_old_flag_still_prints_lines(tmp_path: Path) -> None:
    for _ in range(2):
        detached(tmp_path)
    db = str(tmp_path / "runs.db")
    new = run_aic("ls", "--db", db, "--json")
    assert [row["status"] for row in json.loads(new.stdout)] == ["active", "active"]
    old = run_aic("ls", "--db", db, "--ls-json")
    assert old.returncode == 0
    assert len([json.loads(line) for line in old.stdout.splitlines()]) == 2
    assert "warning: --ls-json is deprecated; use --json" in old.stderr


def test_version() -> None:
    result = run_aic("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("aic ")


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_aic_start_prints_its_version_as_aic_does(flag: str) -> None:
    program = "from aiconv.cli.main import run_aic_start; run_aic_start()"
    result = subprocess.run(
        [sys.executable, "-c", program, flag],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("aic-start ")
    assert result.stdout.split()[1] == run_aic("--version").stdout.split()[1]


def test_the_log_named_in_a_higher_layer_wins_over_the_other_spelling_below(
    tmp_path: Path,
) -> None:
    """``--db`` and ``--log-url`` name one thing, the log: the README's own config file
    (``db = "runs.db"``) made every ``--log-url`` (and an exported ``AIC_LOG_URL``) an
    error, ``give either --db or --log-url, not both``, though neither flag was given twice."""
    (tmp_path / "aiconv.toml").write_text('db = "toml.db"\n')
    args = ("start", "--quiet", *MOCKS, "--max-turns", "2")
    cases = [
        ((tmp_path / "env.db"), {"AIC_LOG_URL": f"sqlite:///{tmp_path / 'env.db'}"}, ()),
        ((tmp_path / "flag.db"), {}, ("--log-url", f"sqlite:///{tmp_path / 'flag.db'}")),
        ((tmp_path / "db.db"), {"AIC_LOG_URL": "memory://"}, ("--db", str(tmp_path / "db.db"))),
    ]
    for expected, variables, flags in cases:
        result = run_aic(*args, *flags, env=cli_env(variables), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert expected.is_file()
    assert not (tmp_path / "toml.db").exists()
    # within one layer, both are still a mistake
    both = run_aic(*args, "--db", "x.db", "--log-url", "memory://", cwd=tmp_path)
    assert both.returncode == 2
    assert "give either --db or --log-url, not both" in both.stderr
