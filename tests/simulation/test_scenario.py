"""Scenario and persona files: the example loads; every error names file, line and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aiconv.errors import ScenarioError
from aiconv.simulation.scenario import load_personas, load_scenario
from tests.simulation.conftest import MINIMAL

Write = Callable[[str, str], Path]
EXAMPLE = Path(__file__).parents[2] / "examples" / "scenarios.toml"


def test_the_shipped_example_loads_with_builtin_and_file_personas() -> None:
    scenario = load_scenario(EXAMPLE)
    assert [p.name for p in scenario.personas] == [
        "typical",
        "frustrated",
        "elderly",
        "hurried",
        "skeptical",
    ]
    assert scenario.outcomes.slugs == ("resolved", "escalated", "abandoned")
    assert scenario.outcomes.successes == frozenset({"resolved"})
    assert len(scenario.cells()) == 10
    cancel = scenario.intents[0]
    assert cancel.goal is not None and cancel.goal.max_turns == 7
    assert scenario.evaluator.rules is not None


def test_minimal_file_gets_defaults(write: Write) -> None:
    scenario = load_scenario(write("s.toml", MINIMAL))
    assert scenario.customer.name == "customer" and scenario.agent.name == "support"
    assert scenario.limits.max_turns == 20 and scenario.time == "fast"


def test_a_bad_value_names_the_file_line_and_field(write: Write) -> None:
    text = MINIMAL + '\n[[intents]]\nname = "b"\ndescription = "x"\n[intents.goal]\n'
    text += 'primary = "p"\nmax_turns = 0\n'
    path = write("s.toml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    line = text.splitlines().index("max_turns = 0") + 1
    assert f"{path}:{line}: intents[1].goal.max_turns:" in str(caught.value)
    assert "greater than 0" in str(caught.value)


def test_a_goal_written_as_text_is_its_primary_goal(write: Write) -> None:
    """``goal = "…"`` on an intent was "Input should be a valid dictionary": the goal is a
    primary goal first, the rest (secondary, criteria, conditions, turn limit) optional."""
    text = MINIMAL.replace(
        'description = "Get a refund for a broken kettle"\n',
        'description = "Get a refund for a broken kettle"\ngoal = "Get the kettle refunded"\n',
    )
    scenario = load_scenario(write("s.toml", text))
    goal = scenario.intents[0].goal
    assert goal is not None and goal.primary == "Get the kettle refunded"
    assert (goal.secondary, goal.success_criteria, goal.max_turns) == ((), (), None)
    empty = write("e.toml", text.replace('"Get the kettle refunded"', '""'))
    with pytest.raises(ScenarioError, match=r"intents\[0\]\.goal\.primary: String should have"):
        load_scenario(empty)


def test_an_unknown_key_is_an_error_on_its_line(write: Write) -> None:
    text = MINIMAL.replace('agent = "mock"', 'agent = "mock"\nsytem = "typo"')
    path = write("s.toml", text)
    line = text.splitlines().index('sytem = "typo"') + 1
    with pytest.raises(ScenarioError, match=rf"{path}:{line}: agent\.sytem: Extra inputs"):
        load_scenario(path)


def test_outcome_slugs_must_be_lowercase_and_unique(write: Write) -> None:
    text = MINIMAL.replace('slug = "abandoned"', 'slug = "Abandoned"')
    upper = write("u.toml", text)
    line = text.splitlines().index('slug = "Abandoned"') + 1
    with pytest.raises(ScenarioError, match=rf"u\.toml:{line}: outcomes\[1\]\.slug: String should"):
        load_scenario(upper)
    twice = write("t.toml", MINIMAL.replace('slug = "abandoned"', 'slug = "resolved"'))
    with pytest.raises(ScenarioError, match=r"t\.toml:\d+: outcomes: .*repeated: resolved"):
        load_scenario(twice)


def test_undecided_is_reserved(write: Write) -> None:
    path = write("s.toml", MINIMAL.replace('slug = "abandoned"', 'slug = "undecided"'))
    with pytest.raises(ScenarioError, match="reserved"):
        load_scenario(path)


def test_a_rule_naming_an_outcome_outside_the_schema_is_rejected(write: Write) -> None:
    path = write("s.toml", MINIMAL.replace('outcome = "resolved"', 'outcome = "refunded"'))
    with pytest.raises(ScenarioError, match="'refunded' is not in the outcome schema"):
        load_scenario(path)


def test_an_unknown_persona_names_its_line(write: Write) -> None:
    path = write("s.toml", MINIMAL.replace('["typical"]', '["typical", "pirate"]'))
    with pytest.raises(ScenarioError, match=r"s\.toml:3: personas\[1\]: unknown persona 'pirate'"):
        load_scenario(path)


def test_toml_syntax_errors_name_the_line(write: Write) -> None:
    path = write("s.toml", MINIMAL.replace("repeat = 1", "repeat = = 1"))
    with pytest.raises(ScenarioError, match=rf"{path}: .*line 2"):
        load_scenario(path)


def test_yaml_scenarios_report_lines_too(write: Write) -> None:
    text = """\
name: unit
personas: [typical]
agent:
  agent: mock
