"""The documented second domain (examples/domains/retail), installed as a distribution: it
registers itself, its tasks load against it, and one plays end to end with the offline task
user against a scripted agent."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from aiconv.testing.processes import cli_env
from tests.plugin_venv import venv_with

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "domains" / "retail"

PLAY = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path

    from aiconv.environments.domain import domain_named
    from aiconv.errors import ScenarioError
    from aiconv.simulation.tasks import expected_state, load_tasks
    from tests.environments.conversation import run_task

    domain = domain_named("retail")
    tasks = load_tasks(domain.task_files[0])
    ends = {t.id: str(expected_state(t, domain, strict=True).orders["W-1042"].refunded)
            for t in tasks}
    bad = Path(sys.argv[2])
    bad.write_text("id: x\\ndomain: retail\\nuser_scenario: {instructions: hi}\\n"
                   "evaluation_criteria:\\n  actions: [{name: refund_everything}]\\n")
    try:
        load_tasks(bad)
        refused = ""
    except ScenarioError as exc:
        refused = str(exc)
    ran = asyncio.run(run_task(tasks[0], agent="script:" + sys.argv[1]))
    print(json.dumps({
        "tasks": [t.id for t in tasks], "refunded": ends, "refused": refused,
        "same_end": ran.reached == ran.expected,
        "ended": ran.state.ended and ran.state.ended.reason,
        "agent": ran.agent_lines, "customer": ran.customer_lines,
    }))
    """
)


@pytest.fixture(scope="module")
def retail_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("retail")
    source = root / "retail"
    shutil.copytree(EXAMPLE, source)
    return venv_with(root, source)


@pytest.mark.slow
def test_the_retail_example_registers_loads_and_plays(retail_python: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(retail_python),
            "-c",
            PLAY,
            str(EXAMPLE / "return-blender.jsonl"),
            str(tmp_path / "bad.yaml"),
        ],
        cwd=REPO,
        env=cli_env(home=tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["tasks"] == ["retail-return-blender", "retail-cancel-kettle", "retail-late-return"]
    assert found["refunded"] == {
        "retail-return-blender": "89.99",
        "retail-cancel-kettle": "0.00",
        "retail-late-return": "0.00",
    }
    assert "bad.yaml:5: evaluation_criteria.actions[0].name" in found["refused"]  # its line
    assert "unknown tool 'refund_everything' in retail" in found["refused"]
    assert found["same_end"] is True
    assert found["ended"] == "satisfied"
    assert any("$89.99" in line for line in found["agent"])
    assert found["customer"][1].count("mia.li@example.com") == 1  # asked for, then given
    assert "W-1042" in found["customer"][2]
