"""Scenario and persona files (TOML or YAML): validated with pydantic at this edge, turned into
frozen values. Every error names the file, the line and the field, e.g.
``scenarios.toml:14: intents[1].goal.max_turns: Input should be greater than 0``.

See ``examples/scenarios.toml`` for the format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pydantic

from aiconv.agents.catalog import default_registry
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
from aiconv.simulation.seats import EvaluatorConfig, Grounding, Limits, Seat
from aiconv.simulation.variants import labelled, safe_label, variant_of

__all__ = ["Cell", "EvaluatorConfig", "Grounding", "Limits", "Scenario", "Seat", "load_scenario"]


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
    limits: Limits = Limits()  # noqa: RUF009 — frozen and immutable: one shared default is safe
    repeat: int = 1
    seed: int = 0
    time: str = "fast"
    #: Voice calls: every message spoken and heard (needs the voice extra and espeak-ng).
    voice: bool = False
    lease_s: float = 30.0
    #: Agents under test run side by side (a matrix); empty: ``agent`` alone.
    agents: tuple[Seat, ...] = ()
    grounding: Grounding | None = None
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
        return Persona(**_tuples(data))
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
    intents = {i.name: i for i in scenario.intents}
    parts = suites.explicit_cells(model, path, lines, known, intents, {t.id: t for t in tasks})
    cells = tuple(Cell(persona=p, intent=i, task=t) for p, i, t in parts)
    return replace(scenario, tasks=tasks, explicit_cells=cells)


def _build(path: Path, lines: dict[locate.Path, int], model: ScenarioModel) -> Scenario:
    schema = (  # a task suite without outcomes of its own: the grader decides passed or failed
        OutcomeSchema(outcomes=tuple(Outcome(**o.model_dump()) for o in model.outcomes))
        if model.outcomes
        else TASK_OUTCOMES
    )
    evaluator = _evaluator(model, schema)
    arbitration = None
    if model.arbitration is not None:
        arbitration = Arbitration(**model.arbitration.model_dump())
    limits = Limits(**model.limits.model_dump()) if model.limits else Limits()
    folder = path.parent
    agent = _seat(model.agent, AGENT, "support", folder)
    scenario = Scenario(
        name=model.name,
        source=str(path),
        agent=agent,
        agents=labelled([_variant(agent, entry, folder) for entry in model.agents]),
        customer=_seat(model.customer, CUSTOMER, "customer", folder),
        extras=tuple(_seat(s, s.role or "", s.name or "", folder) for s in model.participants),
        personas=tuple(_personas(path, lines, model)),
        intents=tuple(_intent(i.model_dump()) for i in model.intents),
        outcomes=schema,
        evaluator=evaluator,
        arbitration=arbitration,
        limits=limits,
        repeat=model.repeat,
        seed=model.seed,
        time=model.time,
        voice=model.voice,
        lease_s=model.lease_s,
        grounding=_grounding(path, model),
        domain=model.domain,
        cross=model.cross,
    )
    _check_senders(path, lines, model, scenario)
    return scenario


def _check_senders(
    path: Path, lines: dict[locate.Path, int], model: ScenarioModel, scenario: Scenario
) -> None:
    """ScenarioError for a rule whose ``sender`` is none of the participants: it matched no
    conversation, silently (``sender = "agent"`` where the seat is named ``support``)."""
    names = [scenario.agent.name, *(s.name for s in scenario.agents), scenario.customer.name]
    names = list(dict.fromkeys([*names, *(s.name for s in scenario.extras)]))
    rules = model.evaluator.rules if model.evaluator is not None else []
    for index, rule in enumerate(rules):
        if rule.sender is not None and rule.sender not in names:
            loc = ("evaluator", "rules", index, "sender")
            raise ScenarioError(
                f"{path}:{locate.line_of(lines, loc)}: {locate.dotted(loc)}: {rule.sender!r} is"
                f" not a participant ({', '.join(names)})"
            )


def _variant(base: Seat, entry: SeatModel, folder: Path) -> Seat:
    """An ``[[agents]]`` entry over ``[agent]`` (whose files are already found); labelled by
    the agent id as written (``flow:a.toml``), not by the path its file was found at."""
    if entry.agent is not None and entry.url is None:
        label = entry.label or safe_label(entry.agent)
        entry = entry.model_copy(update={"agent": _anchored(entry.agent, folder), "label": label})
    return _with_tools(variant_of(base, entry), folder)


def _grounding(path: Path, model: ScenarioModel) -> Grounding | None:
    if model.grounding is None:
        return None
    index = Path(model.grounding.index)
    return Grounding(
        index=index if index.is_absolute() else path.parent / index,
        examples=model.grounding.examples,
    )


def _seat(model: SeatModel | None, role: str, name: str, folder: Path) -> Seat:
    if model is None:
        return Seat(name=name, role=role)
    data = model.model_dump(exclude_none=True)
    data.pop("role", None)  # the agent's and the customer's roles are fixed
    if "agent" in data:
        data["agent"] = _anchored(data["agent"], folder)
    return _with_tools(Seat(**{"name": name, **data, "role": role}), folder)


def _with_tools(seat: Seat, folder: Path) -> Seat:
    """``seat`` with its tool references recorded as any process opens them: a tools file named
    relative to the scenario file made absolute, other references as they are."""
    return replace(seat, tools=tuple(_tool_reference(folder, t) for t in seat.tools))


def _anchored(agent: str, folder: Path) -> str:
    """``agent`` with its file (``flow:FILE``, ``script:FILE``) found beside the scenario file,
    as its tasks and tools are (relative to the working directory, so labels keep its words)."""
    return default_registry().anchored(agent, folder) if ":" in agent else agent


def _tool_reference(folder: Path, reference: str) -> str:
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