intents:
  - name: refund
    description: Get a refund
outcomes:
  - slug: resolved
    success: true
limits:
  max_turns: -3
"""
    path = write("s.yaml", text)
    with pytest.raises(ScenarioError, match=rf"{path}:12: limits\.max_turns: Input should be"):
        load_scenario(path)


def test_persona_files_hold_one_or_many_personas(write: Write) -> None:
    one = write("one.toml", 'name = "shy"\npatience = 9\n')
    assert [p.name for p in load_personas(one)] == ["shy"]
    many = write("many.yaml", "personas:\n  - name: a\n  - name: b\n    clarity: 0.2\n")
    assert [p.clarity for p in load_personas(many)] == [0.7, 0.2]


def test_persona_ranges_are_validated_with_lines(write: Write) -> None:
    path = write("p.yaml", "personas:\n  - name: a\n  - name: b\n    patience: 11\n")
    with pytest.raises(ScenarioError, match=rf"{path}:4: personas\[1\]\.patience: .*less than"):
        load_personas(path)


def test_a_judge_evaluator_needs_an_agent(write: Write) -> None:
    path = write("s.toml", MINIMAL.replace("[evaluator]", '[evaluator]\nkind = "judge"'))
    with pytest.raises(ScenarioError, match=r"evaluator: .*needs agent"):
        load_scenario(path)


def test_further_participants_need_name_role_and_agent(write: Write) -> None:
    extra = '\n[[participants]]\nname = "lead"\nrole = "supervisor"\nagent = "mock"\n'
    scenario = load_scenario(write("s.toml", MINIMAL + extra))
    assert [(s.name, s.role) for s in scenario.extras] == [("lead", "supervisor")]
    incomplete = write("i.toml", MINIMAL + '\n[[participants]]\nname = "lead"\nagent = "mock"\n')
    with pytest.raises(ScenarioError, match=r"participants: .*needs name, role and agent"):
        load_scenario(incomplete)
    clash = write("c.toml", MINIMAL + extra.replace('"lead"', '"support"'))
    with pytest.raises(ScenarioError, match="repeated: support"):
        load_scenario(clash)


def test_the_customer_double_texts_by_persona_not_by_seat(write: Write) -> None:
    path = write("s.toml", MINIMAL + '\n[customer]\nagent = "mock"\nagain = 0.5\n')
    with pytest.raises(ScenarioError, match="comes from its persona's `interrupts`"):
        load_scenario(path)


def test_a_password_in_an_external_agents_url_is_refused_and_never_shown(write: Write) -> None:
    """The URL is recorded with every conversation: credentials go in ``headers``."""
    text = MINIMAL.replace('agent = "mock"', 'url = "https://bot:hunter2pw@agent.example/chat"')
    path = write("s.toml", text)
    with pytest.raises(ScenarioError, match=r"agent\.url: .*carries credentials") as caught:
        load_scenario(path)
    assert "hunter2pw" not in str(caught.value)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_and_infinities_are_refused_in_a_scenario_file(write: Write, value: str) -> None:
    text = MINIMAL + f"\n[limits]\ntimeout_s = {value}\n"
    path = write("s.toml", text)
    with pytest.raises(ScenarioError, match=r"limits\.timeout_s: Input should be a finite"):
        load_scenario(path)


def test_a_rule_of_the_file_reads_as_ours_not_as_pydantic_wording(write: Write) -> None:
    """'(top level): a scenario with intents needs [[outcomes]]', without pydantic's 'Value
    error, ' in front of the sentence that says what to fix."""
    text = MINIMAL.split("[[outcomes]]")[0] + '[evaluator]\ndefault = "abandoned"\n'
    with pytest.raises(ScenarioError) as raised:
        load_scenario(write("s.toml", text))
    assert "needs [[outcomes]]" in str(raised.value)
    assert "Value error" not in str(raised.value), raised.value


def test_the_issues_words_for_repetitions_goals_and_style_are_read(write: Write) -> None:
    """Issue 7 writes "repetitions `k`", "primary goal, secondary goals, … a turn limit" and
    "communication style": each was "Extra inputs are not permitted"."""
    text = MINIMAL.replace("repeat = 1\n", "k = 3\n").replace(
        'description = "Get a refund for a broken kettle"\n',
        'description = "Get a refund for a broken kettle"\n[intents.goal]\n'
        'primary_goal = "Get the kettle refunded"\nsecondary_goals = ["An apology"]\n'
        "turn_limit = 6\n",
    )
    text = text.replace(
        'personas = ["typical"]\n',
        'personas = ["typical", { name = "terse", communication_style = "One word." }]\n',
    )
    scenario = load_scenario(write("s.toml", text))
    goal = scenario.intents[0].goal
    assert scenario.repeat == 3
    assert goal is not None and goal.primary == "Get the kettle refunded"
    assert (goal.secondary, goal.max_turns) == (("An apology",), 6)
    assert [p.style for p in scenario.personas if p.name == "terse"] == ["One word."]
    both = write("b.toml", text.replace("k = 3\n", "k = 3\nrepeat = 2\n"))
    with pytest.raises(ScenarioError, match="Extra inputs"):
        load_scenario(both)
