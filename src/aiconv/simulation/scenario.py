"""Scenario and persona files (TOML or YAML): validated with pydantic at this edge, turned into
frozen values. Every error names the file, the line and the field, e.g.
``scenarios.toml:14: intents[1].goal.max_turns: Input should be greater than 0``.

See ``examples/scenarios.toml`` for the format.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pydantic
import yaml

from aiconv.errors import ScenarioError
from aiconv.simulation import locate
from aiconv.simulation.arbitration import Arbitration
from aiconv.simulation.documents import ScenarioModel, SeatModel, persona_models
from aiconv.simulation.evaluators import OutcomeRule, RuleEvaluator
from aiconv.simulation.intents import AGENT, CUSTOMER, Goal, Intent
from aiconv.simulation.outcomes import Outcome, OutcomeSchema
from aiconv.simulation.personas import BUILTIN, Persona
from aiconv.simulation.variants import labelled, variant_of


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Stop rules every conversation of the scenario starts with."""

    max_turns: int = 20
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    timeout_s: float | None = None
    loop_policy: str = "end"
    closing: str = "mutual"


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluatorConfig:
    """``rules`` (a ``RuleEvaluator``) or ``judge`` (an LLM judge on agent ``judge_agent``)."""

    kind: str
    rules: RuleEvaluator | None = None
    judge_agent: str | None = None
    judge_model: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Grounding:
    """Style examples for the customer: ``examples`` real messages similar to the intent,
    retrieved from the style index at ``index`` (built by ``aic discover``)."""

    index: Path
    examples: int = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """One persona × intent combination of the matrix."""

    persona: Persona
    intent: Intent

    @property
    def key(self) -> str:
        """``persona/intent``."""
        return f"{self.persona.name}/{self.intent.name}"


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
    #: Voice calls: every message spoken and heard (needs the voice extra and espeak-ng).
    voice: bool = False
    lease_s: float = 30.0
    #: Agents under test run side by side (a matrix); empty: ``agent`` alone.
    agents: tuple[Seat, ...] = ()
    grounding: Grounding | None = None

    def cells(self) -> list[Cell]:
        """Every persona × intent, personas first."""
        return [Cell(persona=p, intent=i) for p in self.personas for i in self.intents]

    def variants(self) -> list[Scenario]:
        """One scenario per agent under test (``agent`` set to it, labelled), or itself."""
        if not self.agents:
            return [self]
        return [replace(self, agent=seat, agents=()) for seat in self.agents]

    def with_agents(self, agent_ids: Sequence[str]) -> Scenario:
        """A matrix of ``agent_ids`` (``--agent``), each over ``agent``'s settings."""
        seats = [replace(self.agent, agent=a, model=None, url=None) for a in agent_ids]
        return replace(self, agents=labelled(seats))


def read_document(path: Path) -> tuple[dict[str, Any], dict[locate.Path, int]]:
    """The parsed TOML/YAML document of ``path`` and its line map; ScenarioError on bad syntax."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read: {exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return tomllib.loads(text), locate.toml_lines(text)
        if suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
            if not isinstance(data, dict):
                raise ScenarioError(f"{path}:1: the document must be a mapping")
            return data, locate.yaml_lines(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ScenarioError(f"{path}{line}: {getattr(exc, 'problem', exc)}") from None
    raise ScenarioError(f"{path}: use a .toml, .yaml or .yml file")


def validation_error(
    path: Path, lines: dict[locate.Path, int], exc: pydantic.ValidationError
) -> ScenarioError:
    """A ScenarioError naming file, line and field of each problem (at most five)."""
    problems = []
    for error in exc.errors()[:5]:
        loc = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        line = locate.line_of(lines, loc)
        where = f"{path}:{line}" if line else str(path)
        problems.append(f"{where}: {locate.dotted(loc)}: {error['msg']}")
    more = len(exc.errors()) - len(problems)
    return ScenarioError("\n".join(problems) + (f"\n… and {more} more" if more > 0 else ""))


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
        return _build(path, lines, model)
    except ScenarioError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise ScenarioError(f"{path}: {exc}") from None


def _build(path: Path, lines: dict[locate.Path, int], model: ScenarioModel) -> Scenario:
    schema = OutcomeSchema(outcomes=tuple(Outcome(**o.model_dump()) for o in model.outcomes))
    evaluator = _evaluator(model, schema)
    arbitration = None
    if model.arbitration is not None:
        arbitration = Arbitration(**model.arbitration.model_dump())
    limits = Limits(**model.limits.model_dump()) if model.limits else Limits()
    agent = _seat(model.agent, AGENT, "support")
    return Scenario(
        name=model.name,
        source=str(path),
        agent=agent,
        agents=labelled([variant_of(agent, entry) for entry in model.agents]),
        customer=_seat(model.customer, CUSTOMER, "customer"),
        extras=tuple(_seat(s, s.role or "", s.name or "") for s in model.participants),
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
    )


def _grounding(path: Path, model: ScenarioModel) -> Grounding | None:
    if model.grounding is None:
        return None
    index = Path(model.grounding.index)
    return Grounding(
        index=index if index.is_absolute() else path.parent / index,
        examples=model.grounding.examples,
    )


def _seat(model: SeatModel | None, role: str, name: str) -> Seat:
    if model is None:
        return Seat(name=name, role=role)
    data = model.model_dump(exclude_none=True)
    data.pop("role", None)  # the agent's and the customer's roles are fixed
    return Seat(**{"name": name, **data, "role": role})


def _intent(data: dict[str, Any]) -> Intent:
    goal = data.pop("goal", None)
    if goal is not None:
        goal = Goal(**_tuples(goal))
    return Intent(**data, goal=goal)


def _evaluator(model: ScenarioModel, schema: OutcomeSchema) -> EvaluatorConfig:
    spec = model.evaluator
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
