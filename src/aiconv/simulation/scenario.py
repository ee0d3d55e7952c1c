"""Scenario and persona files (TOML or YAML): validated with pydantic at this edge, turned into
frozen values. Every error names the file, the line and the field, e.g.
``scenarios.toml:14: intents[1].goal.max_turns: Input should be greater than 0``.

See ``examples/scenarios.toml`` for the format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pydantic

from aiconv.agents.toolbox import recorded_reference, split_reference
from aiconv.errors import ScenarioError
from aiconv.simulation import locate, suites
from aiconv.simulation.arbitration import Arbitration
from aiconv.simulation.documents import EvaluatorModel, ScenarioModel, SeatModel, persona_models
from aiconv.simulation.evaluators import OutcomeRule, RuleEvaluator
from aiconv.simulation.files import read_document, validation_error
from aiconv.simulation.intents import AGENT, CUSTOMER, Goal, Intent
from aiconv.simulation.outcomes import TASK_OUTCOMES, Outcome, OutcomeSchema
from aiconv.simulation.personas import BUILTIN, NEUTRAL, Persona


@dataclass(frozen=True, slots=True, kw_only=True)
class Seat:
    """A participant of every conversation: the agent under test, the simulated customer, or
    another role (e.g. a supervisor) listed under ``[[participants]]``."""

    name: str
    role: str
    agent: str = "mock"
    model: str | None = None
    system: str = ""
    url: str | None = None
    format: str = "webhook"
    timeout_s: float = 30.0
    headers: Mapping[str, str] = field(default_factory=dict)
    again: float = 0.0
    max_streak: int | None = None
    #: Response cache mode (off, use, record, replay); None: the run's default.
    cache: str | None = None
    #: The agent under test's label in a matrix run (empty otherwise).
    label: str = ""
    #: Tool references (relative paths resolved against the scenario file's folder).
    tools: tuple[str, ...] = ()
    #: Sampling settings of this seat's model (e.g. a reproducible simulated user).
    temperature: float | None = None
    seed: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Stop rules every conversation of the scenario starts with."""

    max_turns: int = 20
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    timeout_s: float | None = None
    loop_policy: str = "end"
    max_tool_rounds: int = 8
    tool_timeout_s: float = 60.0
    closing: str = "mutual"


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluatorConfig:
    """``rules`` (a ``RuleEvaluator``) or ``judge`` (an LLM judge on agent ``judge_agent``)."""

    kind: str
    rules: RuleEvaluator | None = None
    judge_agent: str | None = None
    judge_model: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """One persona with one intent or one task (``task`` is a ``tasks.Task``)."""

    persona: Persona
    intent: Intent | None = None
    task: Any = None

    @property
    def key(self) -> str:
        """``persona/intent`` or ``persona/task``."""
        target = self.intent.name if self.intent is not None else self.task.id
        return f"{self.persona.name}/{target}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A whole scenario file, validated."""

    name: str
    source: str
    agent: Seat
    customer: Seat
    extras: tuple[Seat, ...] = ()
    personas: tuple[Persona, ...]
    intents: tuple[Intent, ...]
    outcomes: OutcomeSchema
    evaluator: EvaluatorConfig
    arbitration: Arbitration | None = None
    limits: Limits = Limits()
    repeat: int = 1
    seed: int = 0
    time: str = "fast"
    lease_s: float = 30.0
    #: Agents under test run side by side (a matrix); empty: ``agent`` alone.
    agents: tuple[Seat, ...] = ()
    #: Task suites (``suites.py``): the domain, its tasks, whether personas × tasks are
    #: crossed, and explicit cells.
    domain: str | None = None
    tasks: tuple[Any, ...] = ()
    cross: bool = True
    explicit_cells: tuple[Cell, ...] = ()

    def cells(self) -> list[Cell]:
        """Every persona × intent and persona × task (unless ``cross`` is off), personas
        first, then the explicit cells not already among them."""
        crossed: list[Cell] = []
        if self.cross:
            users = self.personas or (NEUTRAL,)
            crossed = [Cell(persona=p, intent=i) for p in self.personas for i in self.intents]
            crossed += [Cell(persona=p, task=t) for p in users for t in self.tasks]
        keys = {c.key for c in crossed}
        return crossed + [c for c in self.explicit_cells if c.key not in keys]

    def variants(self) -> list[Scenario]:
        """One scenario per agent under test (``agent`` set to it, labelled), or itself."""
        if not self.agents:
            return [self]
        return [replace(self, agent=seat, agents=()) for seat in self.agents]

    def with_agents(self, agent_ids: Sequence[str]) -> Scenario:
        """A matrix of ``agent_ids`` (``--agent``), each over ``agent``'s settings."""
        seats = [replace(self.agent, agent=a, model=None, url=None) for a in agent_ids]
        return replace(self, agents=labelled(seats))


