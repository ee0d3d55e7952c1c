"""Tables on a narrow terminal (the report's, `aic providers`): task ids, cells and model names,
which a user copies into the next command, are never cut; less important columns give way."""

from __future__ import annotations

import io
import json
import re

import pytest
from click.testing import CliRunner
from rich.console import Console

from aiconv.cli.main import aic
from aiconv.cli.report import print_groups, print_voice

TASKS = [f"banking-dispute-cancelled-subscription-variant-{i}" for i in range(3)]


def group(successes: int) -> dict[str, object]:
    return {
        "success": {
            "rate": successes / 2,
            "ci95": [0.094, 0.905],
            "successes": successes,
            "total": 2,
        },
        "pass_hat_k": [{"k": 1, "value": successes / 2}, {"k": 2, "value": 0.0}],
        "outcomes": {"passed": successes, "failed": 2 - successes},
    }


@pytest.mark.parametrize("width", [60, 80, 120])
def test_task_ids_and_cells_are_never_cut(width: int) -> None:
    doc = {
        "by_persona": {"neutral": group(1)},
        "by_intent": {},
        "by_task": {task: group(i % 3) for i, task in enumerate(TASKS)},
        "cells": [
            {
                "cell": f"neutral/{task}",
                "n": 2,
                "successes": 1,
                "pass_hat_k": [0.5, 0.0],
                "pass_at_k": 1.0,
            }
            for task in TASKS
        ],
    }
    out = io.StringIO()
    print_groups(Console(file=out, width=width, color_system=None), doc)
    text = out.getvalue()
    assert all(len(line) <= width for line in text.splitlines())
    for task in TASKS:
        assert task in text and f"neutral/{task}" in text
    assert not re.search(r"…\s*[│┃]", text), "a cell was shortened"


@pytest.mark.parametrize("width", ["40", "60", "100"])
def test_providers_never_cut_a_model_name(width: str) -> None:
    listed = json.loads(CliRunner().invoke(aic, ["providers", "--json"]).stdout)
    result = CliRunner(env={"COLUMNS": width}).invoke(aic, ["providers"])
    assert result.exit_code == 0, result.stderr
    assert all(len(line) <= int(width) for line in result.stdout.splitlines())
    for row in listed:
        assert row["default_model"] in result.stdout


@pytest.mark.parametrize("width", ["30", "40", "60", "100"])
def test_providers_never_leave_out_an_agent_id(width: str) -> None:
    """The agent ids are what a user copies into --agent1: a narrow terminal keeps them."""
    listed = json.loads(CliRunner().invoke(aic, ["providers", "--json"]).stdout)
    result = CliRunner(env={"COLUMNS": width}).invoke(aic, ["providers"])
    assert result.exit_code == 0, result.stderr
    words = set(re.findall(r"[\w.-]+", result.stdout))
    for row in listed:
        assert set(row["aliases"]) <= words, row["aliases"]


def voice_group(calls: int) -> dict[str, object]:
    return {
        "conversations": calls,
        "wer": {"customer": 0.614, "support": 0.549},
        "response_gap_p50_s": 0.25,
        "response_gap_p95_s": 0.253,
        "time_to_first_audio_s": 0.109,
        "overlap_s_mean": 0.15,
        "interruptions": 2,
    }


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_voice_table_cuts_no_header_and_no_persona(width: int) -> None:
    """The report's voice section at 80 columns printed its last header as 'interrup…'."""
    personas = ["elderly", "frustrated-and-in-a-hurry-customer"]
    voice = {"overall": voice_group(2), "by_persona": {p: voice_group(1) for p in personas}}
    out = io.StringIO()
    print_voice(Console(file=out, width=width, color_system=None), voice)
    text = out.getvalue()
    assert all(len(line) <= width for line in text.splitlines())
    assert "…" not in text
    for persona in personas:
        assert persona in text
