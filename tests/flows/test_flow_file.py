"""Flow files: the example loads; every bad file is one line naming the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiconv.agents.catalog import default_registry
from aiconv.errors import ConfigError, ScenarioError
from aiconv.flows.file import load_flow
from tests.flows.conftest import EXAMPLE

GOOD = EXAMPLE.read_text(encoding="utf-8")


def test_the_example_flow_has_the_seed_designs_stages(tmp_path: Path) -> None:
    flow = load_flow(EXAMPLE)
    assert [s.name for s in flow.stages] == [
        "INITIAL",
        "COLLECTING_BASICS",
        "EXPLORING_TOOLS",
        "CONFIGURING_TOOLS",
        "REVIEWING_WORKFLOW",
        "FINALIZING",
        "COMPLETED",
    ]
    assert flow.stage("COLLECTING_BASICS").threshold == 0.6
    assert flow.stage("COLLECTING_BASICS").transitions[0].requires == (
        "agent_type",
        "goals",
        "tone",
    )
    assert flow.history == 8
    assert flow.agents() == ["extractor"]


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in GOOD
    path = tmp_path / "flow.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("old", "new", "marker", "message"),
    [
        (
            'to = "EXPLORING_TOOLS"',
            'to = "EXPLORING"',
            'to = "EXPLORING"',
            "stages[1].transitions[0].to: unknown stage 'EXPLORING'",
        ),
        (
            'collect = ["confirmed"]',
            'collect = ["confirm"]',
            'collect = ["confirm"]',
            "stages[4].collect[0]: unknown field 'confirm'",
        ),
        (
            "when = { tools_needed = true }",
            "when = { tool_needed = true }",
            "tool_needed = true",
            "stages[2].transitions[0].when: unknown field 'tool_needed'",
        ),
        (
            'schema = { type = "boolean" }',
            'schema = { type = "bool" }',
            'type = "bool"',
            "fields.tools_needed.schema.type: 'bool' is not a JSON Schema type",
        ),
        (
            'schema = { type = "string", minLength = 1, maxLength = 60 }',
            'schema = { type = "string", pattern = "^[A-Z]" }',
            "pattern =",
            "fields.agent_name.schema.pattern: unsupported JSON Schema keyword",
        ),
        (
            'prompt = "Great."',
            'prompt = "Great, {agent}."',
            "Great, {agent}",
            "stages[5].prompt: unknown field 'agent'",
        ),
        # a format spec or conversion: a width of 10^12 was a MemoryError traceback when the
        # stage was entered, the conversation written and ended by it
        (
            'prompt = "Great."',
            'prompt = "Great, {agent_name:>999999999999}."',
            "Great, {agent_name:",
            "stages[5].prompt: '{agent_name:>999999999999}' is not a placeholder: write "
            "{agent_name}",
        ),
        (
            'prompt = "Great."',
            'prompt = "Great, {agent_name!r}."',
            "Great, {agent_name!r}",
            "stages[5].prompt: '{agent_name!r}' is not a placeholder: write {agent_name}",
        ),
        (
            'clear = ["confirmed"]',
            'clear = ["confirmation"]',
            'clear = ["confirmation"]',
            "stages[4].transitions[1].clear: unknown field 'confirmation'",
        ),
        (
            "threshold = 0.6 ",
            "threshold = 1.5 ",
            "threshold = 1.5",
            "threshold: Input should be less",
        ),
        (
            "threshold = 0.6 ",
            "threshold = nan ",
            "threshold = nan",
            "threshold: Input should be a finite number",
        ),
        (
            'schema = { type = "boolean" }',
            'schema = { type = "number", minimum = nan }',
            "minimum = nan",
            "fields.tools_needed.schema.minimum: must be a finite number",
        ),
        # a table or a boolean where a schema keyword takes a name or a count: a TypeError
        # traceback (unhashable type: 'dict'), or taken as the count 1
        (
            'schema = { type = "boolean" }',
            "schema = { type = {} }",
            "type = {}",
            "fields.tools_needed.schema.type: {} is not a JSON Schema type",
        ),
        (
            'schema = { type = "boolean" }',
            'schema = { type = "object", properties = { a = { type = "string" } }, '
            "required = [{}] }",
            "required = [{}]",
            "fields.tools_needed.schema.required: must list names of properties",
        ),
        (
            'schema = { type = "boolean" }',
            'schema = { type = "string", maxLength = true }',
            "maxLength = true",
            "fields.tools_needed.schema.maxLength: must be a whole number",
        ),
        (
            "when = { tools_needed = true }",
            'when = { tools_needed = "yes" }',
            'tools_needed = "yes"',
            "stages[2].transitions[0].when.tools_needed: 'yes' is not of type boolean",
        ),
        (
            "final = true",
            "final = false",
            "final = false",
            "stages[6].final: no stage is final: the flow could never finish",
        ),
        (
            'to = "EXPLORING_TOOLS"',
            'to = "INITIAL"',
            "final = true",
            "stages[6].final: stage 'COMPLETED' cannot be reached from 'INITIAL' through the "
            "transitions: the flow could never finish",
        ),
    ],
)
def test_a_bad_flow_file_names_its_line_and_field(
    tmp_path: Path, old: str, new: str, marker: str, message: str
) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(ScenarioError) as caught:
        load_flow(path)
    text = str(caught.value)
    assert text.startswith(f"{path}:{line_of(path, marker)}: {message}")
    assert "\n" not in text


AGENT_LINE = 'agent = "claud"'


def test_an_unknown_stage_agent_is_named_with_its_line(tmp_path: Path) -> None:
    path = broken(tmp_path, 'name = "FINALIZING"', 'name = "FINALIZING"\nagent = "claud"')
    registry = default_registry()
    with pytest.raises(ConfigError) as caught:
        registry.preflight(registry.resolve(f"flow:{path}"))
    assert str(caught.value).startswith(f"{path}:{line_of(path, AGENT_LINE)}: stages[5].agent: ")
    assert "unknown agent 'claud' (did you mean 'claude'?)" in str(caught.value)


def test_a_stage_agent_cannot_be_a_flow(tmp_path: Path) -> None:
    path = broken(tmp_path, 'extractor = "extractor"', 'extractor = "flow:other.toml"')
    with pytest.raises(ScenarioError, match=r"flow.toml:\d+: extractor: a stage agent cannot"):
        load_flow(path)


def test_a_stage_agent_needs_its_key(tmp_path: Path) -> None:
    path = broken(tmp_path, 'name = "FINALIZING"', 'name = "FINALIZING"\nagent = "claude"')
    registry = default_registry()
    spec = registry.resolve(f"flow:{path}")
    registry.preflight(spec)
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        registry.key_for(spec, {})
