"""A third-party plugin package, installed into a venv, adds an agent that aic-start can use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aiconv.testing.processes import cli_env
from tests.plugin_venv import venv_with

PLUGIN_MODULE = '''
"""A tiny aiconv plugin: the ``shout`` agent repeats the last message in capitals."""
from dataclasses import replace

from aiconv.agents.messages import ChatReply, ChatRequest, Usage
from aiconv.agents.registry import AgentSpec, Vendor


class ShoutProvider:
    name = "shout"

    def __init__(self, model: str) -> None:
        self.model = model

    async def complete(self, request: ChatRequest, *, on_delta=None) -> ChatReply:
        heard = request.messages[-1].content if request.messages else request.system
        return ChatReply(content=heard.upper() + "!", model=self.model, usage=Usage(), cost_usd=0.0)

    async def aclose(self) -> None:
        pass


def _build(spec: AgentSpec, key: str | None) -> ShoutProvider:
    return ShoutProvider(spec.model)


VENDOR = Vendor(
    name="shout", aliases=("loud",), default_model="shout-1", factory=_build, offline=True,
    description="repeats the last message in capitals",
)
'''

PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "aiconv-shout"
version = "0.3.0"

[tool.hatch.build.targets.wheel]
include = ["aiconv_shout.py"]

[project.entry-points."aiconv.providers"]
shout = "aiconv_shout:VENDOR"
"""


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv that sees aiconv (through a .pth file) and has the plugin pip-installed."""
    root = tmp_path_factory.mktemp("plugin")
    source = root / "aiconv-shout"
    source.mkdir()
    (source / "aiconv_shout.py").write_text(textwrap.dedent(PLUGIN_MODULE))
    (source / "pyproject.toml").write_text(PYPROJECT)
    return venv_with(root, source)


def _aic(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "aiconv.cli", *args],
        env=cli_env(home=cwd),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_aic_start_uses_an_agent_from_an_installed_plugin(
    plugin_venv: Path, tmp_path: Path
) -> None:
    done = _aic(
        plugin_venv,
        "start",
        "--agent1",
        "loud",
        "--agent2",
        "echo",
        "--max-turns",
        "3",
        "--topic",
        "hello there",
        "--json",
        "--db",
        str(tmp_path / "runs.db"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    first = document["messages"][0]
    assert (first["sender"], first["content"], first["model"]) == (
        "loud",
        "HELLO THERE!",
        "shout-1",
    )
    assert document["summary"]["end_reason"] == "max_turns"


@pytest.mark.slow
def test_aic_plugins_lists_the_plugin_with_its_distribution(
    plugin_venv: Path, tmp_path: Path
) -> None:
    done = _aic(plugin_venv, "plugins", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = {(p["group"], p["name"]): p for p in json.loads(done.stdout)["plugins"]}
    shout = found[("aiconv.providers", "shout")]
    assert (shout["distribution"], shout["version"]) == ("aiconv-shout", "0.3.0")
    assert found[("aiconv.providers", "offline")]["distribution"] == "aiconv"
    providers = _aic(plugin_venv, "providers", cwd=tmp_path)
    assert "shout" in providers.stdout and "loud" in providers.stdout


def _installed_plugin(root: Path, module: str, entry_point: str) -> Path:
    """A distribution ``aiconv-broken`` 0.1 on a folder of the path, as pip lays one out (its
    ``.dist-info`` with METADATA and entry points beside its module)."""
    info = root / "aiconv_broken-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: aiconv-broken\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[aiconv.providers]\n{entry_point}\n")
    (root / "aiconv_broken.py").write_text(module)
    return root


@pytest.mark.parametrize(
    ("module", "entry_point", "says"),
    [
        ('raise RuntimeError("no config")\n', "broken = aiconv_broken:VENDOR", "no config"),
        ("def (\n", "broken = aiconv_broken:VENDOR", "SyntaxError"),
        ("X = 1\n", "broken = aiconv_broken:VENDOR", "has no attribute 'VENDOR'"),
        ("import sys\nsys.exit(3)\n", "broken = aiconv_broken:VENDOR", "SystemExit"),
    ],
)
def test_a_plugin_that_fails_to_load_is_one_line_naming_it(
    tmp_path: Path, module: str, entry_point: str, says: str
) -> None:
    """An installed provider plugin whose module raises (or exits) while it is imported was a
    traceback, exit code 1, from every command that reads the providers; ``sys.exit()`` in it
    ended ``aic-start`` silently with its code. Asking for its agent is one line, exit 2."""
    env = _env_with_broken_plugin(tmp_path, module, entry_point)
    for seat in ("--agent1", "--agent2"):  # asked for second too: no warning before the error
        result = _run(env, tmp_path, "start", seat, "broken", "--db", str(tmp_path / "runs.db"))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.splitlines()
        assert line.startswith("error: aiconv.providers 'broken' (aiconv-broken 0.1)"), line
        assert says in line
        assert not (tmp_path / "runs.db").exists()


def test_a_broken_plugin_does_not_stop_work_that_does_not_use_it(tmp_path: Path) -> None:
    """A broken plugin made every command that reads the providers fail (``aic-start`` with two
    mock agents too): now it is one warning naming it, and ``aic providers`` lists it broken."""
    env = _env_with_broken_plugin(
        tmp_path, 'raise RuntimeError("no config")\n', "broken = aiconv_broken:VENDOR"
    )
    db = str(tmp_path / "runs.db")
    result = _run(env, tmp_path, "start", "--db", db, "--max-turns", "2")
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert line == (
        "warning: aiconv.providers 'broken' (aiconv-broken 0.1) failed to load:"
        " RuntimeError: no config; fix or uninstall it"
    )
    assert (tmp_path / "runs.db").exists()
    mistyped = _run(env, tmp_path, "start", "--agent1", "brokn", "--db", db)
    assert mistyped.returncode == 2, mistyped.stderr
    assert "unknown agent 'brokn'" in mistyped.stderr
    assert "failed to load: broken" in mistyped.stderr
    listed = _run(env, tmp_path, "providers", "--json")
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == ""
    (row,) = [r for r in json.loads(listed.stdout) if r["vendor"] == "broken"]
    assert row["key"] == "broken"
    assert "(aiconv-broken 0.1) failed to load: RuntimeError: no config" in row["description"]
    assert "mock" in [r["vendor"] for r in json.loads(listed.stdout)]


def _env_with_broken_plugin(tmp_path: Path, module: str, entry_point: str) -> dict[str, str]:
    site = _installed_plugin(tmp_path / "site", module, entry_point)
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)
    return cli_env({"PYTHONPATH": path}, home=tmp_path)


def _run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiconv.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
