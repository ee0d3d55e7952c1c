"""``pip install aiconv`` is the core; each optional part needs its extra, and says so.

The slow tests build aiconv's wheel, install it with ``--no-deps`` into a fresh venv beside the
core's dependencies only (read from ``pyproject.toml``, from the machine's package index and pip
cache), and run the CLI there: an offline conversation works, and every feature whose extra is
missing stops with one line naming the ``pip install`` command, exit 2, nothing written.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from aiconv.errors import MissingExtra
from aiconv.extras import EXTRAS, extra_of, missing_extra, pip_command, require_extra
from aiconv.testing.processes import cli_env

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_extra_of_the_distribution_is_declared_with_its_modules() -> None:
    """extras.py and pyproject.toml name the same extras (``all`` and ``dev`` are bundles)."""
    declared = set(PYPROJECT["project"]["optional-dependencies"]) - {"all", "dev"}
    assert declared == set(EXTRAS)
    bundle = PYPROJECT["project"]["optional-dependencies"]["all"]
    assert bundle == [f"aiconv[{','.join(EXTRAS)}]"]


def test_a_missing_module_maps_to_the_extra_that_brings_it() -> None:
    assert extra_of("sklearn.feature_extraction") == "learning"
    assert extra_of("google") == "gemini"  # the namespace package of google.genai
    assert extra_of("opentelemetry.sdk.trace") == "otel"
    assert extra_of("json") is None
    error = missing_extra("aic discover", ImportError(name="numpy"), extra="learning")
    assert str(error) == (
        "aic discover needs the 'learning' extra (numpy is not installed): "
        "pip install 'aiconv[learning]'"
    )
    unknown = missing_extra("a plugin", ImportError(name="left_pad"))
    assert isinstance(unknown, MissingExtra) and "'left_pad'" in str(unknown)


def test_an_installed_extra_passes_its_check() -> None:
    """The dev install has every extra: nothing to ask for."""
    for extra in EXTRAS:
        require_extra(extra, "a test")
    assert pip_command("redis") == "pip install 'aiconv[redis]'"


@pytest.fixture(scope="module")
def core_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv holding aiconv's wheel and its core dependencies only."""
    root = tmp_path_factory.mktemp("core")
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(root / "dist"),
        str(ROOT),
    )
    _run(sys.executable, "-m", "venv", str(root / "venv"))
    python = root / "venv" / "bin" / "python"
    _run(str(python), "-m", "pip", "install", "-q", *PYPROJECT["project"]["dependencies"])
    wheel = next((root / "dist").glob("aiconv-*.whl"))
    _run(str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel))
    return python


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=600)


def _aic(python: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "aiconv.cli", *args],
        env=cli_env(env, home=home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.timeout(900)  # the first test builds the venv: a wheel and a pip install
def test_the_core_alone_installs_no_extra_and_runs_an_offline_conversation(
    core_python: Path, tmp_path: Path
) -> None:
    probe = (
        "from aiconv.extras import EXTRAS, absent_module; print([absent_module(e) for e in EXTRAS])"
    )
    absent = subprocess.run(
        [str(core_python), "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "None" not in absent.stdout, f"the core brings an extra: {absent.stdout}"
    done = _aic(
        core_python,
        tmp_path,
        "start",
        "--agent1",
        "mock",
        "--agent2",
        "mock",
        "--max-turns",
        "3",
        "--json",
        "--db",
        str(tmp_path / "runs.db"),
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert len(document["messages"]) == 3
    assert document["summary"]["end_reason"] == "max_turns"


START = ("start", "--agent2", "mock", "--max-turns", "2")


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    ("extra", "args", "env"),
    [
        ("web", ("serve", "--port", "0"), {}),
        ("anthropic", (*START, "--agent1", "claude"), {"ANTHROPIC_API_KEY": "k"}),
        ("openai", (*START, "--agent1", "gpt"), {}),
        ("gemini", (*START, "--agent1", "gemini"), {}),
        ("redis", (*START, "--agent1", "mock", "--log-url", "redis://127.0.0.1:1/0"), {}),
        ("voice", (*START, "--agent1", "mock", "--voice"), {}),
        ("learning", ("discover", "-o", "found.toml"), {}),
        ("learning", ("realism", "run-1"), {}),
        ("mcp", (*START, "--agent1", "mock:tools=auto", "--tools", "mock-1=mcp:stdio:true"), {}),
        (
            "otel",
            (*START, "--agent1", "mock"),
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"},
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_feature_whose_extra_is_missing_says_what_to_install_and_writes_nothing(
    core_python: Path, tmp_path: Path, extra: str, args: tuple[str, ...], env: dict[str, str]
) -> None:
    done = _aic(core_python, tmp_path, *args, **env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.endswith(f"{pip_command(extra)}\n"), done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert list(tmp_path.rglob("*")) == [], "a refused command wrote something"


#: A user's script: calls right (the built-in personas as the README uses them), one wrong (a
#: participant's name is a str).
TYPED_USE = """\
import aiconv


async def main() -> None:
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log, [aiconv.Participant("a", "mock"), aiconv.Participant(2, "mock")], "topic"  # line 7
        )
        reason: str = result.ended.reason if result.ended else "-"
        print(reason, result.summary.cost_usd)
        hurried = aiconv.Participant("c", "mock", persona=aiconv.personas.HURRIED)  # the README's
        print(hurried, aiconv.personas.FRUSTRATED.patience + 1)
"""


@pytest.mark.slow
@pytest.mark.timeout(900)  # builds the venv when it runs first
def test_an_installed_aiconv_is_type_checked_in_its_users_code(
    core_python: Path, tmp_path: Path
) -> None:
    """The README calls the API typed: mypy --strict reads the installed package's annotations
    (its py.typed marker), so a wrong argument is found, not 'missing library stubs'."""
    script = tmp_path / "use_aiconv.py"
    script.write_text(TYPED_USE, encoding="utf-8")
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-executable",
            str(core_python),
            str(script),
        ],
        cwd=tmp_path,
        env=cli_env({"MYPYPATH": ""}, home=tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "import-untyped" not in checked.stdout, checked.stdout
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "[arg-type]" in errors[0] and ":7:" in errors[0], checked.stdout
