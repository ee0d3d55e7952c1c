"""Flows through the CLI as real subprocesses: a flow participant in aic-start, its data in
aic show and aic export --format flow-data, and a bad flow file refused before anything is
written."""

from __future__ import annotations

import json
from pathlib import Path

from aiconv.testing.processes import cli_env, run_aic
from tests.flows.conftest import EXAMPLE

USER = """Hello! I need help designing an agent.

It is an IT helpdesk agent. My goals is reset passwords and unlock accounts. Concise tone.

Yes, it needs ticketing.

ticketing: open and update tickets

Yes.

My agent name is Hal.
"""


def test_a_flow_participant_collects_and_exports_its_data(tmp_path: Path) -> None:
    db, script = tmp_path / "runs.db", tmp_path / "user.txt"
    script.write_text(USER)
    started = run_aic(
        "start",
        "--agent1",
        f"script:{script}",
        "--name1",
        "user",
        "--agent2",
        f"flow:{EXAMPLE}",
        "--name2",
        "designer",
        "--max-turns",
        "20",
        "--db",
        str(db),
        "--json",
    )
    assert started.returncode == 0, started.stderr
    document = json.loads(started.stdout)
    cid = document["conversation_id"]
    assert document["flows"][0]["values"]["tools"] == ["ticketing"]
    shown = run_aic("show", cid, "--db", str(db))
    assert "designer enters CONFIGURING_TOOLS (has tools_needed=yes)" in shown.stdout
    assert 'designer read: agent_type="it_helpdesk" 0.90 ✓' in shown.stdout
    assert "designer collected (agent-designer, complete)" in shown.stdout
    exported = run_aic("export", cid, "--format", "flow-data", "--db", str(db))
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)["flows"][0]
    assert data["participant"] == "designer" and data["complete"] is True
    assert data["values"]["agent_name"] == "Hal"
    assert data["output"]["system_prompt"].startswith("You are Hal, a concise it helpdesk agent.")


def test_flow_data_of_a_conversation_without_a_flow_is_an_error(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    started = run_aic("start", "--max-turns", "2", "--db", str(db), "--json")
    cid = json.loads(started.stdout)["conversation_id"]
    exported = run_aic("export", cid, "--format", "flow-data", "--db", str(db))
    assert exported.returncode == 2
    assert (
        exported.stderr.strip()
        == f"error: conversation {cid} has no flow participant (no flow data)"
    )


def test_a_bad_flow_file_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    db, bad = tmp_path / "runs.db", tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace('to = "FINALIZING"', 'to = "FINAL"'))
    result = run_aic("start", "--agent2", f"flow:{bad}", "--db", str(db))
    assert result.returncode == 2
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if 'to = "FINAL"' in t)
    assert result.stderr.strip().startswith(
        f"error: {bad}:{line}: stages[4].transitions[0].to: unknown stage 'FINAL'"
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == [bad]


def test_a_stage_agent_whose_server_here_is_not_running_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    """A flow routing a stage to a local model (``agent = "ollama:llama3"``) with Ollama not
    running was started anyway: the conversation was written and ended at the flow's first turn
    as provider_unavailable after four attempts, exit 0. A seat's own server is checked before
    anything is written (exit 1, one line); its stage agents' servers now are too."""
    db, flow = tmp_path / "runs.db", tmp_path / "routed.toml"
    text = EXAMPLE.read_text()
    basics = 'collect = ["agent_type", "goals", "tone"]\n'
    assert basics in text
    flow.write_text(text.replace(basics, basics + 'agent = "ollama:llama3"\n', 1))
    env = {**cli_env(), "OLLAMA_HOST": "127.0.0.1:1"}
    result = run_aic("start", "--agent2", f"flow:{flow}", "--db", str(db), env=env)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ollama:llama3: nothing answers at 127.0.0.1:1" in lines[0]
    assert sorted(tmp_path.iterdir()) == [flow]