def label_of(seat: Seat) -> str:
    """An agent's label from its id: ``gpt:gpt-4o`` -> ``gpt-gpt-4o``."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", seat.url or seat.agent).strip("-.")
    return text[:40] or "agent"


def labelled(seats: Sequence[Seat]) -> tuple[Seat, ...]:
    """``seats`` with labels (given or from the agent id); ScenarioError when two coincide."""
    result = tuple(s if s.label else replace(s, label=label_of(s)) for s in seats)
    labels = [s.label for s in result]
    if repeated := sorted({x for x in labels if labels.count(x) > 1}):
        raise ScenarioError(f"agents under test need distinct labels (set label = …): {repeated}")
    return result


def load_personas(path: Path) -> list[Persona]:
    """The personas of a TOML/YAML persona file (one persona, or a ``personas`` list)."""
    data, lines = read_document(path)
    try:
        models = persona_models(data)
    except pydantic.ValidationError as exc:
        raise validation_error(path, lines, exc) from None
    return [_persona(path, lines, m.model_dump(), ("personas", i)) for i, m in enumerate(models)]


def _persona(
    path: Path, lines: dict[locate.Path, int], data: dict[str, Any], loc: locate.Path
) -> Persona:
    try:
        return Persona(**{**data, "traits": tuple(data.get("traits", ()))})
    except ScenarioError as exc:
        line = locate.line_of(lines, loc)
        raise ScenarioError(f"{path}:{line}: {locate.dotted(loc)}: {exc}") from None


def load_scenario(path: Path) -> Scenario:
    """The scenario in ``path``; ScenarioError names the file, line and field of a problem."""
    data, lines = read_document(path)
    try:
        model = ScenarioModel.model_validate(data)
    except pydantic.ValidationError as exc:
        raise validation_error(path, lines, exc) from None
    try:
        scenario = _build(path, lines, model)
    except ScenarioError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise ScenarioError(f"{path}: {exc}") from None
    return _with_tasks(scenario, model, path, lines)


def _with_tasks(
    scenario: Scenario, model: ScenarioModel, path: Path, lines: dict[locate.Path, int]
) -> Scenario:
    """``scenario`` with its tasks and explicit cells (errors name their file and line)."""
    tasks = suites.suite_tasks(model, path, lines)
    known = {p.name: p for p in (*BUILTIN.values(), *scenario.personas)}
    cells = tuple(
        Cell(persona=persona, intent=intent, task=task)
        for persona, intent, task in suites.explicit_cells(
            model,
            path,
            lines,
            known,
            {i.name: i for i in scenario.intents},
            {t.id: t for t in tasks},
        )
    )
    return replace(scenario, tasks=tasks, explicit_cells=cells)


def _build(path: Path, lines: dict[locate.Path, int], model: ScenarioModel) -> Scenario:
    schema = OutcomeSchema(outcomes=tuple(Outcome(**o.model_dump()) for o in model.outcomes))
    if not model.outcomes:  # a task suite: the grader decides passed or failed
        schema = TASK_OUTCOMES
    evaluator = _evaluator(model, schema)
    arbitration = None
    if model.arbitration is not None:
        arbitration = Arbitration(**model.arbitration.model_dump())
    limits = Limits(**model.limits.model_dump()) if model.limits else Limits()
    folder = path.parent
    agent = _seat(model.agent, AGENT, "support", folder)
    personas = tuple(_personas(path, lines, model))
    intents = tuple(_intent(i.model_dump()) for i in model.intents)
    return Scenario(
        name=model.name,
        source=str(path),
        agent=agent,
        agents=labelled([_variant(agent, entry, folder) for entry in model.agents]),
        customer=_seat(model.customer, CUSTOMER, "customer", folder),
        extras=tuple(_seat(s, s.role or "", s.name or "", folder) for s in model.participants),
        personas=personas,
        intents=intents,
        outcomes=schema,
        evaluator=evaluator,
        arbitration=arbitration,
        limits=limits,
        repeat=model.repeat,
        seed=model.seed,
        time=model.time,
        lease_s=model.lease_s,
        domain=model.domain,
        cross=model.cross,
    )


def _seat(model: SeatModel | None, role: str, name: str, folder: Path) -> Seat:
    if model is None:
        return Seat(name=name, role=role)
    data = model.model_dump(exclude_none=True)
    data.pop("role", None)  # the agent's and the customer's roles are fixed
    data["tools"] = tuple(_tool_reference(folder, t) for t in data.get("tools", ()))
    return Seat(**{"name": name, **data, "role": role})


def _variant(base: Seat, entry: SeatModel, folder: Path) -> Seat:
    """An ``[[agents]]`` entry over ``[agent]``'s settings (its name and role stay)."""
    data = entry.model_dump(exclude_none=True)
    if "tools" in data:
        data["tools"] = tuple(_tool_reference(folder, t) for t in data["tools"])
    if "name" in data or "role" in data:
        raise ScenarioError("[[agents]] entries take a label, not a name or role")
    if "agent" in data or "url" in data:  # a new target replaces the whole target
        base = replace(base, agent="mock", model=None, url=None)
    return replace(base, **data)


