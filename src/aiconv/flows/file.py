"""Reading a flow file (TOML or YAML) into a checked ``Flow``.

Every problem is one ``ScenarioError`` line naming the file, the line and the field
(``agent-designer.toml:41: stages[2].transitions[0].to: unknown stage 'REVIEW' …``): a field
that does not validate, a stage, field or agent that does not exist, a JSON schema that is not
usable, an output template naming an unknown field. Agent ids are checked by the caller's
``known`` (the registry), so this module names no vendor.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aiconv.errors import ScenarioError
from aiconv.flows.model import (
    DEFAULT_HISTORY,
    DEFAULT_THRESHOLD,
    FieldDef,
    Flow,
    Stage,
    Transition,
    placeholders,
)
from aiconv.flows.schema import schema_problem, validation_problem
from aiconv.simulation import locate
from aiconv.simulation.files import read_document
from aiconv.validation import check_name

_NAME = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
#: Says why an agent id is not usable (None when it is): the registry's check.
AgentCheck = Callable[[str], str | None]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class FieldModel(_Strict):
    title: str | None = None
    question: str = Field(min_length=1)
    description: str = ""
    json_schema: dict[str, Any] = Field(alias="schema")


class TransitionModel(_Strict):
    to: str
    requires: list[str] = []
    when: dict[str, Any] = {}
    clear: list[str] = []


class StageModel(_Strict):
    name: str = Field(pattern=_NAME)
    goal: str = ""
    prompt: str = ""
    collect: list[str] = []
    agent: str | None = None
    extractor: str | None = None
    threshold: float | None = Field(None, ge=0, le=1)
    final: bool = False
    revise: bool = False
    transitions: list[TransitionModel] = []


class FlowModel(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    system: str = ""
    threshold: float = Field(DEFAULT_THRESHOLD, ge=0, le=1)
    history: int = Field(DEFAULT_HISTORY, ge=1, le=200)
    agent: str | None = None
    extractor: str = "extractor"
    fields: dict[str, FieldModel] = Field(min_length=1)
    stages: list[StageModel] = Field(min_length=1)
    output: dict[str, str] = {}

    @field_validator("name")
    @classmethod
    def _printable(cls, name: str) -> str:
        """A flow's name is recorded and shown like a participant's: printable, 1-64 chars."""
        check_name(name)
        return name


def load_flow(path: Path, known: AgentCheck | None = None) -> Flow:
    """The checked flow of ``path``; ScenarioError (one line: file, line, field) otherwise."""
    data, lines = read_document(path)
    try:
        model = FlowModel.model_validate(data)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        raise _error(path, lines, tuple(error["loc"]), error["msg"]) from None
    problem = check_flow(model, known)
    if problem is not None:
        loc, why = problem
        raise _error(path, lines, loc, why)
    return to_flow(model)


def _error(
    path: Path, lines: dict[locate.Path, int], loc: Sequence[str | int], why: str
) -> ScenarioError:
    line = locate.line_of(lines, loc)
    where = f"{path}:{line}" if line else str(path)
    return ScenarioError(f"{where}: {locate.dotted(loc)}: {why}")


Problem = tuple[tuple[str | int, ...], str]


def check_flow(model: FlowModel, known: AgentCheck | None = None) -> Problem | None:
    """The first cross-reference problem of a validated flow file, with its location."""
    for name, item in model.fields.items():
        found = schema_problem(item.json_schema)
        if found is not None:
            where, _, why = found.partition(": ")
            return ("fields", name, *where.split(".")), why
    return (
        _stages_problem(model)
        or _finish_problem(model)
        or _agents_problem(model, known)
        or _output_problem(model)
    )


def _stages_problem(model: FlowModel) -> Problem | None:
    names = [s.name for s in model.stages]
    fields = set(model.fields)
    for index, stage in enumerate(model.stages):
        at: tuple[str | int, ...] = ("stages", index)
        if stage.name in names[:index]:
            return (*at, "name"), f"stage {stage.name!r} appears twice"
        for j, name in enumerate(stage.collect):
            if name not in fields:
                return (*at, "collect", j), _unknown("field", name, fields)
        for j, move in enumerate(stage.transitions):
            if move.to not in names:
                return (*at, "transitions", j, "to"), _unknown("stage", move.to, names)
            named = (("requires", move.requires), ("when", list(move.when)), ("clear", move.clear))
            for key, needed in named:
                for name in needed:
                    if name not in fields:
                        return (*at, "transitions", j, key), _unknown("field", name, fields)
            for name, wanted in move.when.items():
                # A value its field can never hold would keep the transition shut for good.
                why = validation_problem(wanted, model.fields[name].json_schema, "")
                if why is not None:
                    return (*at, "transitions", j, "when", name), why.removeprefix(": ")
    return None


def _finish_problem(model: FlowModel) -> Problem | None:
    """Why the flow could never reach a final stage from its first one, if it could not."""
    last = ("stages", len(model.stages) - 1, "final")
    finals = [i for i, s in enumerate(model.stages) if s.final]
    if not finals:
        return last, "no stage is final: the flow could never finish"
    moves = {s.name: [t.to for t in s.transitions] for s in model.stages}
    first = model.stages[0].name
    reached, waiting = {first}, [first]
    while waiting:
        for name in moves[waiting.pop()]:
            if name not in reached:
                reached.add(name)
                waiting.append(name)
    if any(model.stages[i].name in reached for i in finals):
        return None
    final = model.stages[finals[0]].name
    return ("stages", finals[0], "final"), (
        f"stage {final!r} cannot be reached from {first!r} through the transitions: "
        "the flow could never finish"
    )


def _agents_problem(model: FlowModel, known: AgentCheck | None) -> Problem | None:
    places: list[tuple[tuple[str | int, ...], str | None]] = [
        (("agent",), model.agent),
        (("extractor",), model.extractor),
    ]
    for index, stage in enumerate(model.stages):
        places += [(("stages", index, "agent"), stage.agent)]
        places += [(("stages", index, "extractor"), stage.extractor)]
    for loc, agent in places:
        if agent is None:
            continue
        if agent.strip().lower().startswith("flow:"):
            return loc, f"a stage agent cannot be a flow itself ({agent!r})"
        why = known(agent) if known is not None else None
        if why is not None:
            return loc, why
    return None


def _output_problem(model: FlowModel) -> Problem | None:
    templates: list[tuple[tuple[str | int, ...], str]] = [
        (("output", key), template) for key, template in model.output.items()
    ]
    templates += [(("stages", i, "prompt"), s.prompt) for i, s in enumerate(model.stages)]
    for loc, template in templates:
        try:
            names = placeholders(template)
        except ValueError as exc:
            return loc, f"not a template: {exc}"
        for name in names:
            if name not in model.fields:
                return loc, _unknown("field", name, model.fields)
        formatted = _formatted(template)
        if formatted is not None:
            return loc, formatted
    return None


def _formatted(template: str) -> str | None:
    """Why a placeholder of ``template`` is more than ``{field}``, or None: a format spec or a
    conversion is not the documented syntax, and ``{x:>999999999999}`` was a MemoryError
    traceback when its stage was entered, in the middle of a conversation."""
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name and (spec or conversion):
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            return f"'{{{shown}}}' is not a placeholder: write {{{name}}}"
    return None


def _unknown(what: str, name: str, valid: Sequence[str] | set[str] | Mapping[str, Any]) -> str:
    return f"unknown {what} {name!r} (known: {', '.join(sorted(valid))})"


def to_flow(model: FlowModel) -> Flow:
    """The values of a checked flow file."""
    fields = {
        name: FieldDef(
            name=name,
            title=item.title or name.replace("_", " "),
            question=item.question,
            schema=item.json_schema,
            description=item.description,
        )
        for name, item in model.fields.items()
    }
    stages = tuple(
        Stage(
            name=s.name,
            goal=s.goal,
            prompt=s.prompt,
            collect=tuple(s.collect),
            agent=s.agent if s.agent is not None else model.agent,
            extractor=s.extractor or model.extractor,
            threshold=s.threshold if s.threshold is not None else model.threshold,
            final=s.final,
            revise=s.revise,
            transitions=tuple(
                Transition(
                    to=t.to, requires=tuple(t.requires), when=dict(t.when), clear=tuple(t.clear)
                )
                for t in s.transitions
            ),
        )
        for s in model.stages
    )
    return Flow(
        name=model.name,
        fields=fields,
        stages=stages,
        system=model.system,
        history=model.history,
        output=dict(model.output),
    )
