"""Voice bad input the README promises as one line, exit code 2 and nothing written: no
recognition model (the ``voice`` extra's pocketsphinx missing, or installed without its en-US
model), ``--older-than nan`` (and other non-durations), and ``--audio-dir`` that is a file.

The missing pieces are real interpreter states, not patched code: ``sys.modules[name] = None``
in a ``sitecustomize`` is how Python marks a module as not importable, and a ``pocketsphinx``
package earlier on ``PYTHONPATH`` whose model directory is empty is an install without its model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aiconv.testing.processes import cli_env, run_aic

BLOCKED = 'import sys\nsys.modules["pocketsphinx"] = None\n'
NO_MODEL = "def get_model_path():\n    return {model!r}\n"
MODEL_MISSING = (
    "error: the speech recognition model is missing: install the voice extra "
    "(`pip install 'aiconv[voice]'`, which brings pocketsphinx and its en-US model)"
)
EXTRA_MISSING = (
    "error: --voice needs the 'voice' extra (pocketsphinx is not installed): "
    "pip install 'aiconv[voice]'"
)


def _interpreter_without_model(root: Path, case: str) -> str:
    """A directory for PYTHONPATH that takes the recognition model away (see the docstring)."""
    site = root / case
    if case == "no-extra":
        site.mkdir()
        (site / "sitecustomize.py").write_text(BLOCKED)
    else:
        (site / "pocketsphinx").mkdir(parents=True)
        (root / "empty-model").mkdir()
        model = str(root / "empty-model")
        (site / "pocketsphinx" / "__init__.py").write_text(NO_MODEL.format(model=model))
    return str(site)


@pytest.mark.parametrize(
    ("case", "message"),
    [("no-extra", EXTRA_MISSING), ("no-model", MODEL_MISSING)],
    ids=["no-extra", "no-model"],
)
def test_voice_without_the_recognition_model_is_one_line_and_writes_nothing(
    tmp_path: Path, case: str, message: str
) -> None:
    work, elsewhere = tmp_path / "work", tmp_path / "site"
    work.mkdir()
    elsewhere.mkdir()
    env = cli_env({"PYTHONPATH": _interpreter_without_model(elsewhere, case)}, home=work)
    result = run_aic("start", "--voice", "--db", str(work / "runs.db"), env=env, cwd=work)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [message]
    assert result.stdout == ""
    assert list(work.iterdir()) == []  # no log, no audio directory, no data directory


@pytest.mark.parametrize("value", ["nan", "inf", "-1d", "NaNd"])
def test_prune_older_than_a_non_duration_is_one_line(tmp_path: Path, value: str) -> None:
    env = cli_env(home=tmp_path)
    result = run_aic("prune", "--older-than", value, "--db", str(tmp_path / "runs.db"), env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: --older-than {value!r}: give a number and a unit, e.g. 7d, 12h, 30m"
    ]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command", [("start", "--voice"), ("prune", "--older-than", "7d", "--dry-run")]
)
def test_an_audio_dir_that_is_a_file_is_one_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    afile = tmp_path / "audio"
    afile.write_bytes(b"not a directory")
    env = cli_env(home=tmp_path)
    db = tmp_path / "runs.db"
    result = run_aic(*command, "--audio-dir", str(afile), "--db", str(db), env=env)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: Invalid value for '--audio-dir': Directory '{afile}' is a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audio"]
    assert afile.read_bytes() == b"not a directory"


VOICE_SUITE = """\
name = "voice-agents"
voice = true
personas = ["typical"]
[agent]
agent = "{agent}"
[customer]
agent = "mock"
[[intents]]
name = "order"
description = "Where is my order"
[[outcomes]]
slug = "resolved"
success = true
[evaluator]
default = "resolved"
"""


@pytest.mark.parametrize("agent", ["ws://127.0.0.1:9/agent", "realtime"])
def test_a_voice_agent_under_aic_simulate_is_refused_in_one_line(
    tmp_path: Path, agent: str
) -> None:
    """Voice agents take part from aic-start and the API only (a batch cannot open their
    sessions yet): said in one line before anything is written, not as an unknown agent."""
    path = tmp_path / "suite.toml"
    path.write_text(VOICE_SUITE.format(agent=agent))
    env = cli_env(home=tmp_path)
    result = run_aic("simulate", str(path), "--db", str(tmp_path / "runs.db"), env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: support is a voice agent ({agent}): aic simulate cannot seat voice agents "
        "yet; run it with aic-start --voice or the Python API (voice=True)"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["suite.toml"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ws://[::1/agent", "voice agent URL must be ws:// or wss:// with a host, not 'ws://[::1"),
        ("ws://h/agent?token=hunter2pw", "voice agent URL 'ws://h/agent?[REDACTED]' must not"),
        ("wss://127.0.0.1:0/agent", "voice agent URL has a bad port: 'wss://127.0.0.1:0/agent'"),
    ],
    ids=["ipv6", "token", "port0"],
)
def test_a_voice_agent_url_no_client_can_use_is_one_line_and_writes_nothing(
    tmp_path: Path, url: str, message: str
) -> None:
    """An unclosed IPv6 bracket was a ValueError traceback; a token in the query was echoed in
    the error (and would be recorded as the agent's id) where a user name is refused; port 0
    was taken for 443."""
    env = cli_env(home=tmp_path)
    args = ("start", "--voice", "--agent2", url, "--db", str(tmp_path / "runs.db"))
    result = run_aic(*args, env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {message}") and "hunter2pw" not in line
    assert list(tmp_path.iterdir()) == []


def test_a_realtime_base_url_with_a_token_is_named_as_the_base_url(tmp_path: Path) -> None:
    """The Realtime base URL's error said 'must be ws:// or wss://: voice agent URL …', whatever
    was wrong with it; it names the base URL and what is wrong, the token redacted."""
    env = cli_env({"OPENAI_API_KEY": "sk-test-0000000000000000000000"}, home=tmp_path)
    url = "wss://h/v1?key=hunter2pw"
    args = ("start", "--voice", "--agent2", "realtime", "--base-url2", url)
    result = run_aic(*args, "--db", str(tmp_path / "runs.db"), env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "error: the Realtime base URL 'wss://h/v1?[REDACTED]' must not carry credentials: it is"
        " recorded with the conversation"
    ]
    assert list(tmp_path.iterdir()) == []