def _tool_reference(folder: Path, reference: str) -> str:
    """A tools file named relative to the scenario file, made absolute; other references as
    they are."""
    scheme, rest = split_reference(reference)
    if scheme == "python" and rest.endswith(".py") and not Path(rest).is_absolute():
        return recorded_reference(str(folder / rest))
    return recorded_reference(reference)


def _intent(data: dict[str, Any]) -> Intent:
    goal = data.pop("goal", None)
    if goal is not None:
        goal = Goal(**_tuples(goal))
    return Intent(**data, goal=goal)


def _evaluator(model: ScenarioModel, schema: OutcomeSchema) -> EvaluatorConfig:
    kind = "task" if model.tasks or model.domain else "rules"
    spec = model.evaluator or EvaluatorModel.model_validate({"kind": kind})
    if spec.kind == "task":
        return EvaluatorConfig(kind="task", judge_agent=spec.agent, judge_model=spec.model)
    if spec.kind == "judge":
        return EvaluatorConfig(kind="judge", judge_agent=spec.agent, judge_model=spec.model)
    rules = tuple(OutcomeRule(**_tuples(r.model_dump())) for r in spec.rules)
    evaluator = RuleEvaluator(rules=rules, default=spec.default or schema.slugs[-1])
    evaluator.check(schema)
    return EvaluatorConfig(kind="rules", rules=evaluator)


def _personas(path: Path, lines: dict[locate.Path, int], model: ScenarioModel) -> list[Persona]:
    known = dict(BUILTIN)
    for file in model.persona_files:
        for persona in load_personas(path.parent / file):
            known[persona.name] = persona
    chosen: list[Persona] = []
    for index, item in enumerate(model.personas):
        if isinstance(item, str):
            if item not in known:
                line = locate.line_of(lines, ("personas", index))
                raise ScenarioError(
                    f"{path}:{line}: personas[{index}]: unknown persona {item!r}; "
                    f"known: {', '.join(known)}"
                )
            chosen.append(known[item])
        else:
            chosen.append(_persona(path, lines, item.model_dump(), ("personas", index)))
    names = [p.name for p in chosen]
    if len(set(names)) != len(names):
        raise ScenarioError(f"{path}: personas are listed twice: {', '.join(names)}")
    return chosen


def _tuples(data: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
